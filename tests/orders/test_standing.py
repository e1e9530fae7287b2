"""Standing orders: placed exactly once when a cycle opens (also under concurrency, retries and a worker
dying mid-run), pauses skip, missing or short products follow the line's rule and are reported."""

import threading
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone, translation
from django_scopes import scope, scopes_disabled

from orders.models import (
    CycleSchedule,
    Offer,
    Order,
    OrderCycle,
    StandingOrder,
    StandingOrderLine,
    StandingOrderPause,
    StandingOrderRun,
)
from orders.selectors_b2b import cycles_with_pending_standing_orders, runs_needing_attention, standing_order_matches
from orders.services import standing as standing_service
from orders.services.ordering import Destination, order_place
from orders.services.standing import StandingPlacementError, standing_orders_place_for_cycle
from tests import factories


@pytest.fixture(autouse=True)
def _english_messages(settings):
    """These tests check the wording of error and status messages, written in English in the code; the platform's
    default language is Dutch, so they run in English (tests/test_translations.py covers the Dutch and French)."""
    settings.LANGUAGE_CODE = "en"


Run = StandingOrderRun.Status


@pytest.fixture(autouse=True)
def english():
    """The assertions read English (the source language), whatever catalogues are compiled."""
    with translation.override("en"):
        yield


def make_kitchen(coop, *, slug="keuken"):
    """A kitchen account with a chef, a draft cycle due to open, and products (some offered)."""
    # The world's own standing order, schedules and cycles stay out of the way.
    StandingOrder.objects.update(is_active=False)
    CycleSchedule.objects.update(is_active=False)
    OrderCycle.objects.filter(status__in=["draft", "open"]).update(status=OrderCycle.Status.CANCELLED)
    type(coop).objects.filter(pk=coop.pk).update(default_language="en")  # e-mails go out in the coop's language
    coop.default_language = "en"
    account = factories.BusinessAccountFactory(coop=coop, name=f"Schoolkeuken {slug}",
                                               invoice_email=f"boekhouding@{slug}.example")
    chef = factories.MembershipFactory(coop=coop, roles=["business"], business_account=account,
                                       user__email=f"chef@{slug}.example")
    now = timezone.now()
    cycle = OrderCycle.objects.create(coop=coop, name="Week 12", opens_at=now - timedelta(minutes=1),
                                      cutoff_at=now + timedelta(days=2), delivery_date=(now + timedelta(days=4)).date())
    producer = factories.ProducerFactory(coop=coop)
    products = {name: factories.ProductFactory(coop=coop, producer=producer, name_nl=name, price="2.00")
                for name in ("Wortelen", "Aardappelen", "Prei", "Ajuin", "Spinazie", "Boerenkool")}
    offers = {
        "Wortelen": factories.offer_for(cycle, products["Wortelen"], cap=Decimal("4.5")),
        "Aardappelen": factories.offer_for(cycle, products["Aardappelen"]),
        "Ajuin": factories.offer_for(cycle, products["Ajuin"], cap=20),
        "Spinazie": factories.offer_for(cycle, products["Spinazie"], cap=1),
    }
    return {"coop": coop, "account": account, "chef": chef, "cycle": cycle, "products": products, "offers": offers}


def add_standing(k, lines, *, name="Wekelijks", **extra):
    standing = StandingOrder.objects.create(coop=k["coop"], account=k["account"], customer=k["chef"], name=name,
                                            start_date=date(2026, 1, 1), **extra)
    for product, quantity, *rule in lines:
        substitute = rule[1] if len(rule) > 1 else None
        StandingOrderLine.objects.create(coop=k["coop"], standing_order=standing, product=k["products"][product],
                                         quantity=quantity, rule=rule[0] if rule else "take_remaining",
                                         substitute=k["products"][substitute] if substitute else None)
    return standing


@pytest.fixture
def kitchen(world_a):
    with scope(coop=world_a.coop):
        yield make_kitchen(world_a.coop)


def run_tick(coop):
    """The beat tick, with the placements it queues (on commit) run in-process, as a worker would."""
    from django.test import TestCase

    from orders.tasks import cycle_tick, standing_orders_place

    def run_here(args, kwargs):
        return standing_orders_place.apply(args=args, kwargs=kwargs)

    in_process = mock.patch.object(standing_orders_place, "apply_async", side_effect=run_here)
    with in_process, TestCase.captureOnCommitCallbacks(execute=True):
        return cycle_tick.apply(args=(coop.pk,)).get()


