"""One statement import for orders and invoices: money on an invoiced order's OGM (or marked paid on the orders
page) reaches the invoice, one transfer pays several orders or consumer invoices and each order records its
part, an order's payment status is its invoice's, importing twice changes nothing, matching to an order by
hand, and the migration that links and repairs the payments recorded before."""

import importlib
from datetime import date
from decimal import Decimal

from django.apps import apps
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from coop.bank import parse_statement
from coop.payments import ogm_display
from invoicing.models import BankTransaction, InvoicePayment
from invoicing.selectors_billing import transactions_to_review
from invoicing.services.credit_notes import credit_note_for
from invoicing.services.issuing import invoice_issue
from invoicing.services.matching import statement_import
from invoicing.services.runs import invoice_on_request
from orders.models import Order, Payment
from orders.services.ordering import Destination, order_place
from tests import factories
from tests.orders.test_payments import camt, camt_entry, structured

from .conftest import delivered_order
from .test_matching import _state, entry

PAID, PARTLY, UNPAID = Order.PaymentStatus.PAID, Order.PaymentStatus.PARTLY_PAID, Order.PaymentStatus.UNPAID


def consumer_order(shop, unit_net="8.50", *, placed_total=None):
    """A delivered consumer order whose total as placed is `placed_total` (default: what it costs delivered)."""
    order = delivered_order(shop, [("wijn", 1, {"unit_net": unit_net})])
    with scope(coop=shop.coop):
        gross = order.lines.get().line_amount
        Order.objects.filter(pk=order.pk).update(total_to_pay=placed_total or gross)
        return Order.objects.get(pk=order.pk)


def order_state(order):
    order.refresh_from_db()
    return order.payment_status, order.paid_amount


def test_money_on_an_invoiced_orders_ogm_goes_to_its_invoice(world_a):
    """The reported problem: a payment imported after the invoice exists was only seen by the order."""
    invoice = world_a.extra["invoice"]
    with scope(coop=world_a.coop):
        order = invoice.orders.get()
        report = statement_import(entries=[entry("L1", "1.00", structured_ref=order.payment_reference)],
                                  source="camt053", coop=world_a.coop)
        tx = BankTransaction.objects.get(bank_reference="L1")
        assert report.matched == [(tx, [invoice.number])] and report.orders == []
        assert _state(invoice) == ("partly_paid", invoice.payable_amount - Decimal("1.00"))
        assert order_state(order) == (PARTLY, Decimal("1.00"))
        assert Payment.objects.get(order=order).invoice == invoice  # the order's share of the invoice payment


def test_marking_an_invoiced_order_paid_on_the_orders_page_pays_its_invoice(client, world_a):
    invoice = world_a.extra["invoice"]
    with scope(coop=world_a.coop):
        order = invoice.orders.get()
    client.force_login(world_a.admin)
    response = client.post(f"/{world_a.coop.slug}/manage/orders/{order.pk}/payment/", {
        f"o{order.pk}-amount": str(invoice.payable_amount), f"o{order.pk}-received_on": timezone.localdate()})
    assert response.status_code == 302
    with scope(coop=world_a.coop):
        assert _state(invoice) == ("paid", Decimal("0.00"))
        assert InvoicePayment.objects.get(invoice=invoice).matched_by == "hand"
        assert order_state(order) == (PAID, invoice.payable_amount)


def test_one_transfer_for_several_consumer_invoices_is_recorded_on_each_order(shop):
    """The reported problem: only the first order got its payment (one row per bank reference)."""
    orders = [consumer_order(shop, net) for net in ("8.50", "4.00", "12.00")]
    with scope(coop=shop.coop):
        invoices = [invoice_on_request(membership=shop.consumer, order_id=o.pk) for o in orders]
        text = "facturen " + " ".join(ogm_display(i.payment_reference) for i in invoices)
        total = sum(i.payable_amount for i in invoices)
        report = statement_import(entries=[entry("S1", str(total), text=text)], source="camt053", coop=shop.coop)
        tx = BankTransaction.objects.get(bank_reference="S1")
        assert report.matched == [(tx, [i.number for i in invoices])]
        for order, invoice in zip(orders, invoices, strict=True):
            assert _state(invoice) == ("paid", Decimal("0.00"))
            assert order_state(order) == (PAID, invoice.payable_amount)
            assert Payment.objects.get(transaction=tx, order=order).invoice == invoice
        assert not transactions_to_review().filter(pk=tx.pk).exists()


