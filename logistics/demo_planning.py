"""Demo rounds: each coop's vehicles (coop/data/regions.json), its driver, and a published plan for the newest
closed cycle with packing data (logistics.demo builds that; run after it in SEEDERS). Vehicles with insulated
boxes may carry chilled goods, so the plain van takes Thursday's farms and Friday evening's homes.

The solve is kept short (a solution limit, a few seconds at most) so seed_demo stays fast, and runs here in
place rather than in the routing queue, so the demo has a plan without a worker. Idempotent: vehicles and
drivers are created once, and a cycle that has a plan is not planned again.
"""

from decimal import Decimal

from django_scopes import scope, scopes_disabled

from coop.models import Cooperative
from members.models import Membership, Role
from orders.models import OrderCycle, PickupPoint

from .models import DriverProfile, Hub, OrderPacking, PlanningRun, Vehicle
from .services.planning import planning_run_create, planning_run_execute, planning_run_publish

SEED_BUDGET_SECONDS = 5
SEED_SOLUTION_LIMIT = 100
FIVE = Decimal("0.00001")


def vehicle_ensure(coop: Cooperative, spec: dict, hub: Hub | None) -> Vehicle:
    costs = spec.get("cost_estimates_eur", {})
    home = {"home_hub": hub}
    if spec.get("start", "hub") != "hub":
        point = PickupPoint.objects.filter(key=spec["start"]).first()
        if point is not None and point.latitude is not None:
            home = {"home_hub": None, "home_label": point.name, "home_latitude": point.latitude,
                    "home_longitude": point.longitude}
    vehicle, _created = Vehicle.objects.get_or_create(coop=coop, key=spec["key"], defaults={
        "name": spec["name"], "kind": spec["kind"], "energy": spec.get("energy", "diesel"),
        "capacity_kg": Decimal(str(spec["capacity_kg"])), "capacity_crates": int(spec["capacity_crates"]),
        # Insulated boxes keep chilled goods cold for a round of a few hours (collecting farms on Thursday, homes
        # on Friday evening after the cooled van's shift): such a vehicle may carry chilled goods.
        "is_cooled": bool(spec.get("cooled") or spec.get("insulated_boxes")),
        # Diesel vans without a Euro 6 sticker may not enter Gent/Antwerpen; the demo fleet is recent.
        "is_lez_compliant": True,
        "cost_per_km": Decimal(str(costs.get("per_km", "0.30"))), "cost_per_hour": Decimal(str(costs.get(
            "per_hour", "30"))), "fixed_cost_per_day": Decimal(str(costs.get("fixed_per_shift", "25"))),
        "availability": spec.get("shifts", []), "max_duration_hours": spec.get("max_duration_hours"),
        "service_postcodes": spec.get("service_postcodes") or [], **home})
    return vehicle


def drivers_ensure(coop: Cooperative, vehicles: list[Vehicle]) -> list[DriverProfile]:
    """Every member with the driver role drives on the days the fleet works, usually the first (cooled) van."""
    days = sorted({shift["day"] for vehicle in vehicles for shift in vehicle.availability})
    profiles = []
    for membership in Membership.objects.filter(roles__contains=[Role.DRIVER], left_at__isnull=True):
        profile, _created = DriverProfile.objects.get_or_create(coop=coop, membership=membership, defaults={
            "days": days, "usual_vehicle": vehicles[0] if vehicles else None})
        profiles.append(profile)
    return profiles


def plannable_cycle() -> OrderCycle | None:
    """The newest closed cycle whose cut-off built packing data (what a plan is made from)."""
    packed = OrderPacking.objects.values_list("cycle_id", flat=True)
    return (OrderCycle.objects.filter(status__in=[OrderCycle.Status.CLOSED, OrderCycle.Status.PACKED],
                                      pk__in=packed).order_by("-delivery_date").first())


def plan_ensure(coop: Cooperative) -> PlanningRun | None:
    cycle = plannable_cycle()
    if cycle is None:
        return None
    earlier = PlanningRun.objects.filter(cycle=cycle).order_by("-pk").first()
    if earlier is not None:  # seeded before (or planned by hand since): leave it
        return earlier
    fixer = Membership.objects.filter(roles__contains=[Role.FIXER]).select_related("user").first()
    run = planning_run_create(cycle=cycle, user=fixer.user if fixer else None, time_budget=SEED_BUDGET_SECONDS)
    run = planning_run_execute(run_id=run.pk, solution_limit=SEED_SOLUTION_LIMIT)
    if run.status == PlanningRun.Status.READY:
        run = planning_run_publish(run_id=run.pk, user=fixer.user if fixer else None, notify=False)
    return run


@scopes_disabled()
def seed(region: dict) -> None:
    for spec in region["coops"]:
        coop = Cooperative.objects.get(slug=spec["slug"])
        with scope(coop=coop):
            hub = Hub.objects.first()
            vehicles = [vehicle_ensure(coop, vehicle, hub) for vehicle in spec.get("vehicles", [])]
            drivers_ensure(coop, vehicles)
            if hub is not None and vehicles:
                plan_ensure(coop)
