"""Periodic work of the week. One beat entry scans every minute; schedules live in the data."""

from celery import shared_task

from coop.models import Cooperative
from coop.tenancy.tasks import CoopTask, enqueue_on_commit
from orders.models import CycleSchedule
from orders.services.cycles import cycle_generate, cycle_open_due


@shared_task(name="orders.tick_all")
def tick_all() -> int:
    """Queue one tick per active cooperative (the Cooperative table itself is not tenant-owned)."""
    coop_ids = list(Cooperative.objects.filter(is_active=True).values_list("pk", flat=True))
    for coop_id in coop_ids:
        cycle_tick.delay(coop_id)
    return len(coop_ids)


@shared_task(base=CoopTask, name="orders.cycle_tick")
def cycle_tick(coop_id: int) -> dict:
    """Generate cycles ahead from the schedules and open the cycles whose time has come. Idempotent."""
    generated = sum(len(cycle_generate(schedule=s)) for s in CycleSchedule.objects.filter(is_active=True))
    opened = cycle_open_due()
    standing = standing_orders_queue(coop_id, opened)
    return {"generated": generated, "opened": opened, "standing": standing}


# --- standing orders ----------------------------------------------------------------------------------------

def standing_orders_queue(coop_id: int, opened: list[int]) -> list[int]:
    """Queue a placement for every cycle that just opened, and for every cycle that still has a due standing
    order without a finished run (a lost queue message or a failed worker is caught up by the next tick)."""
    from orders.selectors_b2b import cycles_with_pending_standing_orders

    cycle_ids = list(dict.fromkeys([*opened, *cycles_with_pending_standing_orders()]))
    for cycle_id in cycle_ids:
        enqueue_on_commit(standing_orders_place, coop_id, cycle_id)
    return cycle_ids


@shared_task(base=CoopTask, bind=True, name="orders.standing_orders_place", acks_late=True,
             reject_on_worker_lost=True, max_retries=8)
def standing_orders_place(self, coop_id: int, cycle_id: int) -> dict:
    """Place the cycle's due standing orders, each exactly once (see orders/services/standing.py)."""
    from orders.models import OrderCycle
    from orders.services.standing import StandingPlacementError, standing_orders_place_for_cycle

    cycle = OrderCycle.objects.filter(pk=cycle_id).first()
    if cycle is None:
        return {}
    try:
        return standing_orders_place_for_cycle(cycle=cycle)
    except StandingPlacementError as exc:
        raise self.retry(exc=exc, countdown=min(600, 15 * 2 ** self.request.retries)) from exc
