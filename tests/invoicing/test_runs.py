"""Which invoices are issued when: the monthly run, per-delivery accounts, consumers on request or
automatically, returned deposits credited once, the beat's tick, and never an order invoiced twice."""

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from invoicing.models import BillingRun, DepositReturnCredit, Invoice, InvoiceOrder
from invoicing.services.calendar import month_end, previous_month
from invoicing.services.runs import (
    billing_issue,
    billing_plan,
    billing_run,
    billing_settings_update,
    invoice_on_request,
)
from invoicing.tasks_billing import billing_run_task, billing_tick
from members.models import BusinessAccount
from tests import factories

from .conftest import delivered_order, make_shop

TODAY = timezone.localdate()
LAST_MONTH = previous_month(TODAY)


def _invoices_of(shop, **filters):
    with scope(coop=shop.coop):
        return list(Invoice.objects.filter(kind=Invoice.Kind.INVOICE, **filters).prefetch_related("order_links"))


def _orders(invoice):
    return sorted(link.order_id for link in invoice.order_links.all())


def test_the_monthly_run_gives_each_account_one_invoice_over_its_orders_not_yet_invoiced(shop):
    in_month = [delivered_order(shop, [("wortelen", 10, {"unit_net": "1.85"})], business=True, po="PO-77",
                                delivered_on=LAST_MONTH + timedelta(days=d)) for d in (2, 9)]
    straggler = delivered_order(shop, [("melk", 4, {"unit_net": "1.10"})], business=True, po="PO-77",
                                delivered_on=LAST_MONTH - timedelta(days=3))  # delivered earlier, never invoiced
    this_month = delivered_order(shop, [("tas", 2, {})], business=True, delivered_on=TODAY)
    consumer = delivered_order(shop, [("wijn", 1, {})], delivered_on=LAST_MONTH + timedelta(days=3))
    with scope(coop=shop.coop):
        result = billing_run(coop=shop.coop, period=LAST_MONTH, dispatch=False)
    assert len(result.issued) == 1 and result.skipped == []
    [invoice] = _invoices_of(shop, business_account=shop.account)
    assert _orders(invoice) == sorted([o.pk for o in (*in_month, straggler)])
    assert this_month.pk not in _orders(invoice) and consumer.pk not in _orders(invoice)
    assert invoice.status == Invoice.Status.ISSUED and invoice.series == "business"
    assert invoice.order_reference == "PO-77" and not invoice.prices_include_vat
    assert invoice.due_date == invoice.issue_date + timedelta(days=30)
    # price-group prices excl. VAT: 10 kg x 1.85 twice + 4 l x 1.10 + deposits (4 x 0.20)
    assert invoice.total_net == Decimal("37.00") + Decimal("4.40") + Decimal("0.80")

    # Twice = once: nothing new, the same invoice stays the only one.
    with scope(coop=shop.coop):
        again = billing_run(coop=shop.coop, period=LAST_MONTH, dispatch=False)
    assert again.issued == [] and len(_invoices_of(shop, business_account=shop.account)) == 1
    with scope(coop=shop.coop):
        assert billing_plan(coop=shop.coop, until=month_end(LAST_MONTH), monthly=True) == []


def test_per_delivery_accounts_get_one_invoice_per_order_without_waiting_for_the_month(shop):
    with scopes_disabled():
        BusinessAccount.objects.filter(pk=shop.account.pk).update(
            invoicing_frequency=BusinessAccount.InvoicingFrequency.PER_DELIVERY)
    first = delivered_order(shop, [("wortelen", 3, {})], business=True, delivered_on=TODAY - timedelta(days=2))
    second = delivered_order(shop, [("tas", 1, {})], business=True, delivered_on=TODAY)
    with scope(coop=shop.coop):
        result = billing_issue(coop=shop.coop, until=TODAY, monthly=False, dispatch=False)
    assert len(result.issued) == 2
    assert sorted(_orders(i) for i in _invoices_of(shop, business_account=shop.account)) == [[first.pk],
                                                                                             [second.pk]]


def test_consumers_on_request_ask_for_it_and_asking_twice_gives_the_same_invoice(shop):
    order = delivered_order(shop, [("wijn", 2, {"unit_net": "8.50"})], delivered_on=TODAY - timedelta(days=1))
    with scope(coop=shop.coop):
        assert billing_issue(coop=shop.coop, until=TODAY, monthly=True, dispatch=False).issued == []
        invoice = invoice_on_request(membership=shop.consumer, order_id=order.pk)
        assert invoice_on_request(membership=shop.consumer, order_id=order.pk).pk == invoice.pk
    assert invoice.series == "consumer" and invoice.customer_id == shop.consumer.pk
    assert invoice.payment_reference == order.payment_reference  # the order's OGM, so payments match both


def test_automatic_consumer_invoices_start_with_orders_delivered_from_the_switch_on(shop):
    before = delivered_order(shop, [("wijn", 1, {})], delivered_on=TODAY - timedelta(days=1))
    with scope(coop=shop.coop):
        billing_settings_update(coop=shop.coop, consumer_invoices="automatic")
    after = delivered_order(shop, [("wortelen", 2, {})], delivered_on=TODAY)
    with scope(coop=shop.coop):
        result = billing_issue(coop=shop.coop, until=TODAY, monthly=False, dispatch=False)
    assert len(result.issued) == 1
    [invoice] = _invoices_of(shop, business_account=None)
    assert _orders(invoice) == [after.pk] and before.pk not in _orders(invoice)


