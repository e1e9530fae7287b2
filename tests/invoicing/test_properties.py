"""Property tests over random delivered orders (hypothesis): the EN 16931 sums always hold, the consumer pays
exactly what the shop showed, and crediting an invoice in full brings the balance back to zero."""

from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from django_scopes import scope
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coop import money
from invoicing.peppol.ubl import invoice_ubl
from invoicing.services.credit_notes import credit_note_for
from invoicing.services.delivered import delivered, with_delivered
from invoicing.services.drafts import invoice_draft_for_orders
from invoicing.services.issuing import invoice_issue

from .conftest import delivered_order, fatal, peppol_validate

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("60"), places=2)
kilos = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("25"), places=3)


@st.composite
def order_lines(draw):
    """[(offer name, quantity, extra)] with weighings and shortages, each product at most once."""
    names = draw(st.lists(st.sampled_from(["wortelen", "bloemkool", "melk", "wijn", "tas"]), min_size=1,
                          max_size=5, unique=True))
    lines = []
    for name in names:
        quantity = draw(kilos) if name == "wortelen" else Decimal(draw(st.integers(1, 40)))
        extra = {"unit_net": draw(prices)}
        if name == "bloemkool" and draw(st.booleans()):
            extra["weighed"] = draw(kilos)
        if draw(st.booleans()) and quantity >= 1:
            extra["short"] = Decimal(draw(st.integers(0, int(quantity) - 1 if quantity == int(quantity) else 0)))
        lines.append((name, quantity, extra))
    return lines


orders_strategy = st.lists(order_lines(), min_size=1, max_size=3)


def _rollback():
    """Each example in a savepoint that is rolled back, so examples do not see each other's rows."""
    return transaction.atomic()


def _check_en16931(invoice):
    lines = list(invoice.lines.all())
    groups = defaultdict(lambda: money.ZERO)
    for line in lines:
        assert line.line_net == money.round_amount(line.line_net)
        groups[(line.vat_category, line.vat_percent)] += line.line_net
    breakdown = {(b.category, b.percent): b for b in invoice.vat_breakdown.all()}
    assert set(breakdown) == set(groups)
    for key, net in groups.items():
        assert breakdown[key].taxable_amount == net
        assert breakdown[key].vat_amount == money.vat_of(net, key[1])
    assert invoice.total_net == sum((li.line_net for li in lines), money.ZERO)
    assert invoice.total_vat == sum((b.vat_amount for b in breakdown.values()), money.ZERO)
    assert invoice.total_gross == invoice.total_net + invoice.total_vat
    assert invoice.payable_amount == invoice.total_gross - invoice.prepaid_amount + invoice.rounding_amount


@pytest.mark.parametrize("business", [True, False], ids=["business", "consumer"])
@SETTINGS
@given(orders=orders_strategy)
def test_invoice_totals_are_the_rounded_line_nets_plus_vat_per_rate(shop, business, orders):
    with _rollback(), scope(coop=shop.coop):
        made = [delivered_order(shop, lines, business=business) for lines in orders]
        invoice = invoice_draft_for_orders(orders=made)
        _check_en16931(invoice)
        if business:  # every goods line is quantity x unit price, rounded once
            for line in invoice.lines.filter(kind="goods"):
                assert line.line_net == money.round_amount(line.quantity * line.unit_price)
        else:  # the consumer is charged exactly the shop's gross amounts (deposits have no VAT)
            charged = money.ZERO
            for order in made:
                for ol in with_delivered(order.lines.all()):
                    done = delivered(ol)
                    charged += money.round_amount(done.quantity * ol.unit_gross) if done.quantity > 0 else 0
                    charged += money.round_amount(done.sell_units * ol.deposit_per_unit)
            assert invoice.total_gross + invoice.rounding_amount == charged
            assert abs(invoice.rounding_amount) <= Decimal("0.01") * 2
        transaction.set_rollback(True)


@pytest.mark.parametrize("business", [True, False], ids=["business", "consumer"])
@SETTINGS
@given(orders=orders_strategy, partial=st.booleans())
def test_crediting_a_whole_invoice_brings_the_balance_back_to_zero(shop, business, orders, partial):
    with _rollback(), scope(coop=shop.coop):
        made = [delivered_order(shop, lines, business=business) for lines in orders]
        invoice = invoice_issue(invoice_id=invoice_draft_for_orders(orders=made).pk, dispatch=False)
        credits = []
        if partial:  # first half of the first line, then the rest
            line = invoice.lines.first()
            half = money.round_quantity(line.quantity / 2)
            if 0 < half < line.quantity:
                credits.append(credit_note_for(invoice_id=invoice.pk, lines=[{"line_id": line.pk, "quantity": half}]))
        credits.append(credit_note_for(invoice_id=invoice.pk))
        credits = [invoice_issue(invoice_id=c.pk, dispatch=False) for c in credits]
        if len(credits) == 1:  # one credit note for everything mirrors the invoice exactly
            _check_en16931(credits[0])
        balance = (invoice.total_gross + invoice.rounding_amount
                   - sum(c.total_gross + c.rounding_amount for c in credits))
        assert balance == 0
        assert sum(c.total_vat for c in credits) == invoice.total_vat
        assert sum(c.total_net for c in credits) == invoice.total_net
        transaction.set_rollback(True)


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(orders=orders_strategy)
def test_every_random_business_invoice_is_peppol_valid(shop, orders):
    validate = peppol_validate()
    with _rollback(), scope(coop=shop.coop):
        made = [delivered_order(shop, lines, business=True, po="PO-1") for lines in orders]
        invoice = invoice_issue(invoice_id=invoice_draft_for_orders(orders=made).pk, dispatch=False)
        assert fatal(validate(invoice_ubl(invoice))) == []
        transaction.set_rollback(True)
