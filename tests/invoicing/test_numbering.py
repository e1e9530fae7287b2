"""Gapless numbers per coop, series and year: under real concurrency on PostgreSQL and across rollbacks."""

import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import translation
from django_scopes import scope, scopes_disabled

from invoicing.models import Invoice, InvoiceSeries, Series
from invoicing.services.drafts import invoice_draft_for_orders
from invoicing.services.issuing import invoice_issue
from tests import factories

from .conftest import delivered_order, make_shop

INVOICES = 100
THREADS = 25  # PostgreSQL allows 100 connections for everyone; 25 threads issue 4 invoices each, all at once


def _drafts(shop, count):
    with scope(coop=shop.coop):
        return [invoice_draft_for_orders(orders=[delivered_order(shop, [("wortelen", 1, {})])]).pk
                for _ in range(count)]


@pytest.mark.django_db(transaction=True)
def test_a_hundred_invoices_issued_at_once_get_a_hundred_gapless_numbers():
    with scopes_disabled():
        coop = factories.CooperativeFactory(slug="race", name="Race")
    shop = make_shop(coop)
    drafts = _drafts(shop, INVOICES)
    start = threading.Barrier(THREADS)
    errors: list[str] = []

    def issue(ids):
        try:
            with scope(coop=coop):
                start.wait()
                for invoice_id in ids:
                    invoice_issue(invoice_id=invoice_id, dispatch=False)
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(drafts[i::THREADS],)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert errors == []
    with scope(coop=coop):
        issued = Invoice.objects.filter(pk__in=drafts, status=Invoice.Status.ISSUED)
        sequences = sorted(issued.values_list("sequence", flat=True))
        assert sequences == list(range(1, INVOICES + 1))
        assert len(set(issued.values_list("number", flat=True))) == INVOICES
        assert InvoiceSeries.objects.get(code=Series.CONSUMER).last_number == INVOICES


@pytest.mark.django_db(transaction=True)
def test_two_workers_issuing_the_same_draft_use_one_number():
    with scopes_disabled():
        coop = factories.CooperativeFactory(slug="twice", name="Twice")
    shop = make_shop(coop)
    [draft] = _drafts(shop, 1)
    start = threading.Barrier(8)
    numbers: list[str] = []

    def issue():
        try:
            with scope(coop=coop):
                start.wait()
                numbers.append(invoice_issue(invoice_id=draft, dispatch=False).number)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(numbers) == 8 and len(set(numbers)) == 1
    with scope(coop=coop):
        assert InvoiceSeries.objects.get(code=Series.CONSUMER).last_number == 1


def test_a_rolled_back_issue_leaves_no_gap(shop):
    first, second = _drafts(shop, 2)
    with scope(coop=shop.coop):
        with pytest.raises(RuntimeError), transaction.atomic():
            taken = invoice_issue(invoice_id=first, dispatch=False)
            assert taken.sequence == 1
            raise RuntimeError("the surrounding work failed")
        assert Invoice.objects.get(pk=first).status == Invoice.Status.DRAFT
        assert invoice_issue(invoice_id=second, dispatch=False).sequence == 1
        assert invoice_issue(invoice_id=first, dispatch=False).sequence == 2


def test_series_are_separate_per_kind_of_customer_and_per_coop(shop, world_b):
    consumer = _drafts(shop, 1)[0]
    business = delivered_order(shop, [("wortelen", 1, {})], business=True)
    with scope(coop=shop.coop):
        business_invoice = invoice_issue(invoice_id=invoice_draft_for_orders(orders=[business]).pk, dispatch=False)
        consumer_invoice = invoice_issue(invoice_id=consumer, dispatch=False)
    year = consumer_invoice.issue_date.year
    assert consumer_invoice.number == f"F{year}-000001"
    assert business_invoice.number == f"B{year}-000002"  # the world's own business invoice took 1
    # the other coop numbers on its own
    assert world_b.extra["invoice"].number == f"B{year}-000001"


def test_numbers_follow_the_dates_and_restart_each_year(shop):
    a, b, c = _drafts(shop, 3)
    with scope(coop=shop.coop):
        last_year = invoice_issue(invoice_id=a, issue_date=date(2025, 12, 31), dispatch=False)
        this_year = invoice_issue(invoice_id=b, dispatch=False)
        if this_year.issue_date.timetuple().tm_yday > 1:
            with translation.override("en"), pytest.raises(ValidationError, match="already has an invoice dated"):
                invoice_issue(invoice_id=c, issue_date=date(this_year.issue_date.year, 1, 1), dispatch=False)
    assert (last_year.number, this_year.sequence) == ("F2025-000001", 1)


def test_series_numbers_look_right():
    assert Series.number(Series.CONSUMER, 2026, 42) == "F2026-000042"
    assert Series.number(Series.self_billing(17), 2026, 3) == "SB17-2026-000003"
