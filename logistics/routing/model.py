"""Plain data describing a routing problem and its solution.

Units: a location has either WGS84 lat/lon (real roads: distances in km, times in seconds) or planar x/y
(benchmarks: distance and time in the same abstract unit, speed 1). Times of day are absolute numbers in the
time unit, e.g. seconds since Monday 00:00 or since midnight; the engine does not care which.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CRATES = "crates"  # the demand dimension that per-crate service time is based on


@dataclass(frozen=True)
class Location:
    id: str
    lat: float | None = None
    lon: float | None = None
    x: float | None = None
    y: float | None = None

    @property
    def is_planar(self) -> bool:
        return self.x is not None and self.y is not None

    @property
    def is_geographic(self) -> bool:
        return self.lat is not None and self.lon is not None


@dataclass(frozen=True)
class TimeWindow:
    start: float
    end: float


@dataclass(frozen=True)
class Stop:
    """One visit: a place, how long it takes, when it may start, and what it loads.

    `windows` constrain the start of service (arriving early means waiting). An empty tuple means "any time
    within the vehicle's shift". `penalty=None` makes the stop mandatory; a number makes it optional, at that
    cost (in objective units) when left out.
    """

    id: str
    location: str
    service_fixed: float = 0.0
    service_per_crate: float = 0.0
    windows: tuple[TimeWindow, ...] = ()
    demand: dict[str, float] = field(default_factory=dict)
    skills: frozenset[str] = frozenset()
    penalty: float | None = None

    def service_time(self, demand: dict[str, float] | None = None) -> float:
        crates = (self.demand if demand is None else demand).get(CRATES, 0.0)
        return self.service_fixed + self.service_per_crate * crates


@dataclass(frozen=True)
class Shipment:
    """Goods picked up at one stop and delivered at another, by the same vehicle, pickup first.

    The load is carried by the shipment (`demand`); its pickup and delivery stops carry no demand of their own.
    Skills required by either stop apply to both. `penalty=None` makes the shipment mandatory.
    """

    id: str
    pickup: Stop
    delivery: Stop
    demand: dict[str, float] = field(default_factory=dict)
    penalty: float | None = None


@dataclass(frozen=True)
class Vehicle:
    """A vehicle with its driver's shift.

    `capacity` limits each named demand dimension; a dimension the vehicle does not list is unlimited for it.
    `max_duration` bounds end minus start of the route (the shift window bounds both ends). Costs are used by
    the `cost` objective, which charges `cost_per_hour` for driving and service time.
    `speed_factor` multiplies travel times (e.g. 1.5 for a cargo bike).
    """

    id: str
    start: str
    end: str | None = None  # None: back to the start location
    shift: TimeWindow | None = None
    max_duration: float | None = None
    capacity: dict[str, float] = field(default_factory=dict)
    skills: frozenset[str] = frozenset()
    fixed_cost: float = 0.0
    cost_per_km: float = 0.0
    cost_per_hour: float = 0.0
    speed_factor: float = 1.0

    @property
    def end_location(self) -> str:
        return self.end if self.end is not None else self.start


@dataclass(frozen=True)
class LockedSequence:
    """Stops the fixer pinned to a vehicle, in this order.

    Other stops may be inserted between them unless `contiguous` is set, in which case the locked stops are
    visited back to back. Stop ids may be standalone stops or the pickup/delivery stops of shipments.
    """

    vehicle: str
    stops: tuple[str, ...]
    contiguous: bool = False


@dataclass
class Instance:
    name: str
    locations: list[Location]
    vehicles: list[Vehicle]
    stops: list[Stop] = field(default_factory=list)
    shipments: list[Shipment] = field(default_factory=list)
    locked: list[LockedSequence] = field(default_factory=list)

    def all_stops(self) -> list[Stop]:
        """Standalone stops, then pickup and delivery of each shipment."""
        result = list(self.stops)
        for shipment in self.shipments:
            result += [shipment.pickup, shipment.delivery]
        return result


@dataclass
class Visit:
    stop_id: str
    arrival: float
    start: float  # start of service (after any waiting)
    departure: float
    load: dict[str, float]  # on board after this visit


@dataclass
class Route:
    vehicle_id: str
    visits: list[Visit]
    start_time: float
    end_time: float
    distance: float
    cost: float = 0.0

    @property
    def stop_ids(self) -> list[str]:
        return [visit.stop_id for visit in self.visits]

    @property
    def duration(self) -> float:
        return self.end_time - self.start_time


@dataclass
class Unassigned:
    stop_id: str  # a standalone stop id, or a shipment id
    reason: str
    is_shipment: bool = False


@dataclass
class Solution:
    """Outcome of a solve. `status` is "feasible", "partial" (mandatory work left out) or "no_solution"."""

    instance: str
    objective: str
    status: str
    routes: list[Route]
    unassigned: list[Unassigned]
    distance: float
    cost: float
    seconds: float
    search_cost: int = 0  # the solver's integer objective value, comparable between runs of one setup
    worker: str = ""

    @property
    def vehicles_used(self) -> int:
        return sum(1 for route in self.routes if route.visits)
