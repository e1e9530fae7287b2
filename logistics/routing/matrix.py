"""Travel distances and times between locations.

A provider turns a list of locations into a `TravelMatrix` of floats plus the integer scales the solver uses
(OR-Tools works on integers). Benchmarks use planar Euclidean distances; real instances use great-circle
distance times a road factor with a speed model, or an OSRM server when `OSRM_URL` is set.
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from .model import Location

logger = logging.getLogger(__name__)

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class TravelMatrix:
    distances: list[list[float]]  # km for geographic locations, plain units for planar ones
    durations: list[list[float]]  # seconds for geographic locations, plain units for planar ones
    distance_scale: int  # solver integers per distance unit
    time_scale: int  # solver integers per time unit


class MatrixProvider(Protocol):
    def matrix(self, locations: Sequence[Location]) -> TravelMatrix: ...


class EuclideanMatrix:
    """Planar distances, travel time equal to distance (the Solomon / Li & Lim convention).

    Scale 1000 keeps three decimals, more than the two the benchmark tables are rounded to.
    """

    def __init__(self, distance_scale: int = 1000, time_scale: int = 1000):
        self.distance_scale = distance_scale
        self.time_scale = time_scale

    def matrix(self, locations: Sequence[Location]) -> TravelMatrix:
        points = [(location.x, location.y) for location in locations]
        distances = [[math.hypot(ax - bx, ay - by) for bx, by in points] for ax, ay in points]
        return TravelMatrix(distances, distances, self.distance_scale, self.time_scale)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class SpeedModel:
    """Average speed grows with trip length: short hops stay in villages, long ones use regional roads.

    speed(d) = slow + (fast - slow) * (1 - exp(-d / ramp_km)); plus a fixed overhead per trip for parking
    and manoeuvring.
    """

    slow_kmh: float = 22.0
    fast_kmh: float = 65.0
    ramp_km: float = 8.0
    overhead_seconds: float = 30.0

    def seconds(self, road_km: float) -> float:
        if road_km <= 0:
            return 0.0
        speed = self.slow_kmh + (self.fast_kmh - self.slow_kmh) * (1 - math.exp(-road_km / self.ramp_km))
        return road_km / speed * 3600 + self.overhead_seconds


class GreatCircleMatrix:
    """Great-circle distance times a road factor, with travel times from a speed model.

    Pair results are cached, as are whole matrices.
    """

    def __init__(self, road_factor: float = 1.3, speed: SpeedModel | None = None, cache_size: int = 32):
        self.road_factor = road_factor
        self.speed = speed or SpeedModel()
        # (from, to) coordinates -> (km, seconds); the same hub and farms recur every week.
        self._pairs: dict[tuple[tuple[float, float], tuple[float, float]], tuple[float, float]] = {}
        self._matrices: OrderedDict[tuple, TravelMatrix] = OrderedDict()
        self._cache_size = cache_size

    def matrix(self, locations: Sequence[Location]) -> TravelMatrix:
        key = tuple((location.lat, location.lon) for location in locations)
        if key in self._matrices:
            self._matrices.move_to_end(key)
            return self._matrices[key]
        n = len(key)
        distances = [[0.0] * n for _ in range(n)]
        durations = [[0.0] * n for _ in range(n)]
        radians = [(math.radians(lat), math.radians(lon)) for lat, lon in key]
        cosines = [math.cos(phi) for phi, _ in radians]
        factor = 2 * EARTH_RADIUS_KM * self.road_factor
        seconds = self.speed.seconds
        for i in range(n):
            phi1, lmb1 = radians[i]
            row_d, row_t = distances[i], durations[i]
            for j in range(i + 1, n):
                cached = self._pairs.get((key[i], key[j]))
                if cached is None:
                    phi2, lmb2 = radians[j]
                    h = math.sin((phi2 - phi1) / 2) ** 2 + cosines[i] * cosines[j] * math.sin((lmb2 - lmb1) / 2) ** 2
                    km = factor * math.asin(min(1.0, math.sqrt(h)))
                    cached = (km, seconds(km))
                    self._pairs[(key[i], key[j])] = cached
                # Great-circle distances are symmetric: fill both triangles from one computation.
                row_d[j] = distances[j][i] = cached[0]
                row_t[j] = durations[j][i] = cached[1]
        result = TravelMatrix(distances, durations, distance_scale=1000, time_scale=1)
        self._matrices[key] = result
        if len(self._matrices) > self._cache_size:
            self._matrices.popitem(last=False)
        return result


class OsrmMatrix:
    """Road distances and times from an OSRM server's table service (plain urllib, no extra dependency).

    OSRM limits table size (100 by default), so large matrices are fetched in blocks.
    """

    def __init__(self, base_url: str, profile: str = "driving", block: int = 100, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self.profile = profile
        self.block = block
        self.timeout = timeout
        self._matrices: dict[tuple, TravelMatrix] = {}

    def matrix(self, locations: Sequence[Location]) -> TravelMatrix:
        key = tuple((location.lat, location.lon) for location in locations)
        if key in self._matrices:
            return self._matrices[key]
        n = len(key)
        distances = [[0.0] * n for _ in range(n)]
        durations = [[0.0] * n for _ in range(n)]
        half = max(1, self.block // 2)
        for row0 in range(0, n, half):
            rows = list(range(row0, min(n, row0 + half)))
            for col0 in range(0, n, half):
                cols = list(range(col0, min(n, col0 + half)))
                block_d, block_t = self._fetch([key[i] for i in rows], [key[j] for j in cols])
                for a, i in enumerate(rows):
                    for b, j in enumerate(cols):
                        distances[i][j] = block_d[a][b] / 1000.0
                        durations[i][j] = block_t[a][b]
        result = TravelMatrix(distances, durations, distance_scale=1000, time_scale=1)
        self._matrices[key] = result
        return result

    def _fetch(self, sources, destinations) -> tuple[list[list[float]], list[list[float]]]:
        points = list(sources) + list(destinations)
        coordinates = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in points)
        source_ids = ";".join(str(i) for i in range(len(sources)))
        destination_ids = ";".join(str(len(sources) + j) for j in range(len(destinations)))
        url = (
            f"{self.base_url}/table/v1/{self.profile}/{coordinates}"
            f"?sources={source_ids}&destinations={destination_ids}&annotations=duration,distance"
        )
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"OSRM_URL must be http(s): {self.base_url!r}")
        import urllib.request  # only here: it is slow to import and most installations never use OSRM

        with urllib.request.urlopen(url, timeout=self.timeout) as response:  # noqa: S310 (scheme checked above)
            payload = json.load(response)
        if payload.get("code") != "Ok":
            raise RuntimeError(f"OSRM table request failed: {payload.get('code')} {payload.get('message', '')}")
        # OSRM answers null for unreachable pairs; treat them as very far rather than free.
        far = 1e7
        distances = [[far if value is None else value for value in row] for row in payload["distances"]]
        durations = [[far if value is None else value for value in row] for row in payload["durations"]]
        return distances, durations


_default_geographic: GreatCircleMatrix | None = None


def default_matrix_provider(locations: Sequence[Location]) -> MatrixProvider:
    """Euclidean for planar instances; OSRM when OSRM_URL is set; otherwise the cached great-circle model."""
    global _default_geographic
    if locations and locations[0].is_planar:
        return EuclideanMatrix()
    osrm_url = os.environ.get("OSRM_URL")
    if osrm_url:
        return OsrmMatrix(osrm_url)
    if _default_geographic is None:
        _default_geographic = GreatCircleMatrix()
    return _default_geographic