def test_opening_a_cycle_places_each_due_standing_order_once(kitchen):
    standing = add_standing(kitchen, [("Aardappelen", 5), ("Ajuin", 2)])
    result = run_tick(kitchen["coop"])
    assert result["opened"] == [kitchen["cycle"].pk] and result["standing"] == [kitchen["cycle"].pk]
    order = Order.objects.get(cycle=kitchen["cycle"], business_account=kitchen["account"])
    assert sorted((line.product_name, line.quantity) for line in order.lines.all()) == [
        ("Aardappelen", Decimal("5")), ("Ajuin", Decimal("2"))]
    assert (order.fulfilment, order.payment_method, order.prices_include_vat) == ("business", "invoice", False)
    run = StandingOrderRun.objects.get(standing_order=standing)
    assert (run.status, run.order, run.attempts) == (Run.PLACED, order, 1)
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == ["boekhouding@keuken.example", "chef@keuken.example"]
    assert order.number in mail.outbox[0].body and "Aardappelen" in mail.outbox[0].body

    again = run_tick(kitchen["coop"])
    assert again["opened"] == [] and again["standing"] == []
    assert Order.objects.filter(cycle=kitchen["cycle"]).count() == 1
    assert StandingOrderRun.objects.count() == 1 + 1  # ours, and the world's (failed) one in another cycle
    assert len(mail.outbox) == 1
    assert Offer.objects.get(pk=kitchen["offers"]["Ajuin"].pk).ordered == Decimal("2")


def test_the_tick_catches_up_an_open_cycle_whose_message_was_lost(kitchen):
    OrderCycle.objects.filter(pk=kitchen["cycle"].pk).update(status=OrderCycle.Status.OPEN)
    add_standing(kitchen, [("Aardappelen", 5)])
    assert cycles_with_pending_standing_orders() == [kitchen["cycle"].pk]
    result = run_tick(kitchen["coop"])
    assert result["opened"] == [] and result["standing"] == [kitchen["cycle"].pk]
    assert Order.objects.filter(cycle=kitchen["cycle"], business_account=kitchen["account"]).count() == 1
    assert cycles_with_pending_standing_orders() == []


def test_a_pause_skips_the_cycle_and_is_recorded(kitchen):
    standing = add_standing(kitchen, [("Aardappelen", 5)])
    day = kitchen["cycle"].delivery_date
    StandingOrderPause.objects.create(coop=kitchen["coop"], standing_order=standing, start=day - timedelta(days=3),
                                      end=day + timedelta(days=10), reason="Paasvakantie")
    OrderCycle.objects.filter(pk=kitchen["cycle"].pk).update(status=OrderCycle.Status.OPEN)
    assert standing_orders_place_for_cycle(cycle=kitchen["cycle"]) == {Run.SKIPPED: 1}
    run = StandingOrderRun.objects.get(standing_order=standing)
    assert run.status == Run.SKIPPED and run.order is None and "Paasvakantie" in run.message
    assert not Order.objects.filter(business_account=kitchen["account"]).exists()
    assert mail.outbox == []  # they asked for the pause themselves
    assert standing_orders_place_for_cycle(cycle=kitchen["cycle"]) == {"already": 1}


def test_short_and_missing_products_follow_the_line_rule_and_are_reported(kitchen, django_capture_on_commit_callbacks):
    standing = add_standing(kitchen, [
        ("Wortelen", 6, "take_remaining"),  # only 4.5 left -> 4 (step 1)
        ("Prei", 3, "substitute", "Ajuin"),  # not offered -> 3 Ajuin
        ("Spinazie", 2, "skip"),  # only 1 left -> skipped
        ("Boerenkool", 2, "take_remaining"),  # not offered -> nothing to take
        ("Aardappelen", 5, "skip"),  # unlimited -> placed
    ])
    OrderCycle.objects.filter(pk=kitchen["cycle"].pk).update(status=OrderCycle.Status.OPEN)
    with django_capture_on_commit_callbacks(execute=True):
        assert standing_orders_place_for_cycle(cycle=kitchen["cycle"]) == {Run.PARTLY_PLACED: 1}
    run = StandingOrderRun.objects.get(standing_order=standing)
    order = run.order
    assert sorted((line.product_name, line.quantity) for line in order.lines.all()) == [
        ("Aardappelen", Decimal("5")), ("Ajuin", Decimal("3")), ("Wortelen", Decimal("4"))]
    outcomes = {o["product"]: o for o in run.outcomes}
    assert (outcomes["Wortelen"]["outcome"], outcomes["Wortelen"]["placed"]) == ("reduced", "4")
    assert "only 4.5 left" in outcomes["Wortelen"]["reason"]
    assert (outcomes["Prei"]["outcome"], outcomes["Prei"]["placed_product"]) == ("substituted", "Ajuin")
    assert "not offered" in outcomes["Prei"]["reason"]
    assert outcomes["Spinazie"]["outcome"] == "skipped" and "only 1 left" in outcomes["Spinazie"]["reason"]
    assert outcomes["Boerenkool"]["outcome"] == "skipped" and "not offered" in outcomes["Boerenkool"]["reason"]
    assert outcomes["Aardappelen"]["outcome"] == "placed"
    assert Offer.objects.get(pk=kitchen["offers"]["Wortelen"].pk).remaining == Decimal("0.5")
    assert Offer.objects.get(pk=kitchen["offers"]["Spinazie"].pk).remaining == Decimal("1")
    body = mail.outbox[0].body
    assert "Spinazie: NOT placed" in body and "Boerenkool: NOT placed" in body and "Ajuin" in body
    assert list(runs_needing_attention().filter(standing_order__account=kitchen["account"])) == [run]