def test_one_transfer_for_several_webshop_orders_pays_each_and_shows_what_is_left(world_a):
    order = world_a.extra["order"]
    with scope(coop=world_a.coop):
        other = order_place(customer=factories.MembershipFactory(coop=world_a.coop),
                            cycle_id=world_a.extra["cycle"].pk, lines=[{"offer": world_a.extra["offer"].pk,
                                                                         "quantity": 1}],
                            destination=Destination("pickup", pickup_id=world_a.extra["pickup_slot"].pk))
        amount = order.total_to_pay + other.total_to_pay + Decimal("2.00")
        text = f"bestellingen {order.payment_reference} en {ogm_display(other.payment_reference)}"
        report = statement_import(entries=[entry("W2", str(amount), text=text)], source="camt053",
                                  coop=world_a.coop)
        tx = BankTransaction.objects.get(bank_reference="W2")
        assert report.orders == [(tx, [order.number, other.number])] and report.matched == []
        assert order_state(order) == (PAID, order.total_to_pay)
        assert order_state(other) == (PAID, other.total_to_pay)
        assert tx.status == BankTransaction.Status.ORDER
        [left] = transactions_to_review().filter(pk=tx.pk)  # paid 2.00 too much: the fixer sees it
        assert left.left_over == Decimal("2.00")


def test_an_orders_payment_status_is_its_invoices(shop):
    # Ordered for 20.00 and 15.00 paid; delivered short, the invoice (10.29) counts that as prepaid: paid.
    short = consumer_order(shop, "8.50", placed_total=Decimal("20.00"))
    # Half paid before delivery: the invoice is partly paid, then the rest on the same OGM pays both.
    half = consumer_order(shop, "8.50")
    with scope(coop=shop.coop):
        statement_import(entries=[entry("H1", "15.00", structured_ref=short.payment_reference),
                                  entry("H2", "5.00", structured_ref=half.payment_reference)],
                         source="camt053", coop=shop.coop)
        assert order_state(short) == (PARTLY, Decimal("15.00"))
        first = invoice_on_request(membership=shop.consumer, order_id=short.pk)
        assert first.prepaid_amount == first.total_gross == Decimal("10.29") and _state(first)[0] == "paid"
        assert order_state(short)[0] == PAID
        assert short.balance_due == 0  # no "transfer € 5.00" left on the order page, nor a QR code for it

        second = invoice_on_request(membership=shop.consumer, order_id=half.pk)
        assert second.prepaid_amount == Decimal("5.00") and _state(second)[0] == "partly_paid"
        assert order_state(half)[0] == PARTLY
        statement_import(entries=[entry("H3", str(second.payable_amount), structured_ref=half.payment_reference)],
                         source="camt053", coop=shop.coop)
        assert _state(second)[0] == "paid" and order_state(half) == (PAID, second.total_gross)


def test_a_credit_note_for_what_is_open_marks_the_order_paid(shop):
    order = consumer_order(shop, "10.00")
    with scope(coop=shop.coop):
        invoice = invoice_on_request(membership=shop.consumer, order_id=order.pk)
        statement_import(entries=[entry("C1", "6.00", structured_ref=order.payment_reference)], source="camt053",
                         coop=shop.coop)
        assert order_state(order)[0] == PARTLY
        credit = credit_note_for(invoice_id=invoice.pk)  # not delivered after all: all credited
        invoice_issue(invoice_id=credit.pk, dispatch=False)
        assert _state(invoice)[0] == "paid" and order_state(order)[0] == PAID


def snapshot(coop):
    with scope(coop=coop):
        return (list(BankTransaction.objects.order_by("pk").values_list("pk", "status", "note", "amount")),
                list(InvoicePayment.objects.order_by("pk").values_list("pk", "invoice", "transaction", "amount")),
                list(Payment.objects.order_by("pk").values_list("pk", "order", "transaction", "invoice", "amount")),
                list(Order.objects.order_by("pk").values_list("pk", "payment_status", "paid_amount")))


