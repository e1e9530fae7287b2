"""Reads for the fixer's planning pages: a run's routes with their stops and load bars, the unassigned stops, the
map data (rendered into the page as JSON, so the map needs no second request), the drivers' progress and, for a
published plan the fixer changed, whether each driver has been told about the change or has seen it.

A fixed number of queries per page, whatever the number of routes and stops.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from catalog.models import Product

from ..models import Hub, PlanningRun, Route, RouteChange, Stop, StopEvent, Vehicle
from ..services.planning_edits import EDITABLE
from ..services.planning_instance import vehicle_shifts

# Distinct on a map and readable with white numbers on them; a route keeps its colour by its place in the run.
ROUTE_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
                 "#7f7f7f", "#bcbd22"]
STORAGE_LABELS = dict(Product.Storage.choices)


def _point(latitude, longitude) -> list[float] | None:
    if latitude is None or longitude is None:
        return None
    return [float(latitude), float(longitude)]


def _member_name(membership) -> str:
    user = membership.user
    return user.get_full_name() or user.email


def change_status(change: RouteChange, *, cancelled: bool = False) -> str:
    """Where the driver is with the newest change of their day (services/route_changes.py): not mailed yet (the
    debounced e-mail waits for the fixer to stop editing), mailed, or seen on their phone. A revision marked
    mailed without an e-mail after it (mailed_at before changed_at) was left to a newer plan's own e-mails.
    `cancelled`: the words that follow "Route of … cancelled:"."""
    if change.seen_revision >= change.revision:
        return _("seen by the driver") if cancelled else _("Driver has seen the change")
    if change.mailed_revision < change.revision:
        return _("not yet sent to the driver") if cancelled else _("Change not yet sent to the driver")
    if change.mailed_at and change.mailed_at >= change.changed_at:
        told = _("driver told at %(time)s") if cancelled else _("Driver told at %(time)s")
        return told % {"time": f"{timezone.localtime(change.mailed_at):%H:%M}"}
    return (_("not sent, a newer plan of the cycle was published") if cancelled
            else _("Change not sent: a newer plan of the cycle was published"))


def _percent(value: Decimal, capacity) -> int:
    return round(100 * value / capacity) if capacity else 0


@dataclass
class StopView:
    """A stored stop and what the driver does there, in words the template can show."""

    stop: Stop
    orders: list[str] = field(default_factory=list)
    goods: list[dict] = field(default_factory=list)  # {"quantity", "unit", "product", "storage"}
    crates: list[tuple[str, int]] = field(default_factory=list)
    take_back: list[tuple[str, int]] = field(default_factory=list)
    source: str = ""  # for unloading at the hub: the farm the goods come from

    @classmethod
    def of(cls, stop: Stop) -> StopView:
        load = stop.load or {}
        return cls(
            stop=stop,
            orders=[str(order.get("number", "")) for order in load.get("orders", [])],
            goods=list(load.get("goods", [])),
            crates=[(str(STORAGE_LABELS.get(k, k)), n) for k, n in sorted((load.get("crates") or {}).items()) if n],
            take_back=sorted((k, n) for k, n in (load.get("crates_to_collect") or {}).items() if n),
            source=load.get("from", ""),
        )


@dataclass
class RouteView:
    route: Route
    index: int  # the route's colour: ROUTE_COLOURS on the map, .route-colour-<index> in the lists
    stops: list[StopView]
    home: list[float] | None
    change: str = ""  # change_status() of the driver's day, when the published plan changed under them

    @property
    def colour(self) -> str:
        return ROUTE_COLOURS[self.index]

    @property
    def kg_percent(self) -> int:
        return _percent(self.route.peak_kg, self.route.capacity_kg)

    @property
    def crates_percent(self) -> int:
        return _percent(self.route.peak_crates, self.route.capacity_crates)

    @property
    def is_over(self) -> bool:
        return self.kg_percent > 100 or self.crates_percent > 100

    @property
    def driver_name(self) -> str:
        return _member_name(self.route.driver) if self.route.driver else ""

    @property
    def label(self) -> str:
        return f"{self.route.vehicle.name} · {self.route.day:%d/%m}"


@dataclass
class SpareShift:
    """A shift of a vehicle on a day of the plan that has no route yet: a stop moved onto it starts one."""

    key: str  # the engine's vehicle key, as planning_instance makes it
    vehicle: Vehicle
    day: date
    hours: str

    @property
    def label(self) -> str:
        return f"{self.vehicle.name} · {self.day:%d/%m} · {self.hours}"

    @property
    def value(self) -> str:
        return f"vehicle:{self.key}"


def spare_shifts(run: PlanningRun, routes, stops) -> list[SpareShift]:
    """Active vehicles' shifts on the days of the plan (the delivery day and the days of the stops' windows)
    without a route. The move service checks again against the cycle as it is when a stop is moved."""
    delivery = run.cycle.delivery_date
    days = {delivery} | {route.day for route in routes} | {
        timezone.localdate(stop.window_from) for stop in stops if stop.window_from and stop.kind != Stop.Kind.DEPOT}
    used = {route.vehicle_key for route in routes}
    spare = [SpareShift(key, vehicle, day, f"{shift['from']}–{shift['to']}")
             for vehicle in Vehicle.objects.filter(is_active=True).order_by("key")
             for key, day, shift in vehicle_shifts(vehicle, delivery, days) if key not in used]
    return sorted(spare, key=lambda shift: (shift.day, shift.vehicle.key, shift.key))


@dataclass
class PlanView:
    run: PlanningRun
    hub: Hub | None
    routes: list[RouteView]
    unassigned: list[StopView]
    spare: list[SpareShift] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)  # drivers' days that have no route any more, with status

    @property
    def editable(self) -> bool:
        return self.run.status in EDITABLE

    def map_data(self) -> dict:
        hub = _point(self.hub.latitude, self.hub.longitude) if self.hub else None
        routes = []
        for view in self.routes:
            stops = [{"id": s.stop.pk, "seq": s.stop.sequence, "name": s.stop.name, "kind": s.stop.kind,
                      "at": _point(s.stop.latitude, s.stop.longitude), "pinned": s.stop.is_pinned,
                      "status": s.stop.status,
                      "eta": _clock_range(s.stop.eta_from, s.stop.eta_to)} for s in view.stops]
            path = [view.home] + [s["at"] for s in stops] + [view.home]
            routes.append({"id": view.route.pk, "label": view.label, "colour": view.colour,
                           "pinned": view.route.is_pinned, "km": str(view.route.km),
                           "stops": stops, "path": [p for p in path if p is not None]})
        return {
            "hub": {"name": self.hub.name, "at": hub} if hub else None,
            "routes": routes,
            "unassigned": [{"id": s.stop.pk, "name": s.stop.name, "at": _point(s.stop.latitude, s.stop.longitude),
                            "reason": s.stop.unassigned_reason} for s in self.unassigned],
        }


def _clock_range(start, end) -> str:
    if start is None or end is None:
        return ""
    return f"{timezone.localtime(start):%H:%M}–{timezone.localtime(end):%H:%M}"


def _home(route: Route, hub: Hub | None) -> list[float] | None:
    """Where the vehicle leaves from and comes back to (as planning_instance places it)."""
    vehicle = route.vehicle
    return (_point(vehicle.home_latitude, vehicle.home_longitude)
            or (_point(vehicle.home_hub.latitude, vehicle.home_hub.longitude) if vehicle.home_hub else None)
            or (_point(hub.latitude, hub.longitude) if hub else None))


def cycle_runs(cycle):
    return PlanningRun.objects.filter(cycle=cycle).select_related("job", "created_by").order_by("-created_at")


def run_routes(run: PlanningRun):
    stops = Stop.objects.order_by("sequence")
    return (Route.objects.filter(run=run).select_related("vehicle__home_hub", "driver__user")
            .prefetch_related(Prefetch("stops", queryset=stops)).order_by("day", "vehicle__key", "vehicle_key"))


def plan_view(run: PlanningRun) -> PlanView:
    hub = Hub.objects.first()
    routes = [RouteView(route, n % len(ROUTE_COLOURS), [StopView.of(s) for s in route.stops.all()], _home(route, hub))
              for n, route in enumerate(run_routes(run))]
    # a collection's unloading at the hub follows its collection: only the collection is listed
    unassigned = list(Stop.objects.filter(run=run, route__isnull=True).exclude(kind=Stop.Kind.DEPOT).order_by("name"))
    spare = []
    if run.status in EDITABLE:
        stops = unassigned + [view.stop for route in routes for view in route.stops]
        spare = spare_shifts(run, [view.route for view in routes], stops)
    return PlanView(run, hub, routes, [StopView.of(s) for s in unassigned], spare, route_changes(run, routes))


def route_changes(run: PlanningRun, routes: list[RouteView]) -> list[str]:
    """Sets each route's change status from the run's RouteChange rows (one query, none for a plan that is not
    published) and returns a line for each driver's day whose route was cancelled (its last stop moved away)."""
    if run.published_at is None:
        return []
    changes = {(c.driver_id, c.day): c for c in RouteChange.objects.filter(run=run).select_related("driver__user")}
    for view in routes:
        if change := changes.get((view.route.driver_id, view.route.day)):
            view.change = change_status(change)
    routed = {(view.route.driver_id, view.route.day) for view in routes}
    return [_("Route of %(driver)s on %(day)s cancelled: %(status)s") % {
                "driver": _member_name(change.driver), "day": formats.date_format(change.day, "l j F"),
                "status": change_status(change, cancelled=True)}
            for key, change in sorted(changes.items(), key=lambda item: (item[0][1], item[1].pk))
            if key not in routed]


@dataclass
class LiveRoute:
    route: Route
    index: int
    stops: list[Stop]
    problems: dict[int, StopEvent]

    @property
    def done(self) -> int:
        return sum(1 for s in self.stops if s.status in (Stop.Status.DONE, Stop.Status.PROBLEM))

    @property
    def rows(self) -> list[tuple[Stop, StopEvent | None]]:
        return [(stop, self.problems.get(stop.pk)) for stop in self.stops]


def live_progress(run: PlanningRun, routes=None) -> list[LiveRoute]:
    """Each route's stops with the status drivers recorded, and the latest problem reported at a stop. `routes`:
    the run's routes with their stops already loaded (the run page has them), else they are read here."""
    problems: dict[int, StopEvent] = {}
    for event in StopEvent.objects.filter(stop__run=run, kind=StopEvent.Kind.PROBLEM).order_by("recorded_at", "pk"):
        problems[event.stop_id] = event
    return [LiveRoute(route, n % len(ROUTE_COLOURS), list(route.stops.all()), problems)
            for n, route in enumerate(run_routes(run) if routes is None else routes)]
