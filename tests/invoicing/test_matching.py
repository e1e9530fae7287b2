"""Bank statements matched to invoices: OGM (structured or typed), partial and combined payments, IBAN and
amount, what stays unmatched, matching by hand, importing twice, and the invoice's payment status."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope

from coop.bank import StatementEntry, parse_statement
from coop.payments import ogm_display
from invoicing.models import BankTransaction, InvoicePayment
from invoicing.selectors_billing import invoice_payment_state, payment_status, transactions_to_review
from invoicing.services.matching import (
    invoice_payment_record,
    ogms_in,
    statement_import,
    transaction_ignore,
    transaction_match_by_hand,
)
from invoicing.services.runs import invoice_on_request
from orders.models import Order
from tests.orders.test_payments import camt, camt_entry, structured

from .conftest import delivered_order

IBAN = "BE68539007547034"


@pytest.fixture
def business(shop):
    """Three issued business invoices of the shop's account: 6.36, 10.60 and 21.20 (incl. 6 % VAT)."""
    from invoicing.services.runs import PlannedInvoice, invoice_planned

    invoices = []
    for quantity in ("3", "5", "10"):
        order = delivered_order(shop, [("wortelen", quantity, {"unit_net": "2.00"})], business=True)
        with scope(coop=shop.coop):
            planned = PlannedInvoice(kind="per_delivery", label="", order_ids=[order.pk], order_numbers=[],
                                     total_net=Decimal(0), total_gross=Decimal(0),
                                     business_account_id=shop.account.pk)
            invoices.append(invoice_planned(planned, until=date.today(), dispatch=False))
    return invoices


def entry(ref, amount, *, structured_ref="", text="", iban=IBAN, credit=True):
    return StatementEntry(reference=ref, amount=Decimal(amount), is_credit=credit, booking_date=date(2026, 11, 20),
                          structured=structured_ref, free_text=text, counterparty_name="De Linde vzw",
                          counterparty_iban=iban)


def _state(invoice):
    state = invoice_payment_state(invoice.pk)
    return payment_status(state), state.open_amount


def test_ogms_are_found_structured_and_typed_several_times():
    assert ogms_in("", "facturen +++202/6000/04236+++ en 123456789002, niet 123456789003") == [
        "202600004236", "123456789002"]
    assert ogms_in("202600004236", "202600004236") == ["202600004236"]


def test_a_structured_ogm_pays_an_invoice_and_importing_again_adds_nothing(shop, business):
    invoice = business[0]
    assert invoice.payable_amount == Decimal("6.36")
    data = camt(camt_entry("E1", "6.36", structured(invoice.payment_reference)))
    source, entries = parse_statement(data)
    with scope(coop=shop.coop):
        report = statement_import(entries=entries, source=source, coop=shop.coop)
        assert [numbers for _tx, numbers in report.matched] == [[invoice.number]]
        assert _state(invoice) == ("paid", Decimal("0.00"))
        again = statement_import(entries=parse_statement(data)[1], source=source, coop=shop.coop)
        assert again.already_imported == 1 and InvoicePayment.objects.count() == 1


def test_a_partial_payment_leaves_the_balance_open(shop, business):
    invoice = business[1]  # 10.60
    with scope(coop=shop.coop):
        statement_import(entries=[entry("P1", "4.00", text=f"factuur {ogm_display(invoice.payment_reference)}")],
                         source="camt053", coop=shop.coop)
        assert _state(invoice) == ("partly_paid", Decimal("6.60"))
        statement_import(entries=[entry("P2", "6.60", structured_ref=invoice.payment_reference)],
                         source="camt053", coop=shop.coop)
        assert _state(invoice) == ("paid", Decimal("0.00"))


def test_one_transfer_naming_several_ogms_pays_them_in_order(shop, business):
    first, second, third = business
    text = f"{first.payment_reference} {ogm_display(third.payment_reference)}"
    with scope(coop=shop.coop):
        report = statement_import(entries=[entry("C1", "20.00", text=text)], source="camt053", coop=shop.coop)
        assert report.matched[0][1] == [first.number, third.number]
        assert _state(first) == ("paid", Decimal("0.00"))
        assert _state(third) == ("partly_paid", Decimal("7.56"))  # 21.20 - (20.00 - 6.36)
        assert _state(second) == ("unpaid", Decimal("10.60"))


