"""Producer settlements: amounts, regimes and their documents, numbering, idempotency, immutability."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import translation
from django_scopes import scope

from invoicing.models import Invoice, Series
from invoicing.settlements.compute import settlement_compute
from invoicing.settlements.issuing import settlement_issue, settlements_issue_period
from invoicing.settlements.models import SettledDocumentError, Settlement, SettlementLine
from invoicing.settlements.policy import month_period
from members.models import Producer
from orders.models import Order

from .settlement_world import deliver, make_farm

pytestmark = pytest.mark.django_db
OCTOBER = month_period(2026, 10)
ISSUED_ON = date(2026, 11, 3)


def _october(farm):
    deliver(farm, [("wortelen", "3", {"price": "1.85"}), ("bloemkool", "2", {"price": "2.40", "weighed": "2.615"}),
                   ("cider", "4", {"price": "3.10", "short": "1"})], on=date(2026, 10, 9))
    deliver(farm, [("wortelen", "2.5", {"price": "1.85"}), ("eieren", "3", {"price": "3.00"})],
            on=date(2026, 10, 23))
    # not in the period, or not delivered: never settled here
    deliver(farm, [("wortelen", "9", {"price": "1.85"})], on=date(2026, 11, 6))
    deliver(farm, [("wortelen", "9", {"price": "1.85"})], on=date(2026, 10, 16), status=Order.Status.CANCELLED)


def test_self_billing_amounts_fees_vat_and_invoice():
    farm = make_farm(fee_percent="10", fee_per_unit="0.05")
    _october(farm)
    with scope(coop=farm.coop):
        settlement = settlement_issue(producer_id=farm.producer.pk, period=OCTOBER, issue_date=ISSUED_ON)
        goods = {(li.delivery_date.day, li.description): li for li in settlement.lines.filter(kind="goods")}
        # weighed kilos, shortages: 2.615 kg cauliflower, 3 of 4 bottles of cider
        assert goods[(9, "Bloemkool")].quantity == Decimal("2.615")
        assert goods[(9, "Bloemkool")].line_net == Decimal("6.28")  # 2.615 x 2.40 = 6.276
        assert goods[(9, "Cider")].quantity == 3
        # 6 %: 5.55 + 6.28 + 4.63 (2.5 x 1.85 = 4.625) + 9.00 = 25.46; 21 %: 9.30
        assert settlement.goods_net == Decimal("34.76")
        # fees per rate: 6 %: 10 % of 25.46 = 2.55, units 3 + 2 + 2.5 + 3 = 10.5 x 0.05 = 0.53 (0.525);
        # 21 %: 0.93 + 3 x 0.05 = 0.15
        assert settlement.fees == Decimal("2.55") + Decimal("0.53") + Decimal("0.93") + Decimal("0.15")
        assert settlement.net == Decimal("34.76") - Decimal("4.16")
        # VAT once per rate on the net after fees: 6 % of 22.38 = 1.34, 21 % of 8.22 = 1.73
        assert settlement.vat == Decimal("1.34") + Decimal("1.73")
        assert settlement.total == settlement.net + settlement.vat
        invoice = settlement.invoice
        assert invoice.kind == Invoice.Kind.SELF_BILLING and invoice.is_issued
        assert invoice.series == Series.self_billing(farm.producer.pk)
        assert invoice.number == f"SB{farm.producer.pk}-2026-000001"
        assert invoice.seller["name"] == farm.producer.farm_name  # the producer supplies
        assert invoice.total_net == settlement.net and invoice.total_vat == settlement.vat
        assert "Autofacturatie" in invoice.note


def test_issuing_twice_returns_the_same_settlement_and_number():
    farm = make_farm()
    _october(farm)
    with scope(coop=farm.coop):
        first = settlement_issue(producer_id=farm.producer.pk, period=OCTOBER, issue_date=ISSUED_ON)
        again = settlement_issue(producer_id=farm.producer.pk, period=OCTOBER, issue_date=ISSUED_ON)
        issued, errors = settlements_issue_period(period=OCTOBER, issue_date=ISSUED_ON)
        assert again.pk == first.pk and [s.pk for s in issued] == [first.pk] and not errors
        assert Settlement.objects.count() == 1 and Invoice.objects.count() == 1


def test_flat_rate_farmer_gets_a_purchase_slip_with_the_compensation():
    farm = make_farm(vat_status=Producer.VatStatus.FLAT_RATE, agreed_on=None, fee_percent="5")
    deliver(farm, [("wortelen", "10", {"price": "1.85"}), ("eieren", "7", {"price": "3.15"})], on=date(2026, 10, 9))
    with scope(coop=farm.coop):
        settlement = settlement_issue(producer_id=farm.producer.pk, period=OCTOBER, issue_date=ISSUED_ON)
        assert settlement.document == Settlement.Document.PURCHASE_SLIP
        # goods 18.50 + 22.05 = 40.55; fee 5 % = 2.03 (2.0275); compensation 6 % of the price paid (38.52) = 2.31
        assert (settlement.goods_net, settlement.fees, settlement.net) == (
            Decimal("40.55"), Decimal("2.03"), Decimal("38.52"))
        assert settlement.vat == 0 and settlement.compensation == Decimal("2.31")
        assert settlement.total == Decimal("40.83")
        assert {li.compensation_percent for li in settlement.lines.all()} == {Decimal("6")}
        slip = settlement.invoice
        assert slip.kind == Invoice.Kind.PURCHASE_SLIP and slip.series == Series.PURCHASE_SLIP
        assert slip.number == "AB2026-000001" and slip.total_vat == settlement.compensation
        assert "Aankoopborderel" in slip.note and "Forfaitaire compensatie 6 %" in slip.note


def test_wood_from_a_flat_rate_farmer_gets_two_percent():
    from catalog.models import Category

    farm = make_farm(vat_status=Producer.VatStatus.FLAT_RATE, agreed_on=None)
    with scope(coop=farm.coop):
        wood = Category.objects.create(coop=farm.coop, slug="brandhout", name_nl="Brandhout")
        farm.products["wortelen"].category = wood
        farm.products["wortelen"].save(update_fields=["category"])
    deliver(farm, [("wortelen", "4", {"price": "12.50"}), ("eieren", "1", {"price": "3.00"})], on=date(2026, 10, 9))
    with scope(coop=farm.coop):
        settlement = settlement_issue(producer_id=farm.producer.pk, period=OCTOBER, issue_date=ISSUED_ON)
        # 2 % of 50.00 = 1.00 and 6 % of 3.00 = 0.18, each rate rounded once
        assert settlement.compensation == Decimal("1.18")


def test_small_business_and_producer_without_agreement_get_statements():
    exempt = make_farm(vat_status=Producer.VatStatus.SMALL_BUSINESS, agreed_on=date(2026, 1, 1))
    no_deal = make_farm(exempt.coop, agreed_on=None)
    late_deal = make_farm(exempt.coop, agreed_on=date(2026, 12, 1))  # agreed after the issue date
    for farm in (exempt, no_deal, late_deal):
        deliver(farm, [("wortelen", "2", {"price": "2.00"}), ("cider", "1", {"price": "5.00"})], on=date(2026, 10, 9))
    with scope(coop=exempt.coop):
        issued, errors = settlements_issue_period(period=OCTOBER, issue_date=ISSUED_ON)
        assert not errors and len(issued) == 3
        by_producer = {s.producer_id: s for s in issued}
        small = by_producer[exempt.producer.pk]
        assert (small.document, small.statement_reason) == ("statement", "small_business")
        assert small.vat == 0 and small.total == Decimal("9.00") and small.invoice is None
        for farm in (no_deal, late_deal):
            statement = by_producer[farm.producer.pk]
            assert (statement.document, statement.statement_reason) == ("statement", "no_agreement")
            assert statement.invoice is None
            assert statement.vat == Decimal("0.24") + Decimal("1.05")  # what they invoice us: 6 % and 21 %
        assert not Invoice.objects.exists()


def test_self_billing_numbers_are_a_gapless_series_per_producer():
    first = make_farm()
    second = make_farm(first.coop)
    for farm in (first, second):
        deliver(farm, [("wortelen", "1", {})], on=date(2026, 9, 15))
        deliver(farm, [("wortelen", "1", {})], on=date(2026, 10, 15))
    with scope(coop=first.coop):
        for month, day in ((9, 2), (10, 3)):
            settlements_issue_period(period=month_period(2026, month), issue_date=date(2026, month + 1, day))
        numbers = {(s.producer_id, s.period_key): (s.invoice.number, s.number) for s in Settlement.objects.all()}
    p1, p2 = first.producer.pk, second.producer.pk
    assert numbers[(p1, "2026-09")][0] == f"SB{p1}-2026-000001"
    assert numbers[(p1, "2026-10")][0] == f"SB{p1}-2026-000002"
    assert numbers[(p2, "2026-09")][0] == f"SB{p2}-2026-000001"
    assert numbers[(p2, "2026-10")][0] == f"SB{p2}-2026-000002"
    assert sorted(n for _inv, n in numbers.values()) == [f"AF2026-00000{i}" for i in range(1, 5)]


def test_a_period_is_settled_once_it_ended_and_never_twice_through_an_overlap():
    from invoicing.settlements.policy import cycle_period

    farm = make_farm()
    order = deliver(farm, [("wortelen", "1", {})], on=date(2026, 10, 15))
    with scope(coop=farm.coop), translation.override("en"):  # the messages' wording is checked in English
        with pytest.raises(ValidationError, match="after it ends"):
            settlement_issue(producer_id=farm.producer.pk, period=OCTOBER, issue_date=date(2026, 10, 31))
        with pytest.raises(ValidationError, match="delivered nothing"):
            settlement_issue(producer_id=farm.producer.pk, period=month_period(2026, 9), issue_date=ISSUED_ON)
        settlement_issue(producer_id=farm.producer.pk, period=OCTOBER, issue_date=ISSUED_ON)
        # the coop switches to settling per cycle: October's cycles were settled with the month already
        with pytest.raises(ValidationError, match="overlaps"):
            settlement_issue(producer_id=farm.producer.pk, period=cycle_period(order.cycle), issue_date=ISSUED_ON)


def test_crates_balance_is_on_the_settlement():
    from django.utils import timezone

    from logistics.models import DepositMovement
    from tests import factories

    farm = make_farm()
    deliver(farm, [("wortelen", "1", {})], on=date(2026, 10, 15))
    with scope(coop=farm.coop):
        crate = factories.deposit_item(farm.coop, code="krat", value="4.00", kind="crate")
        for direction, quantity, day in (("out", 10, date(2026, 9, 20)), ("out", 6, date(2026, 10, 2)),
                                         ("back", 9, date(2026, 10, 20)), ("back", 5, date(2026, 11, 2))):
            movement = DepositMovement.objects.create(coop=farm.coop, item=crate, producer=farm.producer,
                                                      direction=direction, quantity=quantity)
            DepositMovement.objects.filter(pk=movement.pk).update(
                created_at=timezone.make_aware(timezone.datetime(day.year, day.month, day.day, 12)))
        settlement = settlement_issue(producer_id=farm.producer.pk, period=OCTOBER, issue_date=ISSUED_ON)
    assert settlement.crates == [{"code": "krat", "name": "Krat", "value": "4.00", "out": 6, "back": 9,
                                  "balance": 7, "balance_value": "28.00"}]


def test_an_issued_settlement_cannot_be_changed_by_the_orm_or_sql():
    farm = make_farm()
    deliver(farm, [("wortelen", "1", {})], on=date(2026, 10, 15))
    with scope(coop=farm.coop):
        settlement = settlement_issue(producer_id=farm.producer.pk, period=OCTOBER, issue_date=ISSUED_ON)
        line = settlement.lines.first()
        settlement.total = Decimal("1000.00")
        with pytest.raises(SettledDocumentError):
            settlement.save()
        with pytest.raises(SettledDocumentError):
            line.delete()
        for sql in (f"UPDATE invoicing_settlement SET total = 1000, net = 1000 WHERE id = {settlement.pk}",
                    f"DELETE FROM invoicing_settlementline WHERE id = {line.pk}",
                    f"UPDATE invoicing_settlementline SET line_net = 0 WHERE id = {line.pk}"):
            with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql)
        assert Settlement.objects.get(pk=settlement.pk).total == settlement_compute(
            producer=farm.producer, period=OCTOBER, on=ISSUED_ON).total


@pytest.mark.django_db(transaction=True)
def test_no_line_can_be_added_to_a_settlement_after_the_transaction_that_issued_it():
    farm = make_farm()
    deliver(farm, [("wortelen", "1", {})], on=date(2026, 10, 15))
    with scope(coop=farm.coop):
        settlement = settlement_issue(producer_id=farm.producer.pk, period=OCTOBER, issue_date=ISSUED_ON)
        with pytest.raises(IntegrityError), transaction.atomic():
            SettlementLine.objects.create(coop=farm.coop, settlement=settlement, position=99, description="extra",
                                          quantity=1, unit="kg", unit_price=100, line_net=100, vat_percent=6)
        assert settlement.lines.count() == 1
