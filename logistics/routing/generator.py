"""Realistic regional instances for a Flemish short-chain cooperative, for scale tests and demos.

Built from the project's reference data (coop/data/regions.json and be_postcodes.csv): the coop's hub, farms,
pickup points and kitchens keep their real coordinates and windows; extra farms and homes are placed around
real Flemish municipalities within the coop's radius. One delivery day, times in seconds since midnight.

Stops: farm collections (chilled goods need a cooled van), kitchen deliveries with morning windows (mostly
cooled), pickup point deliveries, direct farm-to-customer shipments, and home deliveries in two-hour slots.
Stops inside a low-emission zone need a compliant vehicle. The fleet is sized for a big delivery day (box vans
rather than the demo coop's small vans), so that everything fits in one trip per vehicle.
"""

from __future__ import annotations

import csv
import json
import math
import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .matrix import haversine_km
from .model import CRATES, Instance, Location, Shipment, Stop, TimeWindow, Vehicle

DATA_DIR = Path(__file__).resolve().parents[2] / "coop" / "data"
KG, VOLUME = "kg", "volume_l"
COOLED, LEZ = "cooled", "lez"
# Municipalities with a low-emission zone (Gent, Antwerpen districts); the regions' demo coops may reach them.
LEZ_POSTCODES = frozenset({"9000", "9030", "9031", "9032", "9040", "9041", "9042", "9050", "9051", "9052",
                           "2000", "2018", "2020", "2030", "2040", "2050", "2060", "2100", "2140", "2170",
                           "2180", "2600", "2610", "2660"})  # fmt: skip
CHILLED_FARM_TYPES = frozenset({"dairy", "meat"})
# Four-hour home delivery slots and how often households pick them.
HOME_SLOTS = [(9 * 3600, 13 * 3600), (12 * 3600, 16 * 3600), (16 * 3600, 20 * 3600)]
HOME_SLOT_WEIGHTS = [0.4, 0.4, 0.2]


def _clock(text: str) -> float:
    hours, minutes = text.split(":")
    return int(hours) * 3600 + int(minutes) * 60


@dataclass(frozen=True)
class Place:
    postcode: str
    name: str
    lat: float
    lon: float


@cache
def flemish_places() -> tuple[Place, ...]:
    with open(DATA_DIR / "be_postcodes.csv", encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["admin_code1"] == "VLG"]
    return tuple(
        Place(row["postal_code"], row["place_name"], float(row["latitude"]), float(row["longitude"])) for row in rows
    )


@cache
def regions() -> dict:
    with open(DATA_DIR / "regions.json", encoding="utf-8") as handle:
        return json.load(handle)


def _jitter(rng: random.Random, lat: float, lon: float, max_km: float) -> tuple[float, float]:
    # Uniform over a disc: radius ~ sqrt(u).
    radius = max_km * math.sqrt(rng.random())
    angle = rng.uniform(0, 2 * math.pi)
    dlat = radius * math.cos(angle) / 111.32
    dlon = radius * math.sin(angle) / (111.32 * math.cos(math.radians(lat)))
    return round(lat + dlat, 5), round(lon + dlon, 5)


class _Builder:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.locations: list[Location] = []
        self.stops: list[Stop] = []
        self.shipments: list[Shipment] = []

    def place(self, key: str, lat: float, lon: float) -> str:
        self.locations.append(Location(id=key, lat=lat, lon=lon))
        return key

    def load(self, kg: tuple[float, float], crates: tuple[int, int]) -> dict[str, float]:
        n_crates = self.rng.randint(*crates)
        return {KG: round(self.rng.uniform(*kg), 1), CRATES: n_crates, VOLUME: n_crates * 32.0}