def test_without_ogm_the_payers_iban_and_the_sum_of_open_invoices_match(shop, business):
    first, second, third = business
    with scope(coop=shop.coop):
        # the first payment teaches the IBAN (OGM), then one transfer of exactly what is open pays the rest
        statement_import(entries=[entry("I1", "6.36", structured_ref=first.payment_reference)], source="camt053",
                         coop=shop.coop)
        report = statement_import(entries=[entry("I2", "31.80", text="facturen november")], source="camt053",
                                  coop=shop.coop)
        assert sorted(report.matched[0][1]) == sorted([second.number, third.number])
        assert _state(second)[0] == _state(third)[0] == "paid"
        # an amount that is neither one invoice nor the sum, or an unknown IBAN, stays for the fixer
        report = statement_import(entries=[entry("I3", "12.34", text="?"),
                                           entry("I4", "6.36", text="?", iban="BE71096123456769")],
                                  source="camt053", coop=shop.coop)
        assert len(report.unmatched) == 2 and report.matched == []


def test_unmatched_entries_are_listed_and_matched_or_set_aside_by_hand(shop, business, world_a):
    first, second, _third = business
    with scope(coop=shop.coop):
        report = statement_import(entries=[entry("U1", "14.00", text="voor de groenten", iban=""),
                                           entry("U2", "100.00", text="subsidie", iban=""),
                                           entry("D1", "50.00", text="huur", credit=False)],
                                  source="camt053", coop=shop.coop)
        assert report.debits == 1 and len(report.unmatched) == 2
        worlds_own = world_a.extra["bank_transaction"].bank_reference  # an unmatched entry of the probe world
        assert {tx.bank_reference for tx in transactions_to_review()} == {"U1", "U2", worlds_own}
        tx = BankTransaction.objects.get(bank_reference="U1")
        numbers = transaction_match_by_hand(transaction_id=tx.pk, invoice_ids=[second.pk, first.pk],
                                            user=world_a.admin)
        assert numbers == [first.number, second.number]  # oldest due first
        assert _state(first)[0] == "paid" and _state(second) == ("partly_paid", Decimal("2.96"))
        transaction_ignore(transaction_id=BankTransaction.objects.get(bank_reference="U2").pk, user=world_a.admin)
        assert list(transactions_to_review()) == [world_a.extra["bank_transaction"]]
        with pytest.raises(ValidationError):
            transaction_ignore(transaction_id=tx.pk)


def test_overpaying_shows_what_is_left_over(shop, business):
    invoice = business[0]
    with scope(coop=shop.coop):
        statement_import(entries=[entry("O1", "10.00", structured_ref=invoice.payment_reference)], source="camt053",
                         coop=shop.coop)
        [left] = transactions_to_review().filter(bank_reference="O1")
        assert left.left_over == Decimal("3.64") and _state(invoice) == ("paid", Decimal("0.00"))


def test_a_consumer_invoice_paid_on_its_order_ogm_marks_the_order_paid_too(shop):
    order = delivered_order(shop, [("wijn", 1, {"unit_net": "8.50"})])
    with scope(coop=shop.coop):
        invoice = invoice_on_request(membership=shop.consumer, order_id=order.pk)
        statement_import(entries=[entry("K1", str(invoice.payable_amount), structured_ref=order.payment_reference)],
                         source="camt053", coop=shop.coop)
        assert _state(invoice)[0] == "paid"
        assert Order.objects.get(pk=order.pk).payment_status == Order.PaymentStatus.PAID


def test_a_webshop_order_ogm_without_invoice_goes_to_the_order(shop):
    order = delivered_order(shop, [("wijn", 1, {"unit_net": "8.50"})])
    with scope(coop=shop.coop):
        Order.objects.filter(pk=order.pk).update(total_to_pay="10.29")  # the fixture writes no order totals
        report = statement_import(entries=[entry("W1", "3.00", structured_ref=order.payment_reference)],
                                  source="camt053", coop=shop.coop)
        assert [numbers for _tx, numbers in report.orders] == [[order.number]]
        assert Order.objects.get(pk=order.pk).paid_amount == Decimal("3.00")


def test_a_payment_recorded_by_hand_and_credit_notes_count(shop, business):
    from invoicing.services.credit_notes import credit_note_for
    from invoicing.services.issuing import invoice_issue

    invoice = business[2]  # 21.20
    with scope(coop=shop.coop):
        invoice_payment_record(invoice_id=invoice.pk, amount="10.00", received_on=date(2026, 11, 3))
        line = invoice.lines.first()
        credit = credit_note_for(invoice_id=invoice.pk, lines=[{"line_id": line.pk, "quantity": "5"}])
        invoice_issue(invoice_id=credit.pk, dispatch=False)
        assert _state(invoice) == ("partly_paid", Decimal("0.60"))  # 21.20 - 10.00 paid - 10.60 credited
        with pytest.raises(ValidationError):
            invoice_payment_record(invoice_id=invoice.pk, amount="0", received_on=date(2026, 11, 3))
