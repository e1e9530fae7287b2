"""Reads for the fixer's view of a stop's proof of delivery: what the driver recorded there, in time order.

A fixed number of queries per stop, whatever the number of events: the customers' names come from the stop's
load (written when the plan was made), the deposit items' names from one query.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..models import Stop, StopEvent
from ..route_day import deposit_items


@dataclass
class CrateReturn:
    label: str
    quantity: int
    party: str  # whose crates: the customer (and their orders here) or the farm


@dataclass
class EventView:
    event: StopEvent
    crates: list[CrateReturn] = field(default_factory=list)

    @property
    def recorded_by(self) -> str:
        user = self.event.recorded_by
        return (user.get_full_name() or user.email) if user else ""


@dataclass
class StopProof:
    stop: Stop
    events: list[EventView]

    @property
    def received_by(self) -> str:
        """The name of the last event that gives one (a proof sent again with a corrected name wins)."""
        return next((view.event.receiver_name for view in reversed(self.events) if view.event.receiver_name), "")

    @property
    def crates_total(self) -> list[tuple[str, int]]:
        totals: Counter[str] = Counter()
        for view in self.events:
            for row in view.crates:
                totals[row.label] += row.quantity
        return sorted(totals.items())

    @property
    def driver_name(self) -> str:
        route = self.stop.route
        if route is None or route.driver is None:
            return ""
        return route.driver.user.get_full_name() or route.driver.user.email


def _parties(stop: Stop) -> dict[tuple[str, int], str]:
    """("customer", membership id) / ("producer", producer id) -> a name to show, from what the plan stored."""
    names: dict[tuple[str, int], str] = {}
    numbers: dict[int, list[str]] = {}
    for order in (stop.load or {}).get("orders", []):
        customer = order.get("customer_id")
        if customer is None:
            continue
        names[("customer", customer)] = order.get("customer", "")
        numbers.setdefault(customer, []).append(str(order.get("number", "")))
    for customer, found in numbers.items():
        names[("customer", customer)] = f"{names[('customer', customer)]} ({', '.join(found)})"
    if stop.producer_id is not None:
        names[("producer", stop.producer_id)] = stop.producer.farm_name if stop.producer else stop.name
    return names


def stop_proof(stop_id: int) -> StopProof:
    """The stop (any stop of the coop's runs; raises Stop.DoesNotExist) with its events, oldest first."""
    stop = (Stop.objects.select_related("route__vehicle", "route__driver__user", "run__cycle", "producer")
            .get(pk=stop_id))
    events = list(StopEvent.objects.filter(stop=stop).select_related("recorded_by").order_by("recorded_at", "pk"))
    labels = {item.code: item.name for item in deposit_items()} if any(e.crates_returned for e in events) else {}
    parties = _parties(stop)
    views = []
    for event in events:
        crates = []
        for row in event.crates_returned or []:
            party = (("customer", row["customer"]) if row.get("customer") is not None
                     else ("producer", row.get("producer")))
            crates.append(CrateReturn(labels.get(row.get("item"), row.get("item", "")), int(row.get("quantity", 0)),
                                      parties.get(party, "")))
        views.append(EventView(event, crates))
    return StopProof(stop, views)