def generate_regional_instance(coop: str = "hageland", stops: int = 400, vehicles: int = 8, seed: int = 0) -> Instance:
    """A delivery day with about `stops` stops (shipments count as two) and `vehicles` vehicles."""
    data = next((c for c in regions()["coops"] if c["slug"] == coop), None)
    if data is None:
        raise ValueError(f"unknown coop {coop!r}")
    b = _Builder(seed)
    hub = data["hub"]
    hub_id = b.place("hub", hub["latitude"], hub["longitude"])
    nearby = [
        p
        for p in flemish_places()
        if haversine_km(hub["latitude"], hub["longitude"], p.lat, p.lon) <= data["radius_km"]
    ]
    home_zone = set(data["home_delivery_zone"]["postcodes"])
    home_places = [p for p in nearby if p.postcode in home_zone] or nearby

    n_farms = max(1, round(stops * 0.08))
    n_kitchens = max(1, round(stops * 0.02))
    n_points = max(1, round(stops * 0.04))
    n_pairs = max(1, round(stops * 0.03))
    n_homes = max(0, stops - n_farms - n_kitchens - n_points - 2 * n_pairs)

    farms = list(data["farms"])
    for k in range(n_farms):
        template = farms[k % len(farms)]
        if k < len(farms):
            lat, lon, postcode = template["latitude"], template["longitude"], template["postcode"]
        else:  # more farms like the coop's own, in nearby villages
            where = b.rng.choice(nearby)
            lat, lon = _jitter(b.rng, where.lat, where.lon, 2.5)
            postcode = where.postcode
        chilled = template["farm_type"] in CHILLED_FARM_TYPES
        # Farms hand over goods early, or after the midday break.
        windows = (TimeWindow(_clock("07:00"), _clock("12:00")),)
        if b.rng.random() < 0.3:
            windows += (TimeWindow(_clock("13:00"), _clock("16:00")),)
        b.stops.append(_stop(b, f"farm-{k + 1}", lat, lon, postcode, windows, 480, b.load((15, 100), (2, 6)),
                             chilled, service_per_crate=20))  # fmt: skip

    for k in range(n_kitchens):
        template = data["b2b_kitchens"][k % len(data["b2b_kitchens"])]
        lat, lon = _jitter(b.rng, template["latitude"], template["longitude"], 0.0 if k < 4 else 6.0)
        windows = tuple(TimeWindow(_clock(w["from"]), _clock(w["to"])) for w in template["delivery_windows"])
        b.stops.append(_stop(b, f"kitchen-{k + 1}", lat, lon, template["postcode"], windows,
                             template["service_minutes"] * 60, b.load((30, 90), (3, 7)),
                             template["cooled_delivery_required"]))  # fmt: skip

    for k in range(n_points):
        template = data["pickup_points"][k % len(data["pickup_points"])]
        lat, lon = _jitter(b.rng, template["latitude"], template["longitude"], 0.0 if k < 6 else 8.0)
        windows = tuple(TimeWindow(_clock(w["from"]), _clock(w["to"])) for w in template["delivery_windows"])
        b.stops.append(_stop(b, f"point-{k + 1}", lat, lon, template["postcode"], windows,
                             template["service_minutes"] * 60, b.load((40, 120), (4, 9)), False,
                             service_per_crate=15))  # fmt: skip

    for k in range(n_pairs):
        farm = b.rng.choice(nearby)
        customer = b.rng.choice(home_places)
        farm_at = _jitter(b.rng, farm.lat, farm.lon, 2.0)
        customer_at = _jitter(b.rng, customer.lat, customer.lon, 1.5)
        pickup = _stop(b, f"direct-{k + 1}-pickup", *farm_at, farm.postcode,
                       (TimeWindow(_clock("07:30"), _clock("11:00")),), 420, {}, False)  # fmt: skip
        delivery = _stop(b, f"direct-{k + 1}-delivery", *customer_at, customer.postcode,
                         (TimeWindow(_clock("09:00"), _clock("15:00")),), 300, {}, False)  # fmt: skip
        b.shipments.append(Shipment(f"direct-{k + 1}", pickup, delivery, b.load((10, 40), (1, 3))))

    for k in range(n_homes):
        where = b.rng.choice(home_places if b.rng.random() < 0.7 else nearby)
        lat, lon = _jitter(b.rng, where.lat, where.lon, 1.5)
        slot = b.rng.choices(HOME_SLOTS, HOME_SLOT_WEIGHTS)[0]
        load = b.load((4, 14), (1, 1))
        # Some households order a second crate; a few orders are optional add-ons (crate returns).
        if b.rng.random() < 0.15:
            load[CRATES], load[VOLUME] = 2, 64.0
        stop = _stop(b, f"home-{k + 1}", lat, lon, where.postcode, (TimeWindow(*slot),), 90, load, False,
                     service_per_crate=15)  # fmt: skip
        if b.rng.random() < 0.03:
            stop = Stop(**{**stop.__dict__, "penalty": 15.0})
        b.stops.append(stop)

    fleet = _fleet(data, vehicles, hub_id, b)
    name = f"{coop}-{stops}-{vehicles}-s{seed}"
    return Instance(name, b.locations, fleet, stops=b.stops, shipments=b.shipments)


def _stop(b: _Builder, key, lat, lon, postcode, windows, service, load, chilled, service_per_crate=0.0) -> Stop:
    skills = set()
    if chilled:
        skills.add(COOLED)
    if postcode in LEZ_POSTCODES:
        skills.add(LEZ)
    location = b.place(key, lat, lon)
    return Stop(key, location, float(service), float(service_per_crate), windows, load, frozenset(skills))


def _fleet(data: dict, count: int, hub_id: str, b: _Builder) -> list[Vehicle]:
    """Cooled box vans on the early shift and plain box vans on the late shift, all from the hub."""
    costs = {v["kind"]: v["cost_estimates_eur"] for v in data["vehicles"]}
    fleet = []
    for k in range(count):
        cooled = k % 2 == 0
        early = cooled  # chilled goods (kitchens, dairy farms) are a morning job; plain vans cover the evening
        kind = "van_cooled" if cooled else "van"
        cost = costs.get(kind, {"fixed_per_shift": "30", "per_km": "0.3", "per_hour": "32"})
        # Shift windows as long as the maximum working day: the driver's hours are the window itself.
        shift = (_clock("06:00"), _clock("18:00")) if early else (_clock("08:30"), _clock("20:30"))
        fleet.append(
            Vehicle(
                id=f"{kind}-{k + 1}",
                start=hub_id,
                shift=TimeWindow(*shift),
                max_duration=12 * 3600,
                capacity={KG: 1500.0 if cooled else 1200.0, CRATES: 140 if cooled else 120, VOLUME: 5000.0},
                skills=frozenset({COOLED, LEZ} if cooled else {LEZ} if k % 3 else set()),
                fixed_cost=float(cost["fixed_per_shift"]),
                cost_per_km=float(cost["per_km"]),
                cost_per_hour=float(cost["per_hour"]),
            )
        )
    return fleet