def test_nothing_placeable_fails_loudly(kitchen, django_capture_on_commit_callbacks):
    standing = add_standing(kitchen, [("Prei", 2, "skip"), ("Boerenkool", 1, "substitute", "Prei")])
    OrderCycle.objects.filter(pk=kitchen["cycle"].pk).update(status=OrderCycle.Status.OPEN)
    with django_capture_on_commit_callbacks(execute=True):
        standing_orders_place_for_cycle(cycle=kitchen["cycle"])
    run = StandingOrderRun.objects.get(standing_order=standing)
    assert run.status == Run.FAILED and run.order is None
    assert "substitute Prei: not offered" in run.outcomes[1]["reason"]
    assert len(mail.outbox) == 1 and "Wekelijks" in mail.outbox[0].subject
    assert run in runs_needing_attention()


def test_an_order_placed_by_hand_is_kept_and_two_standing_orders_share_one_order(kitchen):
    OrderCycle.objects.filter(pk=kitchen["cycle"].pk).update(status=OrderCycle.Status.OPEN)
    first = add_standing(kitchen, [("Aardappelen", 5)], name="Groenten")
    second = add_standing(kitchen, [("Ajuin", 2), ("Aardappelen", 1)], name="Extra")
    standing_orders_place_for_cycle(cycle=kitchen["cycle"])
    order = Order.objects.get(cycle=kitchen["cycle"], business_account=kitchen["account"])
    assert dict(order.lines.values_list("product_name", "quantity")) == {"Aardappelen": 6, "Ajuin": 2}
    assert {r.order_id for r in StandingOrderRun.objects.filter(standing_order__in=[first, second])} == {order.pk}

    other = make_kitchen(kitchen["coop"], slug="bistro")
    OrderCycle.objects.filter(pk=other["cycle"].pk).update(status=OrderCycle.Status.OPEN)
    manual = order_place(customer=other["chef"], cycle_id=other["cycle"].pk,
                         lines=[{"offer": other["offers"]["Ajuin"].pk, "quantity": 1}],
                         destination=Destination("business"))
    standing = add_standing(other, [("Aardappelen", 5)])
    assert standing_orders_place_for_cycle(cycle=other["cycle"])[Run.SKIPPED] == 1
    run = StandingOrderRun.objects.get(standing_order=standing)
    assert run.order == manual and manual.number in run.message
    assert manual.lines.count() == 1


def test_shortages_never_push_a_standing_order_out_for_the_minimum(kitchen):
    type(kitchen["account"]).objects.filter(pk=kitchen["account"].pk).update(minimum_order=Decimal("100.00"))
    standing = add_standing(kitchen, [("Wortelen", 6)])
    OrderCycle.objects.filter(pk=kitchen["cycle"].pk).update(status=OrderCycle.Status.OPEN)
    standing_orders_place_for_cycle(cycle=kitchen["cycle"])
    run = StandingOrderRun.objects.get(standing_order=standing)
    assert run.status == Run.PARTLY_PLACED and run.order.total_net < Decimal("100")


def test_a_cycle_closed_before_placement_is_reported_not_silent(kitchen):
    standing = add_standing(kitchen, [("Aardappelen", 5)])
    StandingOrder.objects.filter(pk=standing.pk).update(created_at=timezone.now() - timedelta(days=7))
    OrderCycle.objects.filter(pk=kitchen["cycle"].pk).update(status=OrderCycle.Status.CLOSED,
                                                             opens_at=timezone.now() - timedelta(days=3),
                                                             cutoff_at=timezone.now() - timedelta(hours=1))
    kitchen["cycle"].refresh_from_db()
    assert kitchen["cycle"].pk in cycles_with_pending_standing_orders()
    standing_orders_place_for_cycle(cycle=kitchen["cycle"])
    run = StandingOrderRun.objects.get(standing_order=standing)
    assert run.status == Run.FAILED and "not open" in run.message
    assert kitchen["cycle"].pk not in cycles_with_pending_standing_orders()


