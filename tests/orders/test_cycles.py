"""Cycles from a schedule, correct across daylight-saving changes; state moves by conditional update."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope

from orders.models import CycleSchedule, OrderCycle
from orders.services.cycles import cycle_generate, cycle_open_due, cycle_transition

BRUSSELS = ZoneInfo("Europe/Brussels")


@pytest.fixture
def schedule(world_a):
    with scope(coop=world_a.coop):
        yield CycleSchedule.objects.create(coop=world_a.coop, name="Vrijdag", opens_weekday="mon",
                                           opens_time=time(8, 0), cutoff_weekday="wed", cutoff_time=time(20, 0),
                                           delivery_weekday="fri", weeks_ahead=3)


def test_schedule_generation_across_the_spring_dst_change(schedule):
    # Summer time starts on Sunday 29 March 2026: Wednesday 20:00 is 19:00 UTC before, 18:00 UTC after.
    created = cycle_generate(schedule=schedule, now=datetime(2026, 3, 16, 12, 0, tzinfo=BRUSSELS))
    assert [c.delivery_date for c in created] == [date(2026, 3, 20), date(2026, 3, 27), date(2026, 4, 3)]
    by_day = {c.delivery_date: c for c in OrderCycle.objects.filter(schedule=schedule)}
    before, after = by_day[date(2026, 3, 27)], by_day[date(2026, 4, 3)]
    assert before.cutoff_at.astimezone(BRUSSELS).time() == after.cutoff_at.astimezone(BRUSSELS).time() == time(20)
    assert before.cutoff_at.utcoffset() is not None
    assert before.cutoff_at == datetime(2026, 3, 25, 19, 0, tzinfo=ZoneInfo("UTC"))
    assert after.cutoff_at == datetime(2026, 4, 1, 18, 0, tzinfo=ZoneInfo("UTC"))
    assert after.opens_at == datetime(2026, 3, 30, 6, 0, tzinfo=ZoneInfo("UTC"))  # Monday 08:00 CEST


def test_generation_is_idempotent(schedule):
    monday = datetime(2026, 10, 19, 9, 0, tzinfo=BRUSSELS)
    first = cycle_generate(schedule=schedule, now=monday)
    again = cycle_generate(schedule=schedule, now=monday)
    assert len(first) == 3 and again == []
    # the autumn change (25 Oct 2026): cut-off 28 Oct 20:00 CET = 19:00 UTC
    cycle = OrderCycle.objects.get(schedule=schedule, delivery_date=date(2026, 10, 30))
    assert cycle.cutoff_at == datetime(2026, 10, 28, 19, 0, tzinfo=ZoneInfo("UTC"))


def test_transitions_are_conditional(world_a):
    cycle = world_a.extra["cycle"]  # open
    with scope(coop=world_a.coop):
        assert cycle_transition(cycle_id=cycle.pk, to=OrderCycle.Status.CLOSING)
        # a second worker expecting 'open' loses
        assert not cycle_transition(cycle_id=cycle.pk, to=OrderCycle.Status.CLOSING, expected=OrderCycle.Status.OPEN)
        with pytest.raises(ValidationError):
            cycle_transition(cycle_id=cycle.pk, to=OrderCycle.Status.OPEN)


def test_due_draft_cycles_open(world_a):
    cycle = world_a.extra["cycle"]
    with scope(coop=world_a.coop):
        OrderCycle.objects.filter(pk=cycle.pk).update(status=OrderCycle.Status.DRAFT)
        assert cycle_open_due() == [cycle.pk]
        assert cycle_open_due() == []
        assert OrderCycle.objects.get(pk=cycle.pk).status == OrderCycle.Status.OPEN


def test_the_tick_task_generates_and_opens_for_each_coop(world_a, world_b):
    from orders.tasks import cycle_tick

    with scope(coop=world_b.coop):
        b_cycles = set(OrderCycle.objects.values_list("pk", flat=True))
    with scope(coop=world_a.coop):
        CycleSchedule.objects.create(coop=world_a.coop, name="Vrijdag", opens_weekday="mon", opens_time=time(8, 0),
                                     cutoff_weekday="wed", cutoff_time=time(20, 0), delivery_weekday="fri",
                                     weeks_ahead=2)
    result = cycle_tick.apply(args=(world_a.coop.pk,)).get()
    assert result["generated"] >= 1
    again = cycle_tick.apply(args=(world_a.coop.pk,)).get()
    assert again["generated"] == 0
    with scope(coop=world_b.coop):
        assert set(OrderCycle.objects.values_list("pk", flat=True)) == b_cycles  # coop B untouched