def test_importing_the_same_statement_twice_changes_nothing(shop, world_a):
    business_invoice = world_a.extra["invoice"]
    orders = [consumer_order(shop, net) for net in ("8.50", "4.00")]
    with scope(coop=shop.coop):
        invoices = [invoice_on_request(membership=shop.consumer, order_id=o.pk) for o in orders]
    webshop = world_a.extra["order"]
    combined = " ".join(i.payment_reference for i in invoices)
    data = camt(camt_entry("T1", "3.00", structured(business_invoice.payment_reference))
                + camt_entry("T2", str(sum(i.payable_amount for i in invoices) + 1), f"<Ustrd>{combined}</Ustrd>")
                + camt_entry("T3", str(webshop.total_to_pay), structured(webshop.payment_reference))
                + camt_entry("T4", "7.77", "<Ustrd>gift</Ustrd>")
                + camt_entry("T5", "50.00", "<Ustrd>huur</Ustrd>", credit=False))
    with scope(coop=shop.coop):
        first = statement_import(entries=parse_statement(data)[1], source="camt053", coop=shop.coop)
    assert (len(first.matched), len(first.orders), len(first.unmatched), first.debits) == (2, 1, 1, 1)
    before = snapshot(shop.coop)
    with scope(coop=shop.coop):
        again = statement_import(entries=parse_statement(data)[1], source="camt053", coop=shop.coop)
    assert again.already_imported == 4 and again.matched == again.orders == again.unmatched == []
    assert snapshot(shop.coop) == before


def test_the_payments_page_matches_an_entry_to_an_order_by_hand(client, world_a):
    tx, order = world_a.extra["bank_transaction"], world_a.extra["order"]  # 12.34 with no OGM; an open order
    client.force_login(world_a.admin)
    base = f"/{world_a.coop.slug}/invoices/payments/"
    detail = client.get(f"{base}{tx.pk}/").content.decode()
    assert f'name="order" value="{order.pk}"' in detail
    invoiced = world_a.extra["invoice"]  # an invoiced order is paid on its invoice, not offered as an order
    with scope(coop=world_a.coop):
        assert f'name="order" value="{invoiced.orders.get().pk}"' not in detail
    assert client.post(f"{base}{tx.pk}/", {"order": [order.pk]}).status_code == 302
    given = min(Decimal(str(tx.amount)), order.total_to_pay)
    with scope(coop=world_a.coop):
        assert order_state(order)[1] == given
        assert BankTransaction.objects.get(pk=tx.pk).status == BankTransaction.Status.ORDER
    listed = client.get(f"/api/v1/{world_a.coop.slug}/payments/{tx.pk}/").json()
    assert listed["order_payments"] == [{"order": order.number, "amount": str(given), "invoice": None}]
    assert order.number in client.get(base).content.decode()  # under "recently matched"


def test_the_migration_links_old_payments_and_adds_the_missing_order_payments(shop, world_a):
    migration = importlib.import_module("orders.migrations.0006_payments_linked_to_bank_transactions")
    webshop = world_a.extra["order"]
    orders = [consumer_order(shop, net) for net in ("8.50", "4.00")]
    with scope(coop=shop.coop):
        invoices = [invoice_on_request(membership=shop.consumer, order_id=o.pk) for o in orders]
        statement_import(entries=[entry("M1", str(sum(i.payable_amount for i in invoices)),
                                        text=" ".join(i.payment_reference for i in invoices))],
                         source="camt053", coop=shop.coop)
        tx = BankTransaction.objects.get(bank_reference="M1")
        # As the old code left it: the first order's payment without links, none for the second order ...
        Payment.objects.filter(order=orders[0]).update(transaction=None, invoice=None)
        Payment.objects.filter(order=orders[1]).delete()
        Order.objects.filter(pk=orders[1].pk).update(paid_amount=0, payment_status=UNPAID)
        # ... and a payment the webshop's own import recorded, with no bank entry stored
        Payment.objects.create(coop=shop.coop, order=webshop, amount="3.00", received_on=date(2026, 11, 2),
                               source="camt053", bank_reference="OLD-1", payer_name="Jan Klant")
    with scopes_disabled():
        migration.link(apps, None)
        migration.link(apps, None)  # safe to run twice
    with scope(coop=shop.coop):
        for order, invoice in zip(orders, invoices, strict=True):
            assert Payment.objects.get(order=order).transaction == tx
            assert Payment.objects.get(order=order).invoice == invoice
        assert order_state(orders[1]) == (PAID, invoices[1].payable_amount)
        old = BankTransaction.objects.get(bank_reference="OLD-1")
        assert (old.status, old.amount, old.note) == ("order", Decimal("3.00"), webshop.number)
        assert Payment.objects.get(bank_reference="OLD-1").transaction == old
        # importing that entry again now adds nothing
        again = statement_import(entries=[entry("OLD-1", "3.00", structured_ref=webshop.payment_reference)],
                                 source="camt053", coop=shop.coop)
        assert again.already_imported == 1 and Payment.objects.filter(order=webshop).count() == 1
