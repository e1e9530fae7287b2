"""Billing pages: preview and issue a month by hand (Job progress), settings, statement upload and matching by
hand, reminders, the payment card, a consumer asking for an invoice, and who may see what."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scope

from invoicing.models import BankTransaction, BillingRun, BillingSettings, Invoice
from invoicing.services.calendar import previous_month
from invoicing.services.reminders import reminders_create
from invoicing.tasks_billing import billing_run_task
from tests.orders.test_payments import camt, camt_entry, structured

from .conftest import delivered_order

LAST_MONTH = previous_month(timezone.localdate())


@pytest.fixture
def admin(client, world_a):
    client.force_login(world_a.admin)
    return client


def test_preview_shows_accounts_orders_and_totals_and_issuing_runs_a_job(admin, shop, world_a,
                                                                        django_capture_on_commit_callbacks,
                                                                        monkeypatch):
    order = delivered_order(shop, [("wortelen", 10, {"unit_net": "1.85"})], business=True,
                            delivered_on=LAST_MONTH + timedelta(days=4))
    base = f"/{shop.coop.slug}/invoices/billing/"
    page = admin.get(f"{base}?month={LAST_MONTH:%Y-%m}")
    html = page.content.decode()
    assert page.status_code == 200 and shop.account.name in html and order.number in html
    assert admin.get(f"{base}?month=2026-13").status_code == 400
    queued = []
    monkeypatch.setattr(billing_run_task, "apply_async", lambda args, kwargs: queued.append(kwargs))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(base, {"month": f"{LAST_MONTH:%Y-%m}"})
    assert response.status_code == 302 and len(queued) == 1
    with scope(coop=shop.coop):
        run = BillingRun.objects.get()
        assert run.trigger == "manual" and run.period == LAST_MONTH
        billing_run_task(shop.coop.pk, **queued[0])
        invoice = Invoice.objects.get(order_links__order=order)
    progress = admin.get(response["Location"]).content.decode()
    assert "job-" in progress and "100%" in progress
    assert invoice.is_issued


def test_settings_are_saved_and_bad_levels_refused(admin, shop):
    url = f"/{shop.coop.slug}/invoices/billing/settings/"
    ok = {"consumer_invoices": "automatic", "reminders_enabled": "on", "reminder_1_days": 5, "reminder_2_days": 15,
          "formal_notice_days": 30}
    assert admin.post(url, ok).status_code == 302
    with scope(coop=shop.coop):
        settings = BillingSettings.objects.get()
    assert settings.consumer_invoices == "automatic" and settings.automatic_since == timezone.localdate()
    assert settings.reminder_delays() == {1: 5, 2: 15, 3: 30}
    assert admin.post(url, {**ok, "reminder_2_days": 50}).status_code == 400


def test_upload_a_statement_then_match_the_rest_by_hand(admin, shop, world_a):
    invoice = world_a.extra["invoice"]
    base = f"/{shop.coop.slug}/invoices/payments/"
    data = camt(camt_entry("P1", str(invoice.payable_amount - 1), structured(invoice.payment_reference))
                + camt_entry("P2", "0.40", "<Ustrd>restje</Ustrd>"))  # neither what is open nor an OGM
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = admin.post(base, {"statement": SimpleUploadedFile("s.xml", data)})
    html = page.content.decode()
    assert page.status_code == 200 and invoice.number in html and "Geheime betaler" in html
    assert admin.post(base, {"statement": SimpleUploadedFile("s.txt", b"nonsense")}).status_code == 400
    with scope(coop=shop.coop):
        rest = BankTransaction.objects.get(bank_reference="P2")
    detail = admin.get(f"{base}{rest.pk}/").content.decode()
    assert invoice.number in detail  # the partly paid invoice is a candidate
    assert admin.post(f"{base}{rest.pk}/", {"invoice": [invoice.pk]}).status_code == 302
    card = admin.get(f"/{shop.coop.slug}/invoices/{invoice.pk}/").content.decode()
    assert 'id="payment"' in card and "status-partly_paid" in card
    assert admin.post(f"{base}{rest.pk}/", {"invoice": [invoice.pk]}).status_code == 400  # nothing left


def test_reminders_page_and_recording_a_payment_by_hand(admin, shop, world_a):
    invoice = world_a.extra["invoice"]  # issued today: not overdue yet, so not on the page
    page = admin.get(f"/{shop.coop.slug}/invoices/reminders/").content.decode()
    assert invoice.number not in page
    with scope(coop=shop.coop):  # the daily scan a week after the due date sends the first reminder
        sent = reminders_create(coop=shop.coop, today=invoice.due_date + timedelta(days=7), send=False)
    assert [(r.invoice_id, r.level) for r in sent] == [(invoice.pk, 1)]
    page = admin.get(f"/{shop.coop.slug}/invoices/reminders/").content.decode()
    assert invoice.number in page
    url = f"/{shop.coop.slug}/invoices/{invoice.pk}/payment/"
    assert admin.post(url, {"amount": "1.00", "received_on": timezone.localdate().isoformat()}).status_code == 302
    card = admin.get(f"/{shop.coop.slug}/invoices/{invoice.pk}/").content.decode()
    assert "status-partly_paid" in card


def test_a_consumer_asks_for_the_invoice_of_a_delivered_order(client, shop):
    order = delivered_order(shop, [("wijn", 1, {"unit_net": "8.50"})])
    client.force_login(shop.consumer.user)
    mine = client.get(f"/{shop.coop.slug}/invoices/mine/").content.decode()
    assert order.number in mine
    response = client.post(f"/{shop.coop.slug}/invoices/request/{order.pk}/")
    with scope(coop=shop.coop):
        invoice = Invoice.objects.get(order_links__order=order)
    assert response.status_code == 302 and response["Location"].endswith(f"/invoices/{invoice.pk}/")
    assert invoice.number in client.get(f"/{shop.coop.slug}/invoices/mine/").content.decode()
    assert invoice.payable_amount == Decimal("10.29")


def test_only_the_consumer_may_ask_and_only_managers_see_billing_pages(client, shop, world_a):
    order = delivered_order(shop, [("wijn", 1, {})])
    client.force_login(shop.buyer.user)
    assert client.post(f"/{shop.coop.slug}/invoices/request/{order.pk}/").status_code == 404
    for page in ("billing/", "payments/", "reminders/", f"payments/{world_a.extra['bank_transaction'].pk}/"):
        assert client.get(f"/{shop.coop.slug}/invoices/{page}").status_code == 404


def test_business_users_see_all_their_accounts_invoices_and_only_those(client, shop, world_a):
    """Invoices of the account made from any colleague's orders; never another account's or a consumer's."""
    from invoicing.services.runs import invoice_on_request
    from tests import factories

    colleague = factories.MembershipFactory(coop=shop.coop, roles=["business"], business_account=shop.account)
    with scope(coop=shop.coop):
        from invoicing.services.drafts import invoice_draft_for_orders
        from invoicing.services.issuing import invoice_issue

        theirs = invoice_issue(invoice_id=invoice_draft_for_orders(orders=[delivered_order(
            shop, [("tas", 1, {})], business=True, customer=colleague)]).pk, dispatch=False)
        consumer = invoice_on_request(membership=shop.consumer,
                                      order_id=delivered_order(shop, [("wijn", 1, {})]).pk)
    other_account = world_a.extra["invoice"]
    client.force_login(shop.buyer.user)
    mine = client.get(f"/{shop.coop.slug}/invoices/mine/").content.decode()
    assert theirs.number in mine and other_account.number not in mine and consumer.number not in mine
    api = client.get(f"/api/v1/{shop.coop.slug}/invoices/").json()["results"]
    assert [row["number"] for row in api] == [theirs.number]
    assert api[0]["payment_status"] == "unpaid" and api[0]["open_amount"] == str(theirs.payable_amount)


