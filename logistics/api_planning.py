"""Rounds API under /api/v1/<coop_slug>/: vehicles, planning runs (create -> 202 + Job, publish, re-optimise,
check), routes and stops (a driver sees only their own routes of a published plan), stop events (idempotent by
a client-made id), and impact figures per cycle and per month. Thin: every write is a service call."""

import json
import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from coop.api import CoopAPIMixin
from members.models import MANAGER_ROLES, Role
from orders.models import OrderCycle

from .models import PlanningRun, Route, Stop, StopEvent, Vehicle
from .route_day import navigation_url
from .services import impact, planning
from .services.planning_warnings import run_warnings
from .services.stop_events import stop_visible_to

DRIVER_ROLES = (*MANAGER_ROLES, Role.DRIVER)


def _django_errors(exc: DjangoValidationError) -> ValidationError:
    return ValidationError({"detail": " ".join(exc.messages)})


def _is_manager(request) -> bool:
    return request._request.membership.has_role(*MANAGER_ROLES)


class VehicleSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text="van_cooled, van, truck_cooled, truck, car, cargo_bike")

    class Meta:
        model = Vehicle
        fields = ["id", "key", "name", "kind", "energy", "capacity_kg", "capacity_crates", "capacity_volume_l",
                  "is_cooled", "is_lez_compliant", "cost_per_km", "cost_per_hour", "fixed_cost_per_day",
                  "home_hub", "home_label", "home_latitude", "home_longitude", "availability", "max_duration_hours",
                  "service_postcodes", "is_active"]


class VehicleViewSet(CoopAPIMixin, viewsets.ReadOnlyModelViewSet):
    """The coop's fleet (managers)."""

    serializer_class = VehicleSerializer
    required_roles = MANAGER_ROLES
    lookup_url_kwarg = "vehicle_id"
    queryset = Vehicle.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no scope, no member
            return Vehicle.objects.none()
        return Vehicle.objects.all()


class StopSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text="collect, deliver, or depot (unload at the hub)")
    navigation_url = serializers.SerializerMethodField(help_text="geo: URI that opens navigation on a phone")

    class Meta:
        model = Stop
        fields = ["id", "run", "route", "sequence", "task_key", "kind", "name", "address", "postcode", "latitude",
                  "longitude", "navigation_url", "arrival_at", "eta_from", "eta_to", "window_from", "window_until",
                  "service_minutes", "kg", "crates", "is_cooled", "load", "load_after_kg", "load_after_crates",
                  "unassigned_reason", "is_pinned", "status", "status_changed_at"]
        read_only_fields = fields

    def get_navigation_url(self, stop) -> str | None:
        return navigation_url(stop.latitude, stop.longitude, stop.name) or None


class RouteSerializer(serializers.ModelSerializer):
    vehicle_name = serializers.CharField(source="vehicle.name", read_only=True)
    vehicle_kind = serializers.CharField(source="vehicle.kind", read_only=True)
    driver_name = serializers.SerializerMethodField()

    class Meta:
        model = Route
        fields = ["id", "run", "vehicle", "vehicle_name", "vehicle_kind", "vehicle_key", "day", "driver",
                  "driver_name", "start_at", "end_at", "km", "empty_km", "hours", "cost", "capacity_kg",
                  "capacity_crates", "peak_kg", "avg_kg", "peak_crates", "avg_crates", "is_pinned", "violations"]
        read_only_fields = fields

    def get_driver_name(self, route) -> str | None:
        if route.driver is None:
            return None
        return route.driver.user.get_full_name() or route.driver.user.email


class RouteDetailSerializer(RouteSerializer):
    stops = StopSerializer(many=True, read_only=True)

    class Meta(RouteSerializer.Meta):
        fields = [*RouteSerializer.Meta.fields, "stops"]
        read_only_fields = fields


class PlanningWarningSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="released, started_kept, stop_gone, pin_infeasible, route_infeasible, "
                                           "started_infeasible, pin_dropped or driver_changed")
    message = serializers.CharField(help_text="the warning in the request's language")
    vehicle = serializers.CharField()
    day = serializers.DateField()
    cause = serializers.CharField(required=False, help_text="no_shift or inactive (released, started_kept)")
    count = serializers.IntegerField(required=False, help_text="stops whose pin was released")
    place = serializers.CharField(required=False, help_text="the stop concerned")
    reason = serializers.CharField(required=False, help_text="late, shift, duration, skills or capacity")
    driver = serializers.CharField(required=False, help_text="the former driver (driver_changed)")
    new = serializers.CharField(required=False, help_text="the new driver, empty when none is free")


class PlanningRunSerializer(serializers.ModelSerializer):
    routes = RouteSerializer(many=True, read_only=True)
    unassigned = serializers.SerializerMethodField()
    job_url = serializers.SerializerMethodField()
    warnings = serializers.SerializerMethodField(
        help_text="what the last solve could not keep as pinned (vehicle without that shift, order cancelled, "
                  "pinned order no longer possible) and what it did instead")

    class Meta:
        model = PlanningRun
        fields = ["id", "cycle", "status", "objective", "time_budget_seconds", "vehicle_ids", "job", "job_url",
                  "total_km", "total_hours", "total_cost", "vehicles_used", "unassigned_count", "baseline_km",
                  "solver_status", "solve_seconds", "message", "warnings", "created_at", "planned_at", "published_at",
                  "routes", "unassigned"]
        read_only_fields = fields

    @extend_schema_field(PlanningWarningSerializer(many=True))
    def get_warnings(self, run):
        return run_warnings(run)

    @extend_schema_field(StopSerializer(many=True))
    def get_unassigned(self, run):
        stops = [s for s in run.stops.all() if s.route_id is None and s.kind != Stop.Kind.DEPOT]
        return StopSerializer(stops, many=True).data

    def get_job_url(self, run) -> str | None:
        if run.job_id is None:
            return None
        return reverse("api_job_detail", kwargs={"coop_slug": run.coop.slug, "job_id": run.job_id})


class PlanningRunCreateSerializer(serializers.Serializer):
    cycle = serializers.IntegerField()
    objective = serializers.ChoiceField(choices=PlanningRun.Objective.choices, default=PlanningRun.Objective.COST)
    time_budget = serializers.IntegerField(min_value=1, max_value=planning.MAX_BUDGET, default=30,
                                           help_text="seconds the solver may search")
    vehicles = serializers.ListField(child=serializers.IntegerField(), required=False,
                                     help_text="vehicle ids; default every active vehicle")


class ReoptimiseSerializer(serializers.Serializer):
    objective = serializers.ChoiceField(choices=PlanningRun.Objective.choices, required=False)
    time_budget = serializers.IntegerField(min_value=1, max_value=planning.MAX_BUDGET, required=False)


class RunAcceptedSerializer(serializers.Serializer):
    planning_run = serializers.IntegerField()
    job = serializers.IntegerField()
    status_url = serializers.CharField()
    run_url = serializers.CharField()


class PlanCheckSerializer(serializers.Serializer):
    feasible = serializers.BooleanField()
    violations = serializers.ListField(child=serializers.CharField())
    km = serializers.FloatField()
    checked_at = serializers.CharField()


def _accepted(run: PlanningRun, coop_slug: str) -> Response:
    return Response({
        "planning_run": run.pk, "job": run.job_id,
        "status_url": reverse("api_job_detail", kwargs={"coop_slug": coop_slug, "job_id": run.job_id}),
        "run_url": reverse("api_planning_run-detail", kwargs={"coop_slug": coop_slug, "planning_run_id": run.pk}),
    }, status=status.HTTP_202_ACCEPTED)


