"""Drafts from delivered orders: weighed quantities, shortages, deposits, consumer amounts; credit notes."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django_scopes import scope

from coop import money
from invoicing.models import Invoice
from invoicing.services.credit_notes import credit_note_for
from invoicing.services.drafts import DepositReturn, invoice_draft_for_orders
from invoicing.services.issuing import invoice_issue
from orders.models import Order

from .conftest import delivered_order


def _lines(invoice):
    return [(li.kind, li.description, li.quantity, li.unit_price, li.line_net, li.vat_category, li.vat_percent)
            for li in invoice.lines.all()]


@pytest.fixture(autouse=True)
def english_in_scope(shop):
    with translation.override("en"), scope(coop=shop.coop):
        yield


def test_business_lines_use_weighed_quantities_shortages_and_separate_deposits(shop):
    order = delivered_order(shop, [
        ("bloemkool", 4, {"unit_net": "2.40", "weighed": Decimal("4.530")}),  # weighed: invoice the kg
        ("tas", 5, {"unit_net": "0.99", "short": 2}),  # 2 bags not delivered
        ("melk", 10, {"unit_net": "1.29", "short": 1}),  # 9 litres and 9 deposits
    ], business=True)
    with scope(coop=shop.coop):
        draft = invoice_draft_for_orders(orders=[order])
    assert draft.series == "business" and draft.status == Invoice.Status.DRAFT and draft.number == ""
    assert sorted(_lines(draft), key=lambda r: r[1]) == [
        ("goods", "Bloemkool", Decimal("4.530"), Decimal("2.40"), Decimal("10.87"), "S", Decimal("6")),
        ("goods", "Melk", Decimal("9"), Decimal("1.29"), Decimal("11.61"), "S", Decimal("6")),
        # the invoice speaks the customer's language (Dutch here), whatever the page's language is
        ("deposit", "Statiegeld: Melk", Decimal("9"), Decimal("0.20"), Decimal("1.80"), "E", Decimal("0")),
        ("goods", "Tas", Decimal("3"), Decimal("0.99"), Decimal("2.97"), "S", Decimal("21")),
    ]
    # VAT per rate on the sum of rounded nets: 6 % of 22.48 = 1.3488 -> 1.35; 21 % of 2.97 = 0.6237 -> 0.62
    assert [(b.category, b.percent, b.taxable_amount, b.vat_amount) for b in draft.vat_breakdown.all()] == [
        ("E", Decimal("0"), Decimal("1.80"), Decimal("0")), ("S", Decimal("6"), Decimal("22.48"), Decimal("1.35")),
        ("S", Decimal("21"), Decimal("2.97"), Decimal("0.62"))]
    assert (draft.total_net, draft.total_vat, draft.total_gross, draft.payable_amount) == (
        Decimal("27.25"), Decimal("1.97"), Decimal("29.22"), Decimal("29.22"))
    assert draft.buyer["name"] == shop.account.name and draft.buyer["peppol_id"] == "0208:0765432146"
    assert draft.payment_terms_days == 30


def test_weighed_goods_without_a_weighing_are_scaled_by_the_share_delivered(shop):
    order = delivered_order(shop, [("bloemkool", 4, {"unit_net": "2.40", "short": 1})], business=True)
    with scope(coop=shop.coop):
        [line] = invoice_draft_for_orders(orders=[order]).lines.all()
    assert line.quantity == Decimal("3.600")  # 4 x 1.2 kg estimated, 3 of 4 delivered


def test_a_consumer_pays_what_the_shop_showed_and_the_invoice_shows_nets(shop):
    # 21 %: 3 x 0.80 net -> 0.97 gross each -> 2.91 gross; no net n has n + round(21 % of n) = 2.91
    order = delivered_order(shop, [("tas", 3, {"unit_net": "0.80"}), ("wortelen", 2, {"unit_net": "1.85"})])
    with scope(coop=shop.coop):
        invoice = invoice_issue(invoice_id=invoice_draft_for_orders(orders=[order]).pk, dispatch=False)
    shop_total = sum(li.line_amount for li in order.lines.all())
    assert invoice.prices_include_vat and invoice.series == "consumer"
    assert invoice.total_gross + invoice.rounding_amount == shop_total == invoice.payable_amount
    assert invoice.rounding_amount == Decimal("0.01")
    for row in invoice.vat_breakdown.all():
        assert row.vat_amount == money.vat_of(row.taxable_amount, row.percent)  # EN 16931 exactly
    assert invoice.total_net == sum(li.line_net for li in invoice.lines.all())
    assert invoice.payment_reference == order.payment_reference


def test_the_home_delivery_fee_is_a_line_at_the_food_rate(shop):
    order = delivered_order(shop, [("wortelen", 1, {"unit_net": "1.85"})], fee=Decimal("4.50"))
    with scope(coop=shop.coop):
        invoice = invoice_draft_for_orders(orders=[order])
    fee = invoice.lines.get(kind="fee")
    assert (fee.description, fee.vat_percent) == ("Thuislevering", Decimal("6"))
    assert invoice.total_gross + invoice.rounding_amount == Decimal("1.96") + Decimal("4.50")


def test_returned_crates_are_credited_on_the_invoice(shop):
    order = delivered_order(shop, [("melk", 6, {"unit_net": "1.29"})], business=True)
    with scope(coop=shop.coop):
        invoice = invoice_draft_for_orders(orders=[order], returned_deposits=[
            DepositReturn("Krat", Decimal("2"), Decimal("3.00"))])
    returned = invoice.lines.get(description="Teruggebracht: Krat")
    assert (returned.quantity, returned.unit_price, returned.line_net) == (Decimal("-2"), Decimal("3.00"),
                                                                          Decimal("-6.00"))
    assert invoice.vat_breakdown.get(category="E").taxable_amount == Decimal("1.20") - Decimal("6.00")


@pytest.mark.parametrize(("case", "message"), [
    ("placed", "Only delivered orders"),
    ("two_customers", "one customer"),
    ("mixed", "one business account"),
    ("twice", "Already invoiced"),
    ("empty", "at least one order"),
])
def test_orders_that_cannot_be_invoiced_are_refused(shop, world_a, case, message):
    order = delivered_order(shop, [("wortelen", 1, {})])
    orders = {
        "placed": [delivered_order(shop, [("wortelen", 1, {})], status=Order.Status.PLACED)],
        "two_customers": [order, delivered_order(shop, [("wortelen", 1, {})], customer=world_a.member)],
        "mixed": [order, delivered_order(shop, [("wortelen", 1, {})], business=True)],
        "twice": [order],
        "empty": [],
    }[case]
    with scope(coop=shop.coop):
        if case == "twice":
            invoice_draft_for_orders(orders=[order])
        with pytest.raises(ValidationError, match=message):
            invoice_draft_for_orders(orders=orders)


def test_an_order_can_be_invoiced_again_after_a_full_credit_note(shop):
    order = delivered_order(shop, [("wortelen", 2, {})], business=True)
    with scope(coop=shop.coop):
        first = invoice_issue(invoice_id=invoice_draft_for_orders(orders=[order]).pk, dispatch=False)
        credit = credit_note_for(invoice_id=first.pk)
        with pytest.raises(ValidationError, match="Already invoiced"):  # a draft credit note frees nothing yet
            invoice_draft_for_orders(orders=[order])
        invoice_issue(invoice_id=credit.pk, dispatch=False)
        again = invoice_draft_for_orders(orders=[order])
    assert again.total_gross == first.total_gross


def test_partial_credit_notes_never_credit_more_than_was_invoiced(shop):
    order = delivered_order(shop, [("wortelen", 10, {"unit_net": "1.85"}), ("wijn", 2, {"unit_net": "8.50"})],
                            business=True)
    with scope(coop=shop.coop):
        invoice = invoice_issue(invoice_id=invoice_draft_for_orders(orders=[order]).pk, dispatch=False)
        carrots = invoice.lines.get(description="Wortelen")
        credit = credit_note_for(invoice_id=invoice.pk, lines=[{"line_id": carrots.pk, "quantity": "3"}])
        assert (credit.kind, credit.credited_invoice_id, credit.total_net) == ("credit_note", invoice.pk,
                                                                               Decimal("5.55"))
        with pytest.raises(ValidationError, match="credit at most 7"):
            credit_note_for(invoice_id=invoice.pk, lines=[{"line_id": carrots.pk, "quantity": "8"}])
        with pytest.raises(ValidationError, match="not on this invoice"):
            credit_note_for(invoice_id=invoice.pk, lines=[{"line_id": 0, "quantity": "1"}])
        rest = credit_note_for(invoice_id=invoice.pk)
        with pytest.raises(ValidationError, match="already been credited"):
            credit_note_for(invoice_id=invoice.pk)
        with pytest.raises(ValidationError, match="Only an issued invoice"):
            credit_note_for(invoice_id=rest.pk)
        for draft in (credit, rest):
            invoice_issue(invoice_id=draft.pk, dispatch=False)
        credits = Invoice.objects.filter(credited_invoice=invoice)
        assert {c.number[:1] for c in credits} == {"C"}
        assert sum(c.total_gross for c in credits) == invoice.total_gross
        assert sum(c.total_vat for c in credits) == invoice.total_vat


def test_a_credit_note_cannot_be_issued_for_a_draft(shop):
    order = delivered_order(shop, [("wortelen", 1, {})])
    with scope(coop=shop.coop):
        draft = invoice_draft_for_orders(orders=[order])
        with pytest.raises(ValidationError, match="Only an issued invoice"):
            credit_note_for(invoice_id=draft.pk)
