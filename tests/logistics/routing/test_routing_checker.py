"""The independent checker must reject every kind of broken plan, so it can never silently pass."""

import pytest
from routing_helpers import points

from logistics.routing.checker import PlannedRoute, check_plan
from logistics.routing.model import Instance, LockedSequence, Shipment, Stop, TimeWindow, Vehicle


@pytest.fixture
def instance() -> Instance:
    """Depot at 0; stops a, b on the x axis; a shipment p -> d. Hand-checked feasible plan: see `good`."""
    return Instance(
        "check",
        points(depot=(0, 0), a=(10, 0), b=(20, 0), p=(0, 10), d=(0, 20)),
        [
            Vehicle("v1", start="depot", shift=TimeWindow(0, 100), capacity={"crates": 3}),
            Vehicle("v2", start="depot", shift=TimeWindow(0, 100), capacity={"crates": 3}),
        ],
        stops=[
            Stop("a", "a", windows=(TimeWindow(0, 15),), demand={"crates": 2}),
            Stop("b", "b", service_fixed=5, windows=(TimeWindow(20, 40),), demand={"crates": 1}),
        ],
        shipments=[Shipment("s", Stop("p", "p"), Stop("d", "d"), {"crates": 3})],
    )


def good() -> list[PlannedRoute]:
    # v1: 0 -> a (10) -> b (20, service to 25) -> depot (45); v2: 0 -> p (10) -> d (20) -> depot (40).
    return [PlannedRoute("v1", ["a", "b"]), PlannedRoute("v2", ["p", "d"])]


def violations(instance, routes, **kwargs) -> list[str]:
    return check_plan(instance, routes, **kwargs).violations


def test_a_correct_plan_passes_with_its_float_distance(instance):
    report = check_plan(instance, good())
    assert report.feasible, report.violations
    assert report.distance == pytest.approx(40 + 40)
    assert report.vehicles == 2


def test_capacity_overflow(instance):
    instance.stops[1] = Stop("b", "b", service_fixed=5, windows=(TimeWindow(20, 40),), demand={"crates": 2})
    assert any("exceeds capacity" in v for v in violations(instance, good()))


def test_time_window_missed(instance):
    # Visiting b first means arriving at a at 20 + 5 + 10 = 35, after a closes at 15.
    routes = [PlannedRoute("v1", ["b", "a"]), PlannedRoute("v2", ["p", "d"])]
    assert any("after its time window" in v and "'a'" in v for v in violations(instance, routes))


def test_window_missed_by_a_fraction_is_caught_in_float():
    # The leg is sqrt(200) = 14.1421...; a due time of 14.14 is missed by 0.002, which rounding could hide.
    instance = Instance(
        "fraction",
        points(depot=(0, 0), a=(10, 10)),
        [Vehicle("v", start="depot")],
        stops=[Stop("a", "a", windows=(TimeWindow(0, 14.14),))],
    )
    assert violations(instance, [PlannedRoute("v", ["a"])])


def test_shift_end_overrun(instance):
    late = Vehicle("v1", start="depot", shift=TimeWindow(0, 44), capacity={"crates": 3})
    instance.vehicles[0] = late
    assert any("after the shift end" in v for v in violations(instance, good()))


def test_max_duration_overrun(instance):
    instance.vehicles[0] = Vehicle("v1", start="depot", shift=TimeWindow(0, 100), capacity={"crates": 3},
                                   max_duration=44)  # fmt: skip
    assert any("max_duration" in v for v in violations(instance, good()))


def test_delivery_before_pickup(instance):
    routes = [PlannedRoute("v1", ["a", "b"]), PlannedRoute("v2", ["d", "p"])]
    found = violations(instance, routes)
    assert any("delivery before pickup" in v for v in found)
    assert any("below zero" in v for v in found)


def test_pickup_and_delivery_on_different_vehicles(instance):
    routes = [PlannedRoute("v1", ["a", "b", "d"]), PlannedRoute("v2", ["p"])]
    assert any("different vehicles" in v for v in violations(instance, routes))


def test_missing_stop_and_half_shipment(instance):
    routes = [PlannedRoute("v1", ["a"]), PlannedRoute("v2", ["p"])]
    found = violations(instance, routes)
    assert any("stop 'b' is not planned" in v for v in found)
    assert any("only one of pickup and delivery" in v for v in found)


def test_missing_shipment_and_mandatory_stop_cannot_be_excused(instance):
    found = violations(instance, [PlannedRoute("v1", ["a"])], allowed_missing=["b", "s"])
    assert any("'b' is not planned" in v for v in found)
    assert any("shipment 's' is not planned" in v for v in found)


def test_optional_stop_may_be_left_out_when_reported(instance):
    instance.stops[1] = Stop("b", "b", demand={"crates": 1}, penalty=10)
    routes = [PlannedRoute("v1", ["a"]), PlannedRoute("v2", ["p", "d"])]
    assert violations(instance, routes, allowed_missing=["b"]) == []
    assert violations(instance, routes) != []


def test_duplicate_unknown_and_double_vehicle(instance):
    routes = [PlannedRoute("v1", ["a", "b", "a"]), PlannedRoute("v2", ["p", "d", "zz"]), PlannedRoute("v2", []),
              PlannedRoute("v9", ["x"])]  # fmt: skip
    found = violations(instance, routes)
    assert any("more than once" in v for v in found)
    assert any("unknown stop 'zz'" in v for v in found)
    assert any("unknown vehicle 'v9'" in v for v in found)


def test_missing_skill(instance):
    instance.stops[0] = Stop("a", "a", windows=(TimeWindow(0, 15),), demand={"crates": 2},
                             skills=frozenset({"cooled"}))  # fmt: skip
    assert any("lacks skills" in v for v in violations(instance, good()))


def test_broken_lock(instance):
    instance.locked = [LockedSequence("v1", ("b", "a"))]
    assert any("out of order" in v for v in violations(instance, good()))
    instance.locked = [LockedSequence("v2", ("a",))]
    assert any("not all on that vehicle" in v for v in violations(instance, good()))