class WorkerDied(BaseException):
    """Stands in for SIGKILL: not an Exception, so nothing in the service catches it."""


def test_a_worker_dying_mid_placement_leaves_a_claim_that_the_retry_completes(kitchen):
    standing = add_standing(kitchen, [("Ajuin", 2)])
    OrderCycle.objects.filter(pk=kitchen["cycle"].pk).update(status=OrderCycle.Status.OPEN)
    real = standing_service._order_for

    def die_after_placing(*args, **kwargs):
        real(*args, **kwargs)  # the order exists inside the transaction ...
        raise WorkerDied  # ... and the worker is gone before it commits

    with mock.patch.object(standing_service, "_order_for", die_after_placing), pytest.raises(WorkerDied):
        standing_orders_place_for_cycle(cycle=kitchen["cycle"])
    run = StandingOrderRun.objects.get(standing_order=standing)
    assert run.status == Run.CLAIMED and run.order is None
    assert not Order.objects.filter(cycle=kitchen["cycle"]).exists()
    assert Offer.objects.get(pk=kitchen["offers"]["Ajuin"].pk).ordered == 0
    assert cycles_with_pending_standing_orders() == [kitchen["cycle"].pk]  # the next tick will retry

    assert standing_orders_place_for_cycle(cycle=kitchen["cycle"]) == {Run.PLACED: 1}
    run.refresh_from_db()
    assert run.status == Run.PLACED and run.attempts == 2
    assert Order.objects.filter(cycle=kitchen["cycle"]).count() == 1
    assert Offer.objects.get(pk=kitchen["offers"]["Ajuin"].pk).ordered == Decimal("2")


def test_unexpected_errors_are_retried_then_reported(kitchen, django_capture_on_commit_callbacks):
    standing = add_standing(kitchen, [("Ajuin", 2)])
    OrderCycle.objects.filter(pk=kitchen["cycle"].pk).update(status=OrderCycle.Status.OPEN)
    with mock.patch.object(standing_service, "_order_for", side_effect=RuntimeError("database hiccup")):
        with pytest.raises(StandingPlacementError):
            standing_orders_place_for_cycle(cycle=kitchen["cycle"])
        run = StandingOrderRun.objects.get(standing_order=standing)
        assert (run.status, run.attempts, run.last_error) == (Run.CLAIMED, 1, "RuntimeError: database hiccup")
        with django_capture_on_commit_callbacks(execute=True):
            for _ in range(standing_service.MAX_ATTEMPTS - 2):
                with pytest.raises(StandingPlacementError):
                    standing_orders_place_for_cycle(cycle=kitchen["cycle"])
            assert standing_orders_place_for_cycle(cycle=kitchen["cycle"]) == {Run.FAILED: 1}  # gives up
            assert standing_orders_place_for_cycle(cycle=kitchen["cycle"]) == {"already": 1}
    run.refresh_from_db()
    assert run.status == Run.FAILED and str(standing_service.MAX_ATTEMPTS) in run.message
    assert len(mail.outbox) == 1 and run in runs_needing_attention()


def test_frequencies_and_periods():
    def cycle(day):
        return OrderCycle(delivery_date=day, cutoff_at=timezone.now() + timedelta(days=30))

    standing = StandingOrder(start_date=date(2026, 3, 4), frequency="every_second_week", is_active=True)  # a Wednesday
    fridays = [date(2026, 3, 6) + timedelta(weeks=n) for n in range(4)]
    assert [standing_order_matches(standing, cycle(d)) for d in fridays] == [True, False, True, False]
    assert not standing_order_matches(standing, cycle(date(2026, 2, 27)))  # before the start
    standing = StandingOrder(start_date=date(2026, 3, 1), frequency="weekdays", weekdays=["tue"], is_active=True,
                             end_date=date(2026, 3, 31))
    assert standing_order_matches(standing, cycle(date(2026, 3, 10)))  # a Tuesday
    assert not standing_order_matches(standing, cycle(date(2026, 3, 13)))  # a Friday
    assert not standing_order_matches(standing, cycle(date(2026, 4, 7)))  # after the end