def test_payments_import_api_for_managers_only(client, shop, world_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    invoice = world_a.extra["invoice"]
    url = f"/api/v1/{shop.coop.slug}/payments/import/"
    data = camt(camt_entry("A1", str(invoice.payable_amount), structured(invoice.payment_reference)))
    client.force_login(shop.buyer.user)
    assert client.post(url, {"statement": SimpleUploadedFile("s.xml", data)}).status_code == 403
    client.force_login(world_a.admin)
    report = client.post(url, {"statement": SimpleUploadedFile("s.xml", data)}).json()
    assert report["format"] == "camt053" and report["matched"][0]["invoices"] == [invoice.number]
    again = client.post(url, {"statement": SimpleUploadedFile("s.xml", data)}).json()
    assert again["already_imported"] == 1 and again["matched"] == []
    bad = client.post(url, {"statement": SimpleUploadedFile("s.txt", b"hello")})
    assert bad.status_code == 400 and "CAMT.053" in bad.json()["detail"]
    listed = client.get(f"/api/v1/{shop.coop.slug}/payments/?status=matched").json()["results"]
    assert [row["allocations"] for row in listed] == [[{"invoice": invoice.number, "amount": str(
        invoice.payable_amount)}]]
    detail = client.get(f"/api/v1/{shop.coop.slug}/invoices/{invoice.pk}/").json()
    assert (detail["payment_status"], detail["open_amount"]) == ("paid", "0.00")


def test_the_invoice_list_shows_what_is_paid_and_open(admin, shop, world_a, django_assert_max_num_queries):
    from invoicing.services.matching import invoice_payment_record

    invoice = world_a.extra["invoice"]
    with scope(coop=shop.coop):
        invoice_payment_record(invoice_id=invoice.pk, amount="1.00", received_on=timezone.localdate())
    with django_assert_max_num_queries(15):
        html = admin.get(f"/{shop.coop.slug}/invoices/").content.decode()
    assert "status-partly_paid" in html and f"€ {invoice.payable_amount - 1}".replace(".", ",") in html
