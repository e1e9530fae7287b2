"""Property test (hypothesis) over random deliveries: settlement amounts are the delivered lines at the producer's
prices minus the agreed fees, and a flat-rate farmer's compensation is computed as shared/domain/vat.md 6a says
(6 % of the price excluding compensation, rounded once per rate). The expected amounts are computed here from the
raw deliveries, independently of invoicing.settlements."""

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django_scopes import scope
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoicing.settlements.compute import settlement_compute
from invoicing.settlements.policy import month_period
from members.models import Producer

from .settlement_world import deliver, make_farm

CENT = Decimal("0.01")
VAT = {"wortelen": Decimal("6"), "bloemkool": Decimal("6"), "eieren": Decimal("6"), "cider": Decimal("21")}


def _r(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


prices = st.decimals(min_value=Decimal("0.10"), max_value=Decimal("25"), places=2)
line = st.one_of(
    st.tuples(st.sampled_from(["wortelen", "eieren", "cider"]), st.integers(1, 12), prices,
              st.integers(0, 12), st.just(None)),
    st.tuples(st.just("bloemkool"), st.integers(1, 6), prices, st.just(0),
              st.decimals(min_value=Decimal("0.300"), max_value=Decimal("9"), places=3)),
)
deliveries = st.lists(st.tuples(st.sampled_from([3, 17]), line), min_size=1, max_size=6)


@pytest.mark.django_db
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(deliveries=deliveries, flat_rate=st.booleans(),
       fee_percent=st.decimals(min_value=Decimal("0"), max_value=Decimal("15"), places=2),
       fee_per_unit=st.decimals(min_value=Decimal("0"), max_value=Decimal("0.25"), places=3))
def test_settlement_is_delivered_lines_at_producer_prices_minus_fees(deliveries, flat_rate, fee_percent,
                                                                     fee_per_unit):
    farm = make_farm(vat_status=Producer.VatStatus.FLAT_RATE if flat_rate else Producer.VatStatus.NORMAL,
                     fee_percent=fee_percent, fee_per_unit=fee_per_unit)
    # one order per delivery line, so a product can come twice on a day at different prices
    for day, (name, quantity, price, short, weighed) in deliveries:
        deliver(farm, [(name, quantity, {"price": price, "short": min(short, quantity), "weighed": weighed})],
                on=date(2026, 10, day))
    # expected, from the raw deliveries: quantity delivered per (day, product, price), priced once
    groups = defaultdict(lambda: [Decimal("0"), Decimal("0")])  # kg or units invoiced, sell units delivered
    for day, (name, quantity, price, short, weighed) in deliveries:
        units = Decimal(quantity - min(short, quantity))
        group = groups[(day, name, price)]
        group[0] += weighed if weighed is not None else units
        group[1] += units
    rate_of = (lambda name: Decimal("6")) if flat_rate else VAT.__getitem__
    goods, units = defaultdict(lambda: Decimal("0")), defaultdict(lambda: Decimal("0"))
    for (_day, name, price), (quantity, sell_units) in groups.items():
        if quantity > 0:
            goods[rate_of(name)] += _r(quantity * price)
            units[rate_of(name)] += sell_units
    fees = {rate: (_r(goods[rate] * fee_percent / 100) if goods[rate] else Decimal("0"))
            + (_r(units[rate] * fee_per_unit) if units[rate] else Decimal("0")) for rate in goods}
    per_rate = {rate: _r((goods[rate] - fees[rate]) * rate / 100) for rate in goods}

    with scope(coop=farm.coop):
        plan = settlement_compute(producer=farm.producer, period=month_period(2026, 10), on=date(2026, 11, 2))
    assert plan.goods_net == sum(goods.values())
    assert plan.fee_total == sum(fees.values())
    assert plan.net == plan.goods_net - plan.fee_total
    if flat_rate:
        assert plan.vat == 0 and plan.compensation == sum(per_rate.values())
    else:
        assert plan.compensation == 0 and plan.vat == sum(per_rate.values())
    assert plan.total == plan.net + plan.vat + plan.compensation
    # every line adds up as printed: quantity x unit price = amount, rounded once
    for planned in plan.lines:
        assert planned.line_net == _r(planned.quantity * planned.unit_price)