# --- real concurrency ---------------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_two_workers_placing_the_same_cycle_at_the_same_time_place_once():
    with scopes_disabled():
        coop = factories.CooperativeFactory(slug="gelijktijdig", name="Gelijktijdig")
    with scope(coop=coop):
        k = make_kitchen(coop)
        add_standing(k, [("Ajuin", 2), ("Aardappelen", 3)], name="Eerste")
        add_standing(k, [("Wortelen", 1)], name="Tweede")
        OrderCycle.objects.filter(pk=k["cycle"].pk).update(status=OrderCycle.Status.OPEN)
    workers = 6
    start = threading.Barrier(workers)
    outcomes: list = []
    lock = threading.Lock()

    def work():
        try:
            with scope(coop=coop):
                start.wait()
                result = standing_orders_place_for_cycle(cycle=k["cycle"])
        except Exception as exc:
            result = f"error {type(exc).__name__}: {exc}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not [o for o in outcomes if isinstance(o, str)], outcomes
    assert sum((Counter(o) for o in outcomes), Counter())[Run.PLACED] >= 2  # each saw both runs placed
    with scope(coop=coop):
        order = Order.objects.get(cycle=k["cycle"])
        assert dict(order.lines.values_list("product_name", "quantity")) == {
            "Ajuin": Decimal("2"), "Aardappelen": Decimal("3"), "Wortelen": Decimal("1")}
        assert StandingOrderRun.objects.filter(cycle=k["cycle"], status=Run.PLACED).count() == 2
        assert Offer.objects.get(pk=k["offers"]["Ajuin"].pk).ordered == Decimal("2")
        assert Offer.objects.get(pk=k["offers"]["Wortelen"].pk).ordered == Decimal("1")


# --- a real worker, killed in the middle of a placement ---------------------------------------------------

def _wait(predicate, seconds=60, step=0.2):
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def _worker_waits_on_a_lock() -> bool:
    """A backend of the test database waits for a row lock: the worker is inside the placement transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")
        return cursor.fetchone()[0] > 0


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_placement_is_completed_by_the_redelivered_task():
    """The worker claims the run, starts placing and blocks on an offer row the test holds; it is killed
    (SIGKILL, the worker and its pool at once). Nothing is half-written; the unacknowledged task comes back
    to a new worker (visibility timeout), which completes the placement once."""
    from orders.tasks import standing_orders_place
    from tests.celery_worker import kill_worker, running_worker

    with scopes_disabled():
        coop = factories.CooperativeFactory(slug="omgevallen", name="Omgevallen")
    with scope(coop=coop):
        k = make_kitchen(coop)
        standing = add_standing(k, [("Ajuin", 2)])
        OrderCycle.objects.filter(pk=k["cycle"].pk).update(status=OrderCycle.Status.OPEN)
    offer_id = k["offers"]["Ajuin"].pk
    locked, release = threading.Event(), threading.Event()

    def hold_the_offer():
        from django.db import transaction

        try:
            with scopes_disabled(), transaction.atomic():
                Offer.objects.select_for_update().get(pk=offer_id)
                locked.set()
                release.wait(120)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_offer)
    holder.start()
    assert locked.wait(10)
    env = {"TEST_VISIBILITY_TIMEOUT": "5"}
    try:
        with running_worker(queues="default", env=env) as worker:
            standing_orders_place.delay(coop.pk, k["cycle"].pk)
            assert _wait(_worker_waits_on_a_lock, 60), "the worker never reached the placement"
            with scopes_disabled():
                assert StandingOrderRun.objects.get(standing_order=standing).status == Run.CLAIMED
            kill_worker(worker)
    finally:
        release.set()
        holder.join(30)
    with scopes_disabled():
        # the killed backend gives up once it notices its client is gone: nothing of the order remains
        assert _wait(lambda: not _worker_waits_on_a_lock() and Offer.objects.get(pk=offer_id).ordered == 0, 30)
        assert not Order.objects.filter(cycle=k["cycle"]).exists()
        assert StandingOrderRun.objects.get(standing_order=standing).status == Run.CLAIMED

    with running_worker(queues="default", env=env), scopes_disabled():
        assert _wait(lambda: StandingOrderRun.objects.get(standing_order=standing).status == Run.PLACED, 60)
    with scopes_disabled():
        run = StandingOrderRun.objects.get(standing_order=standing)
        assert run.attempts == 2 and run.order is not None
        assert Order.objects.filter(cycle=k["cycle"]).count() == 1
        assert Offer.objects.get(pk=offer_id).ordered == Decimal("2")
