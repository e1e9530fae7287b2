"""Bad input fails before solving, with every problem named."""

import pytest
from routing_helpers import points

from logistics.routing.model import Instance, Location, LockedSequence, Shipment, Stop, TimeWindow, Vehicle
from logistics.routing.solver import SolveOptions, solve
from logistics.routing.validation import InstanceError, validate_instance


def base(**changes) -> Instance:
    fields = {
        "name": "bad",
        "locations": points(depot=(0, 0), a=(1, 0)),
        "vehicles": [Vehicle("v", start="depot", capacity={"kg": 10})],
        "stops": [Stop("a", "a", demand={"kg": 1})],
    }
    return Instance(**{**fields, **changes})


def problems(instance) -> list[str]:
    with pytest.raises(InstanceError) as error:
        validate_instance(instance)
    return error.value.problems


def test_a_valid_instance_passes():
    validate_instance(base())


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"stops": [Stop("a", "nowhere")]}, "unknown location 'nowhere'"),
        ({"vehicles": [Vehicle("v", start="garage")]}, "unknown start location 'garage'"),
        ({"vehicles": [Vehicle("v", start="depot", end="garage")]}, "unknown end location 'garage'"),
        ({"stops": [Stop("a", "a", demand={"kg": -5})]}, "negative kg"),
        ({"stops": [Stop("a", "a", windows=(TimeWindow(50, 40),))]}, "ends (40) before it starts (50)"),
        ({"vehicles": [Vehicle("v", start="depot", shift=TimeWindow(9, 8))]}, "shift"),
        ({"vehicles": [Vehicle("v", start="depot", capacity={"kg": -1})]}, "negative kg"),
        ({"vehicles": []}, "no vehicles"),
        ({"stops": [Stop("a", "a"), Stop("a", "a")]}, "duplicate stop id 'a'"),
        ({"stops": [Stop("a", "a", penalty=-1)]}, "penalty"),
        ({"stops": [Stop("a", "a", service_fixed=-2)]}, "service time"),
        ({"stops": [Stop("a", "a", windows=(TimeWindow(0, 10), TimeWindow(5, 20)))]}, "overlap"),
        ({"locations": [Location("depot", x=0, y=0), Location("a", lat=50.9, lon=4.7)]}, "mix planar"),
        ({"locations": [Location("depot"), Location("a", x=1, y=0)]}, "needs lat/lon or x/y"),
        ({"locked": [LockedSequence("v", ("zz",))]}, "unknown stop 'zz'"),
        ({"locked": [LockedSequence("nobody", ("a",))]}, "unknown vehicle"),
        ({"vehicles": [Vehicle("v", start="depot", speed_factor=0)]}, "speed_factor"),
    ],
)
def test_input_errors_are_named(changes, expected):
    assert any(expected in problem for problem in problems(base(**changes)))


def test_shipment_load_belongs_on_the_shipment():
    instance = base(
        locations=points(depot=(0, 0), p=(1, 0), d=(2, 0)),
        stops=[],
        shipments=[Shipment("s", Stop("p", "p", demand={"kg": 1}), Stop("d", "d"), {"kg": 1})],
    )
    assert any("not on its stop" in problem for problem in problems(instance))


def test_locked_stop_needs_the_vehicle_skills():
    instance = base(stops=[Stop("a", "a", skills=frozenset({"cooled"}))], locked=[LockedSequence("v", ("a",))])
    assert any("lacks skills" in problem for problem in problems(instance))


def test_all_problems_are_reported_at_once_and_solve_refuses():
    instance = base(stops=[Stop("a", "nowhere", demand={"kg": -1}, windows=(TimeWindow(5, 1),))])
    found = problems(instance)
    assert len(found) == 3
    with pytest.raises(InstanceError, match="unknown location"):
        solve(instance, SolveOptions(time_limit=1))


def test_unknown_objective_is_refused():
    with pytest.raises(ValueError, match="unknown objective"):
        solve(base(), SolveOptions(objective="speed", time_limit=1))