class PlanningRunViewSet(CoopAPIMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Planning runs (managers). POST plans a closed cycle in the background: 202 with the Job to poll.
    `?cycle=<id>` filters the list."""

    serializer_class = PlanningRunSerializer
    required_roles = MANAGER_ROLES
    lookup_url_kwarg = "planning_run_id"
    queryset = PlanningRun.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PlanningRun.objects.none()
        runs = PlanningRun.objects.select_related("coop").prefetch_related(
            "routes__vehicle", "routes__driver__user", "stops")
        if self.request.query_params.get("cycle", "").isdigit():
            runs = runs.filter(cycle_id=self.request.query_params["cycle"])
        return runs

    @extend_schema(request=PlanningRunCreateSerializer, responses={202: RunAcceptedSerializer})
    def create(self, request, coop_slug=None):
        data = PlanningRunCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        cycle = get_object_or_404(OrderCycle.objects.all(), pk=values["cycle"])
        vehicles = None
        if values.get("vehicles"):
            vehicles = list(Vehicle.objects.filter(pk__in=values["vehicles"], is_active=True))
            if len(vehicles) != len(set(values["vehicles"])):
                raise ValidationError({"detail": "Unknown or inactive vehicle."})
        try:
            run = planning.planning_run_start(cycle=cycle, user=request.user, vehicles=vehicles,
                                              objective=values["objective"], time_budget=values["time_budget"])
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc
        return _accepted(run, coop_slug)

    @extend_schema(request=None, responses={200: PlanningRunSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, coop_slug=None, planning_run_id=None):
        run = self.get_object()
        try:
            planning.planning_run_publish(run_id=run.pk, user=request.user)
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc
        return Response(PlanningRunSerializer(self.get_queryset().get(pk=run.pk)).data)

    @extend_schema(request=ReoptimiseSerializer, responses={202: RunAcceptedSerializer})
    @action(detail=True, methods=["post"])
    def reoptimise(self, request, coop_slug=None, planning_run_id=None):
        run = self.get_object()
        data = ReoptimiseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            run = planning.planning_run_reoptimise(run_id=run.pk, user=request.user,
                                                   objective=data.validated_data.get("objective"),
                                                   time_budget=data.validated_data.get("time_budget"))
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc
        return _accepted(run, coop_slug)

    @extend_schema(responses={200: PlanCheckSerializer})
    @action(detail=True, methods=["get"])
    def check(self, request, coop_slug=None, planning_run_id=None):
        """Independent feasibility check of the stored plan against the cycle as it is now."""
        run = self.get_object()
        try:
            report = planning.planning_run_check(run_id=run.pk)
        except ValueError as exc:
            raise ValidationError({"detail": str(exc)}) from exc
        return Response(PlanCheckSerializer(report).data)


class PinSerializer(serializers.Serializer):
    pinned = serializers.BooleanField(default=True)


class RouteViewSet(CoopAPIMixin, viewsets.ReadOnlyModelViewSet):
    """Routes with their stops. Managers see all (`?run=<id>`, `?day=YYYY-MM-DD`); a driver only their own
    routes of published plans."""

    required_roles = DRIVER_ROLES
    lookup_url_kwarg = "route_id"
    queryset = Route.objects.none()

    def get_serializer_class(self):
        return RouteDetailSerializer if self.action == "retrieve" else RouteSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Route.objects.none()
        routes = Route.objects.select_related("vehicle", "driver__user").prefetch_related("stops")
        if not _is_manager(self.request):
            routes = routes.filter(driver=self.request._request.membership, run__published_at__isnull=False).exclude(
                run__status=PlanningRun.Status.FAILED)
        params = self.request.query_params
        if params.get("run", "").isdigit():
            routes = routes.filter(run_id=params["run"])
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", params.get("day", "")):
            routes = routes.filter(day=params["day"])
        return routes

    @extend_schema(request=PinSerializer, responses={200: RouteSerializer})
    @action(detail=True, methods=["post"])
    def pin(self, request, coop_slug=None, route_id=None):
        route = self.get_object()
        if not _is_manager(request):
            raise NotFound()
        data = PinSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            route = planning.route_pin(route_id=route.pk, pinned=data.validated_data["pinned"])
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc
        return Response(RouteSerializer(route).data)


class StopMoveSerializer(serializers.Serializer):
    route = serializers.IntegerField(allow_null=True, required=False, help_text="route id; null leaves the stop out")
    vehicle = serializers.IntegerField(required=False, help_text=(
        "instead of a route: a vehicle id; the stop goes on that vehicle's route of the plan, which is started "
        "when the plan does not use the vehicle yet"))
    day = serializers.DateField(required=False, help_text="with vehicle: its shift on this day (default: the "
                                                          "stop's own day)")
    position = serializers.IntegerField(min_value=1, required=False, help_text="1-based; default: last")

    @staticmethod
    def target_problem(values) -> str:
        if "vehicle" in values and values.get("route") is not None:
            return "Give a route or a vehicle, not both."
        if "vehicle" not in values and "route" not in values:
            return "Say where the stop goes: a route, a vehicle, or route null to leave it out."
        if "day" in values and "vehicle" not in values:
            return "A day goes with a vehicle."
        return ""


class StopViewSet(CoopAPIMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One stop (managers, or the driver of its route). Managers move and pin stops."""

    serializer_class = StopSerializer
    required_roles = DRIVER_ROLES
    lookup_url_kwarg = "stop_id"
    queryset = Stop.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Stop.objects.none()
        return Stop.objects.select_related("route", "run")

    def get_object(self):
        stop = super().get_object()
        if not stop_visible_to(stop, self.request._request.membership):
            raise NotFound()
        return stop

    def _manager_stop(self, request) -> Stop:
        stop = self.get_object()
        if not _is_manager(request):
            raise NotFound()
        return stop

    @extend_schema(request=StopMoveSerializer, responses={200: StopSerializer})
    @action(detail=True, methods=["post"])
    def move(self, request, coop_slug=None, stop_id=None):
        stop = self._manager_stop(request)
        data = StopMoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if problem := StopMoveSerializer.target_problem(values):
            raise ValidationError({"detail": problem})
        try:
            stop = planning.stop_move(stop_id=stop.pk, route_id=values.get("route"), position=values.get("position"),
                                      vehicle_id=values.get("vehicle"), day=values.get("day"))
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc
        return Response(StopSerializer(stop).data)

    @extend_schema(request=PinSerializer, responses={200: StopSerializer})
    @action(detail=True, methods=["post"])
    def pin(self, request, coop_slug=None, stop_id=None):
        stop = self._manager_stop(request)
        data = PinSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            stop = planning.stop_pin(stop_id=stop.pk, pinned=data.validated_data["pinned"])
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc
        return Response(StopSerializer(stop).data)


@extend_schema_field({"type": "array", "items": {"type": "object", "properties": {
    "item": {"type": "string"}, "quantity": {"type": "integer"}, "order": {"type": "integer"}}}})
class CrateRowsField(serializers.Field):
    """A list of {item, quantity, order?}; a JSON string is accepted too (multipart forms with a photo)."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data or "[]")
            except ValueError as exc:
                raise serializers.ValidationError("not valid JSON") from exc
        if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
            raise serializers.ValidationError("a list of {item, quantity, order} objects")
        return data

    def to_representation(self, value):
        return value


class StopEventInSerializer(serializers.Serializer):
    client_id = serializers.CharField(max_length=64, help_text="made on the phone, e.g. a UUID; sent again on "
                                                               "retry, applied once")
    kind = serializers.CharField(help_text="arrived, done, problem or proof")
    recorded_at = serializers.DateTimeField(required=False, help_text="time on the phone")
    receiver_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    problem = serializers.ChoiceField(choices=StopEvent.Problem.choices, required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)
    crates_returned = CrateRowsField(required=False)
    signature = serializers.FileField(required=False)
    photo = serializers.ImageField(required=False)


class StopEventSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True)
    stop_status = serializers.CharField(source="stop.status", read_only=True)

    class Meta:
        model = StopEvent
        fields = ["id", "stop", "stop_status", "client_id", "kind", "problem", "receiver_name", "crates_returned",
                  "note", "recorded_at", "received_at"]
        read_only_fields = fields


class StopEventAPI(CoopAPIMixin, APIView):
    """Record what happened at a stop. 201 the first time, 200 with the same event when the client id was seen."""

    required_roles = DRIVER_ROLES
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(request={"application/json": StopEventInSerializer, "multipart/form-data": StopEventInSerializer},
                   responses={201: StopEventSerializer, 200: StopEventSerializer})
    def post(self, request, coop_slug, stop_id):
        get_object_or_404(Stop.objects.all(), pk=stop_id)
        data = StopEventInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            event, created = planning.stop_event_record(
                stop_id=stop_id, client_id=values["client_id"], kind=values["kind"],
                membership=request._request.membership, user=request.user, recorded_at=values.get("recorded_at"),
                receiver_name=values.get("receiver_name", ""), problem=values.get("problem", ""),
                note=values.get("note", ""), crates_returned=values.get("crates_returned", []),
                signature=values.get("signature"), photo=values.get("photo"))
        except Stop.DoesNotExist as exc:
            raise NotFound() from exc
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc
        event.stop.refresh_from_db(fields=["status"])
        return Response(StopEventSerializer(event).data, status=status.HTTP_201_CREATED if created else 200)


IMPACT_SCHEMA = inline_serializer("PlanImpact", {
    "planning_run": serializers.IntegerField(), "vehicle_km": serializers.DecimalField(10, 2),
    "vehicle_hours": serializers.DecimalField(10, 2), "cost": serializers.DecimalField(10, 2),
    "orders": serializers.IntegerField(), "kg": serializers.DecimalField(10, 2),
    "km_per_order": serializers.DecimalField(10, 2, allow_null=True),
    "cost_per_order": serializers.DecimalField(10, 2, allow_null=True),
    "cost_per_kg": serializers.DecimalField(10, 2, allow_null=True),
    "km_per_kg": serializers.DecimalField(10, 4, allow_null=True),
    "empty_km": serializers.DecimalField(10, 2), "stops_per_hour": serializers.DecimalField(10, 2, allow_null=True),
    "stops": serializers.IntegerField(), "routes_count": serializers.IntegerField(),
    "average_peak_fill_percent": serializers.DecimalField(10, 2, allow_null=True, help_text=(
        "per route the fuller of kg and crates at the fullest moment, averaged over the routes")),
    "average_fill_percent": serializers.DecimalField(10, 2, allow_null=True),
    "co2_kg": serializers.DecimalField(10, 2), "co2_by_kind": serializers.ListField(child=serializers.DictField()),
    "farms_own_trips_km": serializers.DecimalField(10, 2), "farms_own_trips_co2_kg": serializers.DecimalField(10, 2),
    "routes": serializers.ListField(child=serializers.DictField()),
    "baseline": serializers.DictField(allow_null=True), "saved": serializers.DictField(allow_null=True, help_text=(
        "against every farm alone: vehicle_km(_percent) the coop's rounds only; km(_percent) and co2_kg(_percent) "
        "also counting the farms' own trips to the hub")),
})


class CycleImpactAPI(CoopAPIMixin, APIView):
    """Km, hours, cost, fill rate, CO2 and km saved against every farm driving alone, for a cycle's plan."""

    required_roles = MANAGER_ROLES

    @extend_schema(responses={200: IMPACT_SCHEMA})
    def get(self, request, coop_slug, cycle_id):
        cycle = get_object_or_404(OrderCycle.objects.all(), pk=cycle_id)
        figures = impact.cycle_impact(cycle)
        if figures is None:
            raise NotFound("This cycle has no plan yet.")
        return Response(figures)


class MonthImpactAPI(CoopAPIMixin, APIView):
    """The same figures added up over the cycles delivered in a month (`?month=YYYY-MM`)."""

    required_roles = MANAGER_ROLES

    @extend_schema(parameters=[OpenApiParameter("month", OpenApiTypes.STR, required=True, description="YYYY-MM")],
                   responses={200: OpenApiTypes.OBJECT})
    def get(self, request, coop_slug):
        match = re.fullmatch(r"(\d{4})-(\d{2})", request.query_params.get("month", ""))
        if not match or not 1 <= int(match[2]) <= 12:
            raise ValidationError({"detail": "Give the month as YYYY-MM."})
        return Response(impact.month_impact(year=int(match[1]), month=int(match[2])))