def _credited_returns(shop) -> list[tuple[Decimal, Decimal]]:
    """(quantity, net) of the consumer invoices' returned-deposit lines."""
    return [(li.quantity, li.line_net) for i in _invoices_of(shop, business_account=None) for li in i.lines.all()
            if li.kind == "deposit" and li.quantity < 0]


def test_returned_bottles_are_credited_once_on_the_next_invoice(shop):
    from logistics.services.hub import deposit_record_return

    with scope(coop=shop.coop):
        billing_settings_update(coop=shop.coop, consumer_invoices="automatic")
        deposit_record_return(item_code="fles", quantity=3, customer=shop.consumer)
    delivered_order(shop, [("melk", 2, {"unit_net": "1.10"})], delivered_on=TODAY)
    delivered_order(shop, [("wortelen", 5, {"unit_net": "2.00"})], delivered_on=TODAY)
    with scope(coop=shop.coop):
        assert len(billing_issue(coop=shop.coop, until=TODAY, monthly=False, dispatch=False).issued) == 2
        assert _credited_returns(shop) == [(Decimal("-3"), Decimal("-0.60"))]
        assert DepositReturnCredit.objects.count() == 1


def test_returned_packing_crates_are_never_credited(shop):
    """The hub's packing crate is lent with packed orders, never charged: bringing it back credits nothing."""
    from logistics.services.closing import PACKING_CRATE_CODE
    from logistics.services.hub import deposit_record_return

    with scope(coop=shop.coop):
        factories.deposit_item(shop.coop, code=PACKING_CRATE_CODE, value="4.00", kind="crate")
        billing_settings_update(coop=shop.coop, consumer_invoices="automatic")
        deposit_record_return(item_code=PACKING_CRATE_CODE, quantity=2, customer=shop.consumer)
        bottle = deposit_record_return(item_code="fles", quantity=1, customer=shop.consumer)
    delivered_order(shop, [("wortelen", 5, {"unit_net": "2.00"})], delivered_on=TODAY)
    with scope(coop=shop.coop):
        assert len(billing_issue(coop=shop.coop, until=TODAY, monthly=False, dispatch=False).issued) == 1
        assert _credited_returns(shop) == [(Decimal("-1"), Decimal("-0.20"))]
        assert list(DepositReturnCredit.objects.values_list("movement_id", flat=True)) == [bottle.pk]


def test_the_tick_launches_the_monthly_run_once_on_the_first_working_day(shop, django_capture_on_commit_callbacks,
                                                                         monkeypatch):
    queued = []
    monkeypatch.setattr(billing_run_task, "apply_async", lambda args, kwargs: queued.append(kwargs))
    delivered_order(shop, [("wortelen", 10, {})], business=True, delivered_on=date(2026, 10, 16))
    with django_capture_on_commit_callbacks(execute=True):
        assert billing_tick(shop.coop.pk, today="2026-11-01")["run"] is None  # Sunday (and All Saints)
        first = billing_tick(shop.coop.pk, today="2026-11-02")["run"]  # Monday: the first working day
        assert billing_tick(shop.coop.pk, today="2026-11-02")["run"] is None  # the next minute: nothing new
    assert first is not None and len(queued) == 1
    with scope(coop=shop.coop):
        run = BillingRun.objects.get(pk=first)
        assert (run.period, run.trigger) == (date(2026, 10, 1), BillingRun.Trigger.SCHEDULED)
        # the queued task issues the run and reports in its Job
        result = billing_run_task(shop.coop.pk, job_id=queued[0]["job_id"], run_id=queued[0]["run_id"])
        run.job.refresh_from_db()
    assert result["issued_count"] == 1 and run.job.status == "succeeded" and run.job.progress == 100


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_time_invoice_every_order_once():
    from tests.conftest import make_world

    world = make_world("gelijktijdig", "Coöperatie Gelijktijdig")
    shop = make_shop(world.coop)
    for account_no in range(3):
        with scopes_disabled():
            account = BusinessAccount.objects.create(coop=shop.coop, key=f"k{account_no}", name=f"Keuken {account_no}",
                                                     payment_terms_days=30)
            buyer = type(shop.buyer).objects.create(coop=shop.coop, user=type(shop.buyer.user).objects.create(
                email=f"k{account_no}@example.org"), roles=["business"], business_account=account)
        for day in (3, 10):
            order = delivered_order(shop, [("wortelen", 2, {})], business=True, customer=buyer,
                                    delivered_on=LAST_MONTH + timedelta(days=day))
            with scopes_disabled():
                type(order).objects.filter(pk=order.pk).update(business_account=account)
    results, errors = [], []

    def run():
        try:
            with scope(coop=shop.coop):
                results.append(billing_run(coop=shop.coop, period=LAST_MONTH, dispatch=False))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with scopes_disabled():
        links = list(InvoiceOrder.objects.filter(coop=shop.coop).values_list("order_id", flat=True))
        invoices = Invoice.objects.filter(coop=shop.coop, kind="invoice").exclude(business_account=world.extra[
            "business_account"])
        assert invoices.count() == 3
    assert len(links) == len(set(links))
    assert sum(len(r.issued) for r in results) == 3
