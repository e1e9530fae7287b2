"""What a driver records at a stop: arrived, done, a problem, proof of delivery, crates returned.

Phones queue events while offline and send them again until they get an answer, so every event carries a
`client_id` made on the phone. The stop row is locked first, then the client id is looked up: a repeat finds
the first event and changes nothing (a database constraint backs this). Crates returned are booked into the
crate ledger in the same transaction as the event, so they are booked exactly once.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.models import PlanningRun, Stop, StopEvent
from members.models import Membership

from .hub import deposit_record_return

STATUS_AFTER = {StopEvent.Kind.ARRIVED: Stop.Status.ARRIVED, StopEvent.Kind.DONE: Stop.Status.DONE,
                StopEvent.Kind.PROBLEM: Stop.Status.PROBLEM}
# What a driver records is never refused for the plan's state: a late proof for the last stop may arrive after
# the run became done, and a re-plan (running) must not make a phone drop its queue.
LIVE = (PlanningRun.Status.PUBLISHED, PlanningRun.Status.READY, PlanningRun.Status.RUNNING,
        PlanningRun.Status.DONE)


def stop_visible_to(stop: Stop, membership) -> bool:
    """Managers see every stop; a driver only the stops on their own routes of a published plan."""
    if membership is None:
        return False
    if membership.is_manager:
        return True
    return (stop.route is not None and stop.route.driver_id == membership.pk
            and stop.run.published_at is not None and stop.run.status != PlanningRun.Status.FAILED)


def _crate_rows(stop: Stop, rows) -> list[tuple[str, int, Membership | None, object]]:
    """[(item code, quantity, customer, producer)] with the party each return is booked against."""
    result = []
    orders = {entry["id"]: entry for entry in (stop.load or {}).get("orders", [])}
    customers = {entry["customer_id"] for entry in orders.values()}
    for row in rows or []:
        try:
            code, quantity = str(row["item"]), int(row["quantity"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationError(_("Each crate return needs an item and a whole quantity.")) from exc
        if quantity <= 0:
            raise ValidationError(_("The number returned must be more than zero."))
        if stop.kind == Stop.Kind.COLLECT:
            if stop.producer_id is None:
                raise ValidationError(_("This farm is unknown; record the crates at the hub."))
            result.append((code, quantity, None, stop.producer))
            continue
        if stop.kind != Stop.Kind.DELIVER:
            raise ValidationError(_("Crates are returned at a farm or a delivery address."))
        order_id = row.get("order")
        if order_id is not None:
            entry = orders.get(int(order_id))
            if entry is None:
                raise ValidationError(_("That order is not delivered at this stop."))
            customer_id = entry["customer_id"]
        elif len(customers) == 1:
            customer_id = next(iter(customers))
        else:
            raise ValidationError(_("Several customers get goods here: say which order the crates belong to."))
        result.append((code, quantity, Membership.objects.get(pk=customer_id), None))
    return result


def stop_event_record(*, stop_id: int, client_id: str, kind: str, membership, user=None, recorded_at=None,
                      receiver_name: str = "", problem: str = "", note: str = "", crates_returned=(),
                      signature=None, photo=None) -> tuple[StopEvent, bool]:
    """Record an event once per `client_id`; returns (event, created). A repeat returns the first event."""
    client_id = (client_id or "").strip()
    if not client_id or len(client_id) > 64:
        raise ValidationError(_("Each event needs a client id of at most 64 characters."))
    if kind not in StopEvent.Kind.values:
        raise ValidationError(_("Unknown event %(kind)s.") % {"kind": kind})
    if problem and problem not in StopEvent.Problem.values:
        raise ValidationError(_("Unknown problem %(problem)s.") % {"problem": problem})
    if kind == StopEvent.Kind.PROBLEM and not (problem or note):
        raise ValidationError(_("Say what the problem is."))
    with transaction.atomic():
        stop = Stop.objects.select_for_update(of=("self",)).select_related("route", "run__cycle", "producer").filter(
            pk=stop_id).first()
        if stop is None or not stop_visible_to(stop, membership):
            raise Stop.DoesNotExist
        earlier = StopEvent.objects.filter(client_id=client_id).first()
        if earlier is not None:
            if earlier.stop_id != stop.pk:
                raise ValidationError(_("This client id was used for another stop."))
            return earlier, False
        if stop.run.status not in LIVE or stop.route_id is None:
            raise ValidationError(_("This stop is not on a live plan."))
        returns = _crate_rows(stop, crates_returned)
        try:
            with transaction.atomic():
                event = StopEvent.objects.create(
                    coop=stop.coop, stop=stop, client_id=client_id, kind=kind, problem=problem or "",
                    receiver_name=(receiver_name or "")[:150], note=(note or "")[:500],
                    crates_returned=[{"item": code, "quantity": qty,
                                      **({"customer": c.pk} if c else {"producer": p.pk})}
                                     for code, qty, c, p in returns],
                    recorded_at=recorded_at or timezone.now(), recorded_by=user,
                    **({"signature": signature} if signature else {}), **({"photo": photo} if photo else {}))
        except IntegrityError:  # the same client id raced in for another stop
            return StopEvent.objects.get(client_id=client_id), False
        for code, quantity, customer, producer in returns:
            deposit_record_return(item_code=code, quantity=quantity, customer=customer, producer=producer,
                                  cycle=stop.run.cycle, note=_("returned at stop: %(stop)s") % {"stop": stop.name},
                                  user=user)
        _apply_status(stop, kind)
    return event, True


def _apply_status(stop: Stop, kind: str) -> None:
    status = STATUS_AFTER.get(kind)
    if status is None or (status == Stop.Status.ARRIVED and stop.status != Stop.Status.PLANNED):
        return  # proof adds to a stop; a late "arrived" never undoes "done"
    Stop.objects.filter(pk=stop.pk).update(status=status, status_changed_at=timezone.now())
    if status in (Stop.Status.DONE, Stop.Status.PROBLEM):
        open_left = Stop.objects.filter(run_id=stop.run_id, route__isnull=False,
                                        status__in=[Stop.Status.PLANNED, Stop.Status.ARRIVED]).exists()
        if not open_left:
            PlanningRun.objects.filter(pk=stop.run_id, status=PlanningRun.Status.PUBLISHED).update(
                status=PlanningRun.Status.DONE)
