"""Route optimisation engine: plain Python on top of OR-Tools, no Django.

Entry points: build an `Instance` (model.py), call `solve(instance, SolveOptions(...))`, read the `Solution`.
`check_plan` verifies any plan independently; `generate_regional_instance` makes realistic test data.
"""

from .checker import CheckReport, PlannedRoute, check_plan
from .matrix import EuclideanMatrix, GreatCircleMatrix, MatrixProvider, OsrmMatrix, TravelMatrix
from .model import (
    Instance,
    Location,
    LockedSequence,
    Route,
    Shipment,
    Solution,
    Stop,
    TimeWindow,
    Unassigned,
    Vehicle,
    Visit,
)
from .solver import Progress, SolveOptions, solve
from .validation import InstanceError, validate_instance

__all__ = [
    "CheckReport",
    "EuclideanMatrix",
    "GreatCircleMatrix",
    "Instance",
    "InstanceError",
    "Location",
    "LockedSequence",
    "MatrixProvider",
    "OsrmMatrix",
    "PlannedRoute",
    "Progress",
    "Route",
    "Shipment",
    "Solution",
    "SolveOptions",
    "Stop",
    "TimeWindow",
    "TravelMatrix",
    "Unassigned",
    "Vehicle",
    "Visit",
    "check_plan",
    "solve",
    "validate_instance",
]
