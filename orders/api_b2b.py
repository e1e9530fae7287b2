"""Standing orders API under /api/v1/<coop_slug>/standing-orders/ (routes in orders/api_urls_b2b.py).

A business user sees and writes only their own account's standing orders; fixers and admins all of the
coop. Writes go through orders.services.standing_edit; a django ValidationError answers 400 with `detail`.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from coop.api import CoopAPIMixin
from members.models import MANAGER_ROLES, BusinessAccount, Role, Weekday
from orders import selectors_b2b as selectors
from orders.models import StandingOrder, StandingOrderLine, StandingOrderRun
from orders.services.standing_edit import standing_order_save

HEADER = ("name", "frequency", "weekdays", "start_date", "end_date", "purchase_order_reference", "is_active")
RUNS_LIMIT = 200


class StandingLineSerializer(serializers.Serializer):
    product = serializers.IntegerField(help_text="Product id.")
    product_name = serializers.CharField(read_only=True)
    quantity = serializers.DecimalField(max_digits=10, decimal_places=3)
    rule = serializers.ChoiceField(choices=StandingOrderLine.Rule.choices,
                                   default=StandingOrderLine.Rule.TAKE_REMAINING,
                                   help_text="What to do when the product is not offered or short in a cycle.")
    substitute = serializers.IntegerField(required=False, allow_null=True,
                                          help_text="Product id of the substitute (rule `substitute`).")


class PauseSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    reason = serializers.CharField(required=False, allow_blank=True, max_length=100)


class NextPlacementSerializer(serializers.Serializer):
    cycle = serializers.IntegerField()
    name = serializers.CharField()
    opens_at = serializers.DateTimeField()
    delivery_date = serializers.DateField()


class StandingOrderSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    account = serializers.IntegerField(read_only=True, source="account_id")
    account_name = serializers.CharField(read_only=True, source="account.name")
    customer = serializers.IntegerField(read_only=True, source="customer_id",
                                        help_text="Membership the orders are placed for.")
    name = serializers.CharField(read_only=True)
    frequency = serializers.ChoiceField(choices=StandingOrder.Frequency.choices, read_only=True)
    weekdays = serializers.ListField(child=serializers.ChoiceField(choices=Weekday.choices), read_only=True)
    start_date = serializers.DateField(read_only=True)
    end_date = serializers.DateField(read_only=True, allow_null=True)
    purchase_order_reference = serializers.CharField(read_only=True)
    is_active = serializers.BooleanField(read_only=True)
    lines = serializers.SerializerMethodField()
    pauses = PauseSerializer(many=True, read_only=True, source="pauses.all")
    next_placement = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    @extend_schema_field(StandingLineSerializer(many=True))
    def get_lines(self, obj):
        return StandingLineSerializer([
            {"product": ln.product_id, "product_name": ln.product.name_nl, "quantity": ln.quantity, "rule": ln.rule,
             "substitute": ln.substitute_id} for ln in obj.lines.all()], many=True).data

    @extend_schema_field(NextPlacementSerializer(allow_null=True))
    def get_next_placement(self, obj):
        cycle = getattr(obj, "next_cycle", None)
        if cycle is None:
            return None
        return NextPlacementSerializer({"cycle": cycle.pk, "name": cycle.name, "opens_at": cycle.opens_at,
                                        "delivery_date": cycle.delivery_date}).data


class StandingOrderWriteSerializer(serializers.Serializer):
    account = serializers.IntegerField(required=False, help_text="Business account id (fixers and admins; a "
                                                                 "business user always writes for their own).")
    name = serializers.CharField(max_length=100)
    frequency = serializers.ChoiceField(choices=StandingOrder.Frequency.choices,
                                        default=StandingOrder.Frequency.EVERY_CYCLE)
    weekdays = serializers.ListField(child=serializers.ChoiceField(choices=Weekday.choices), required=False,
                                     help_text="Delivery weekdays (frequency `weekdays`).")
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True)
    purchase_order_reference = serializers.CharField(required=False, allow_blank=True, max_length=60)
    is_active = serializers.BooleanField(required=False, default=True)
    lines = StandingLineSerializer(many=True, help_text="Replace all lines (at least one).")
    pauses = PauseSerializer(many=True, required=False, help_text="Replace all pause periods.")


class RunOutcomeSerializer(serializers.Serializer):
    line_id = serializers.IntegerField()
    product_id = serializers.IntegerField()
    product = serializers.CharField()
    requested = serializers.CharField()
    placed = serializers.CharField()
    placed_product_id = serializers.IntegerField(required=False)
    placed_product = serializers.CharField(required=False)
    outcome = serializers.ChoiceField(choices=["placed", "reduced", "substituted", "skipped"])
    reason = serializers.CharField(allow_blank=True)


class StandingOrderRunSerializer(serializers.ModelSerializer):
    cycle_name = serializers.CharField(source="cycle.name", read_only=True)
    delivery_date = serializers.DateField(source="cycle.delivery_date", read_only=True)
    order_number = serializers.CharField(source="order.number", read_only=True, allow_null=True, default=None)
    outcomes = RunOutcomeSerializer(many=True, read_only=True)

    class Meta:
        model = StandingOrderRun
        fields = ["id", "cycle", "cycle_name", "delivery_date", "status", "message", "order", "order_number",
                  "outcomes", "attempts", "claimed_at", "finished_at", "notified_at"]
        read_only_fields = fields


def _membership(request):
    return request._request.membership


def _bad_request(exc: DjangoValidationError) -> Response:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
    detail = " ".join(str(m) for messages in errors.values() for m in messages)
    return Response({"detail": detail, "errors": errors}, status=status.HTTP_400_BAD_REQUEST)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


class StandingOrderViewSet(CoopAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Standing orders of business accounts: the orders placed automatically when a cycle opens."""

    serializer_class = StandingOrderSerializer
    required_roles = (Role.BUSINESS, *MANAGER_ROLES)
    lookup_url_kwarg = "standing_order_id"
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return StandingOrder.objects.none()
        return (selectors.standing_orders_visible_to(_membership(self.request))
                .prefetch_related("lines__product", "pauses").order_by("pk"))

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(selectors.with_next_placement_list(page),
                                                               many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_serializer(selectors.with_next_placement_list([self.get_object()])[0]).data)

    def _write(self, request, *, standing=None, partial=False):
        serializer = StandingOrderWriteSerializer(data=request.data, partial=partial)
        if not serializer.is_valid():
            return Response({"detail": _("The request is not valid."), "errors": serializer.errors},
                            status=status.HTTP_400_BAD_REQUEST)
        data = serializer.validated_data
        membership = _membership(request)
        if standing is not None:
            account = standing.account
        elif membership.is_manager and data.get("account"):
            account = BusinessAccount.objects.filter(pk=data["account"]).first()
        else:
            account = membership.business_account
        if account is None or (standing is None and not membership.is_manager and data.get("account")
                               not in (None, account.pk)):
            return Response({"detail": _("Choose a business account of this cooperative you may order for.")},
                            status=status.HTTP_400_BAD_REQUEST)
        lines = [dict(line) for line in data["lines"]] if "lines" in data else None
        try:
            standing = standing_order_save(
                account=account, data={k: data[k] for k in HEADER if k in data}, lines=lines,
                pauses=[dict(p) for p in data["pauses"]] if "pauses" in data else None, user=request.user,
                customer=membership if membership.business_account_id == account.pk else None,
                standing_order=standing)
        except DjangoValidationError as exc:
            return _bad_request(exc)
        fresh = self.get_queryset().get(pk=standing.pk)
        return Response(self.get_serializer(selectors.with_next_placement_list([fresh])[0]).data,
                        status=status.HTTP_200_OK if partial else status.HTTP_201_CREATED)

    @extend_schema(request=StandingOrderWriteSerializer,
                   responses={201: StandingOrderSerializer, 400: OpenApiResponse(ErrorSerializer)})
    def create(self, request, *args, **kwargs):
        return self._write(request)

    @extend_schema(request=StandingOrderWriteSerializer,
                   responses={200: StandingOrderSerializer, 400: OpenApiResponse(ErrorSerializer)})
    def partial_update(self, request, *args, **kwargs):
        return self._write(request, standing=self.get_object(), partial=True)

    @extend_schema(responses=StandingOrderRunSerializer(many=True),
                   parameters=[OpenApiParameter("status", str, enum=StandingOrderRun.Status.values,
                                                description="Only runs with this status.")])
    @action(detail=True, methods=["get"], url_path="runs", pagination_class=None)
    def runs(self, request, *args, **kwargs):
        """Placement history with the reason for every line that was not placed as asked (newest first)."""
        standing = self.get_object()
        runs = standing.runs.select_related("cycle", "order").order_by("-cycle__delivery_date", "-pk")
        wanted = request.query_params.get("status")
        if wanted:
            runs = runs.filter(status=wanted)
        return Response(StandingOrderRunSerializer(runs[:RUNS_LIMIT], many=True).data)
