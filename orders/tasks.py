"""Periodic work of the week. One beat entry scans every minute; schedules live in the data."""

from celery import shared_task

from coop.models import Cooperative
from coop.tenancy.tasks import CoopTask
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
    return {"generated": generated, "opened": opened}
