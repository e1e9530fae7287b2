"""Cost sharing and break-even (issue 11 item 7): costs per month, allocation keys, the dashboard's figures,
its pages and API, and who may see them."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_scopes import scope
from hypothesis import given, settings
from hypothesis import strategies as st

from coop import money
from invoicing.models import CostEntry
from invoicing.services.allocation import allocate, month_allocation
from invoicing.services.costs import (
    cost_entries_refresh_from_planning,
    cost_entry_create,
    cost_entry_update,
)
from invoicing.services.delivered import Delivered, delivered, with_delivered
from invoicing.services.drafts import invoice_draft_for_orders
from invoicing.services.economics import break_even_turnover, delivered_lines, delivered_orders, economics_months
from logistics.models import PlanningRun, Route, Stop, Vehicle
from orders.models import Order, OrderLine
from tests import factories

from .conftest import delivered_order
from .test_properties import SETTINGS as PROPERTY_SETTINGS
from .test_properties import order_lines

MONTH = date(2025, 6, 1)  # far from the worlds' own orders (they deliver this week)


# --- the split itself ---------------------------------------------------------------------------------------

cents = st.integers(min_value=-10**9, max_value=10**9).map(lambda c: Decimal(c) / 100)
weight = st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(total=cents, weights=st.dictionaries(st.integers(1, 10**6), weight, min_size=1, max_size=40))
def test_allocation_adds_up_to_the_cent_and_stays_within_a_cent_of_the_exact_share(total, weights):
    if not sum(weights.values()):
        with pytest.raises(ValueError):
            allocate(total, weights)
        return
    parts = allocate(total, weights)
    assert sum(parts.values()) == total
    assert set(parts) == set(weights)
    whole = sum(weights.values())
    for key, part in parts.items():
        assert part == part.quantize(Decimal("0.01"))
        assert abs(part - total * weights[key] / whole) < Decimal("0.01")
        if weights[key] == 0:
            assert part == 0
    # only the weights decide, not the order they come in
    assert allocate(total, dict(reversed(list(weights.items())))) == parts


def test_allocation_gives_leftover_cents_deterministically():
    # 1.00 over three equal weights: 0.34 to the smallest key, whatever the order
    assert allocate(Decimal("1.00"), {3: 1, 1: 1, 2: 1}) == {1: Decimal("0.34"), 2: Decimal("0.33"),
                                                             3: Decimal("0.33")}
    assert allocate(Decimal("-1.00"), {1: 1, 2: 1, 3: 1})[1] == Decimal("-0.34")
    with pytest.raises(ValueError):
        allocate(Decimal("1.005"), {1: 1})
    with pytest.raises(ValueError):
        allocate(Decimal("1"), {1: -1, 2: 2})


# --- break-even -----------------------------------------------------------------------------------------------

def test_break_even_is_costs_over_the_margin_rate():
    # turnover 1,000 with a 20 % margin; costs 150: the margin pays the costs at 750 of turnover
    assert break_even_turnover(costs=Decimal("150"), turnover=Decimal("1000"), margin=Decimal("200")) == \
        Decimal("750.00")
    assert break_even_turnover(costs=Decimal("150"), turnover=Decimal("1000"), margin=Decimal("0")) is None
    assert break_even_turnover(costs=Decimal("150"), turnover=Decimal("1000"), margin=Decimal("-5")) is None


@settings(max_examples=200, deadline=None)
@given(turnover=st.integers(1, 10**8), margin_permille=st.integers(1, 1000), costs=st.integers(0, 10**8))
def test_at_the_break_even_turnover_the_margin_pays_the_costs(turnover, margin_permille, costs):
    turnover, costs = Decimal(turnover) / 100, Decimal(costs) / 100
    margin = (turnover * margin_permille / 1000).quantize(Decimal("0.01"))
    if margin <= 0:
        return
    needed = break_even_turnover(costs=costs, turnover=turnover, margin=margin)
    # the margin earned at that turnover, at the same rate, is the costs (to within the rounding of one cent)
    assert abs(needed * margin / turnover - costs) <= Decimal("0.01") * margin / turnover + Decimal("1e-20")


# --- a month of deliveries ------------------------------------------------------------------------------------

def _set_producer_prices(order: Order, factor: str) -> None:
    """delivered_order pays producers the sale price; give the coop a margin: producer price = unit net x factor."""
    for line in OrderLine.objects.filter(order=order):
        OrderLine.objects.filter(pk=line.pk).update(
            producer_price=(line.unit_net * Decimal(factor)).quantize(Decimal("0.01")))


@pytest.fixture
def month(shop):
    """Three delivered orders in June 2025: two consumers (one in a shared cycle) and a kitchen."""
    with scope(coop=shop.coop):
        other = factories.MembershipFactory(coop=shop.coop, user__first_name="Bert", user__last_name="Claes")
        a = delivered_order(shop, [("wortelen", "10", {"unit_net": "2.00"}), ("wijn", 2, {"unit_net": "8.00"})],
                            delivered_on=date(2025, 6, 6))
        b = delivered_order(shop, [("wortelen", "30", {"unit_net": "2.00"})], customer=other,
                            delivered_on=date(2025, 6, 6))
        Order.objects.filter(pk=b.pk).update(cycle=a.cycle)  # the same week, the same round
        kitchen = delivered_order(shop, [("melk", 20, {"unit_net": "1.00"})], business=True,
                                  delivered_on=date(2025, 6, 20))
        for order in (a, b, kitchen):
            _set_producer_prices(order, "0.75")
        # not this month, or not delivered: never counted
        delivered_order(shop, [("wortelen", 5, {})], delivered_on=date(2025, 7, 1))
        delivered_order(shop, [("wortelen", 5, {})], delivered_on=date(2025, 6, 10), status=Order.Status.CANCELLED)
    return {"a": a, "b": b, "kitchen": kitchen}


def _cost(coop, category, **fields):
    return cost_entry_create(coop=coop, month=fields.pop("month", MONTH), category=category, **fields)


def test_month_figures_turnover_margin_costs_result_and_break_even(shop, month):
    with scope(coop=shop.coop):
        _cost(shop.coop, "hub_rent", amount="300.00")
        _cost(shop.coop, "vehicle_km", quantity="120", unit_cost="0.35")  # 42.00
        june = economics_months(last=MONTH, count=2)[-1]
    # a: 10 x 2.00 + 2 x 8.00 = 36.00; b: 60.00; kitchen: 20 x 1.00 = 20.00
    assert (june.month, june.orders, june.turnover) == (MONTH, 3, Decimal("116.00"))
    assert june.purchase == Decimal("87.00")  # 75 % of it
    assert (june.margin, june.margin_percent) == (Decimal("29.00"), Decimal("25.00"))
    assert (june.costs, june.result) == (Decimal("342.00"), Decimal("-313.00"))
    assert june.break_even_turnover == Decimal("1368.00")  # 342 / 25 %
    assert june.cost_per_order == Decimal("114.00")


def test_every_cost_is_shared_to_the_cent_over_orders_groups_and_producers(shop, month):
    from catalog.models import PriceGroup, PriceGroupMember

    with scope(coop=shop.coop):
        group = PriceGroup.objects.create(coop=shop.coop, code="zorg", name="Zorg", margin_percent=8)
        PriceGroupMember.objects.create(coop=shop.coop, price_group=group, account=shop.account)
        _cost(shop.coop, "hub_rent", amount="300.01")  # per crate
        _cost(shop.coop, "software", amount="100.00")  # per order
        _cost(shop.coop, "packaging", amount="0.07", allocation_key="kg")
        _cost(shop.coop, "vehicle_km", quantity="100", unit_cost="0.333")  # per km, no plan -> per kg
        result = month_allocation(month=MONTH)
    assert result.total == Decimal("433.38") and result.unallocated == 0
    assert {k.key: k.used_key for k in result.keys} == {"crate": "crate", "order": "order", "kg": "kg", "km": "kg"}
    orders = {o.figures.order_id: o for o in result.orders}
    assert set(orders) == {o.pk for o in month.values()}
    assert sum(o.cost for o in orders.values()) == result.total
    for order in orders.values():
        assert sum(order.by_key.values()) == order.cost
    # per order: 100 / 3 each, the leftover cent to the first order
    assert sorted(o.by_key["order"] for o in orders.values()) == [Decimal("33.33"), Decimal("33.33"),
                                                                     Decimal("33.34")]
    assert sum(g.cost for g in result.groups) == result.total
    assert [(g.key, g.orders) for g in result.groups] == [("consumers", 2), (f"price_group:{group.pk}", 1)]
    assert sum(p.cost for p in result.producers) + result.without_producer == result.total
    # b has 30 kg of carrots, a 10 kg and wine: per kg, b carries three times a's carrots
    assert orders[month["b"].pk].by_key["kg"] > orders[month["a"].pk].by_key["kg"]


def test_a_month_without_deliveries_leaves_its_costs_unallocated(shop):
    with scope(coop=shop.coop):
        _cost(shop.coop, "staff", amount="1000.00", month=date(2024, 2, 1))
        result = month_allocation(month=date(2024, 2, 1))
    assert (result.total, result.allocated, result.unallocated) == (Decimal("1000.00"), 0, Decimal("1000.00"))
    assert result.keys[0].used_key is None


def _plan(shop, cycle, *, km, loads, vehicle=None, day=None):
    """A published plan for `cycle` with one route of `km` delivering `loads` [(order, kg)]."""
    vehicle = vehicle or Vehicle.objects.create(coop=shop.coop, key=f"v{Vehicle.objects.count()}", name="Bestelwagen",
                                                capacity_kg=700, capacity_crates=40)
    run = PlanningRun.objects.filter(cycle=cycle).first() or PlanningRun.objects.create(
        coop=shop.coop, cycle=cycle, status=PlanningRun.Status.PUBLISHED, published_at=timezone.now())
    route = Route.objects.create(coop=shop.coop, run=run, vehicle=vehicle, vehicle_key=f"v{vehicle.pk}@fri",
                                 day=day or cycle.delivery_date, km=km, hours=Decimal("3.5"))
    for n, (order, kg) in enumerate(loads, start=1):
        Stop.objects.create(coop=shop.coop, run=run, route=route, sequence=n, task_key=f"deliver:{route.pk}:{n}",
                            kind=Stop.Kind.DELIVER, name="Halte",
                            load={"orders": [{"id": order.pk, "kg": str(kg)}]})
    return vehicle, route


def test_km_costs_follow_the_routes_that_carried_the_order(shop, month):
    with scope(coop=shop.coop):
        a, b, kitchen = month["a"], month["b"], month["kitchen"]
        _van, _route = _plan(shop, a.cycle, km=Decimal("80"), loads=[(a, 10), (b, 30)])
        _cost(shop.coop, "vehicle_km", quantity_from_planning=True, unit_cost="0.50")  # 80 km -> 40.00
        _cost(shop.coop, "other", amount="10.00", allocation_key="km")
        result = month_allocation(month=MONTH)
    orders = {o.figures.order_id: o for o in result.orders}
    # 80 km shared 1:3 by kg; the kitchen's order was on no route
    assert (orders[a.pk].km, orders[b.pk].km, orders[kitchen.pk].km) == (20, 60, 0)
    assert (orders[a.pk].cost, orders[b.pk].cost, orders[kitchen.pk].cost) == \
        (Decimal("12.50"), Decimal("37.50"), Decimal("0"))


def test_a_vehicles_costs_go_to_the_orders_it_carried(shop, month):
    with scope(coop=shop.coop):
        a, b, kitchen = month["a"], month["b"], month["kitchen"]
        _van, _r = _plan(shop, a.cycle, km=Decimal("50"), loads=[(a, 10)])
        bike, _r = _plan(shop, a.cycle, km=Decimal("10"), loads=[(b, 30)])
        _cost(shop.coop, "vehicle_km", quantity_from_planning=True, unit_cost="1.00", vehicle=bike)
        result = month_allocation(month=MONTH)
    orders = {o.figures.order_id: o.cost for o in result.orders}
    assert orders == {a.pk: 0, b.pk: Decimal("10.00"), kitchen.pk: 0}


@PROPERTY_SETTINGS
@given(lines=order_lines())
def test_the_dashboard_counts_what_the_invoice_drafts_bill(shop, lines):
    """The one rule of what was delivered (invoicing.services.delivered) against the lines' meaning: the
    weighing when there is one, else the billed quantity for the share not short, to the gram; the dashboard's
    figures and the drafts' lines both follow it, with the drafts' line rounding."""
    with transaction.atomic(), scope(coop=shop.coop):
        order = delivered_order(shop, lines, business=True, delivered_on=date(2024, 5, 10))
        invoice = invoice_draft_for_orders(orders=[order])
        billed = {(li.order_line_id, li.kind): li.quantity for li in invoice.lines.all()}
        for line in delivered_lines(OrderLine.objects.filter(order=order)):
            assert line.d_units == line.quantity - line.short_quantity  # shortages are in sell units
            if line.weighed_quantity is not None:
                assert line.d_quantity == line.weighed_quantity
            else:
                exact = line.billed_quantity * line.d_units / line.quantity
                assert line.d_quantity == line.d_quantity.quantize(Decimal("0.001"))
                assert abs(line.d_quantity - exact) <= Decimal("0.0005")
            assert line.d_purchase == money.round_amount(line.d_quantity * line.producer_price)
            assert billed.get((line.pk, "goods"), 0) == line.d_quantity
            assert billed.get((line.pk, "deposit"), 0) == (line.d_units if line.deposit_per_unit else 0)
        figures = delivered_orders(date(2024, 5, 1), date(2024, 6, 1))[order.pk]
        assert figures.turnover == sum((li.line_net for li in invoice.lines.filter(kind="goods")), money.ZERO)
        transaction.set_rollback(True)


@pytest.mark.parametrize(("name", "short", "billed", "weighed", "units", "quantity"), [
    ("melk", "-2", None, None, 10, "10"),  # a negative shortage is none
    ("melk", "12", None, None, 0, "0"),  # and one larger than the line is the whole line
    ("melk", "4", None, None, 6, "6"),
    ("bloemkool", "3", "10.000", None, 7, "7.000"),  # the estimated kg for the share delivered
    ("bloemkool", "4", "1.000", None, 6, "0.600"),
    ("bloemkool", "7", "1.000", None, 3, "0.300"),
    ("bloemkool", "1", "1.111", None, 9, "1.000"),  # 0.9999 to the gram
    ("bloemkool", "5", "1.001", None, 5, "0.501"),  # 0.5005: half a gram up
    ("bloemkool", "1", "1.000", "2.345", 9, "2.345"),  # a weighing is what was delivered
])
def test_what_a_line_delivered_after_weighing_and_shortages(shop, name, short, billed, weighed, units, quantity):
    with scope(coop=shop.coop):
        order = delivered_order(shop, [(name, 10, {"short": Decimal(short), "weighed": weighed})],
                                delivered_on=date(2024, 5, 10))
        if billed:
            order.lines.update(billed_quantity=Decimal(billed))
        line = with_delivered(order.lines.all()).get()
    assert delivered(line) == Delivered(quantity=Decimal(quantity), sell_units=Decimal(units))


def test_what_was_delivered_is_read_from_lines_loaded_with_the_rule(shop):
    with scope(coop=shop.coop):
        order = delivered_order(shop, [("melk", 10, {})], delivered_on=date(2024, 5, 10))
        with pytest.raises(TypeError, match="with_delivered"):
            delivered(order.lines.get())


# --- cost entries -----------------------------------------------------------------------------------------------

def test_per_unit_costs_are_quantity_times_unit_cost_and_can_come_from_the_planning(shop, month):
    with scope(coop=shop.coop):
        van, route = _plan(shop, month["a"].cycle, km=Decimal("80.4"), loads=[(month["a"], 10)])
        km = _cost(shop.coop, "vehicle_km", quantity_from_planning=True, unit_cost="0.3333")
        days = _cost(shop.coop, "vehicle_day", quantity_from_planning=True, unit_cost="45", vehicle=van)
        hours = _cost(shop.coop, "driver_hours", quantity="7.5", unit_cost="31.20", description="Jan")
        assert (km.quantity, km.amount, km.allocation_key) == (Decimal("80.40"), Decimal("26.80"), "km")
        assert (days.quantity, days.amount) == (Decimal("1.00"), Decimal("45.00"))
        assert (hours.amount, hours.description) == (Decimal("234.00"), "Jan")
        # the plan changes: a refresh takes the new km; hand-entered quantities stay
        Route.objects.filter(pk=route.pk).update(km=Decimal("100"))
        assert cost_entries_refresh_from_planning(month=MONTH) == 1
        km.refresh_from_db()
        assert (km.quantity, km.amount) == (Decimal("100.00"), Decimal("33.33"))
        changed = cost_entry_update(entry_id=hours.pk, quantity="8")
        assert changed.amount == Decimal("249.60") and changed.unit_cost == Decimal("31.20")


@pytest.mark.parametrize(("category", "fields", "field"), [
    ("vehicle_km", {"quantity": "10"}, "unit_cost"),
    ("vehicle_km", {"unit_cost": "0.3"}, "quantity"),
    ("hub_rent", {}, "amount"),
    ("hub_rent", {"amount": "10", "quantity": "2"}, "quantity"),
    ("staff", {"amount": "10", "quantity_from_planning": True}, "quantity_from_planning"),
    ("software", {"amount": "-1"}, "amount"),
    ("software", {"amount": "1.005"}, "amount"),
    ("software", {"amount": "abc"}, "amount"),
    ("software", {"amount": "1e12"}, "amount"),
    ("software", {"amount": "5", "allocation_key": "per_mood"}, "allocation_key"),
    ("taxes", {"amount": "5"}, "category"),
])
def test_bad_cost_input_is_refused_with_a_message_per_field(shop, category, fields, field):
    with scope(coop=shop.coop), pytest.raises(ValidationError) as error:
        cost_entry_create(coop=shop.coop, month=MONTH, category=category, **fields)
    assert field in error.value.message_dict


def test_the_database_refuses_an_amount_that_is_not_quantity_times_unit_cost(shop):
    with scope(coop=shop.coop):
        entry = _cost(shop.coop, "driver_hours", quantity="2", unit_cost="10")
        with transaction.atomic(), pytest.raises(IntegrityError):
            CostEntry.objects.filter(pk=entry.pk).update(amount=Decimal("25.00"))
        with transaction.atomic(), pytest.raises(IntegrityError):
            CostEntry.objects.create(coop=shop.coop, month=date(2025, 6, 2), category="staff", amount=1,
                                     allocation_key="order")


# --- pages ----------------------------------------------------------------------------------------------------

def test_the_fixer_records_changes_and_deletes_a_cost_on_the_costs_page(client, shop, world_a):
    client.force_login(world_a.admin)
    base = f"/{shop.coop.slug}/economics/costs/"
    page = client.get(f"{base}?month=2025-06")
    assert page.status_code == 200 and "Geheime huur" not in page.content.decode()  # the world's cost is in 2026
    response = client.post(f"{base}?month=2025-06", {"month": "2025-06", "category": "driver_hours",
                                                     "quantity": "12.5", "unit_cost": "30", "description": "Jef"})
    assert response.status_code == 302 and response["Location"].endswith("?month=2025-06")
    with scope(coop=shop.coop):
        entry = CostEntry.objects.get(description="Jef")
    assert (entry.month, entry.amount, entry.allocation_key) == (MONTH, Decimal("375.00"), "km")
    listing = client.get(f"{base}?month=2025-06").content.decode()
    assert "Jef" in listing and ("375,00" in listing or "375.00" in listing)
    # bad input: the form comes back with the service's message on the field, nothing saved
    bad = client.post(base, {"month": "2025-06", "category": "hub_rent", "quantity": "3"})
    assert bad.status_code == 400 and "errorlist" in bad.content.decode()
    assert client.post(base, {"month": "juni", "category": "hub_rent", "amount": "3"}).status_code == 400
    edit = f"{base}{entry.pk}/"
    assert client.get(edit).status_code == 200
    assert client.post(edit, {"month": "2025-06", "category": "driver_hours", "quantity": "10",
                              "unit_cost": "30", "description": "Jef"}).status_code == 302
    with scope(coop=shop.coop):
        entry.refresh_from_db()
        assert entry.amount == Decimal("300.00")
    assert client.post(f"{edit}delete/").status_code == 302
    with scope(coop=shop.coop):
        assert not CostEntry.objects.filter(pk=entry.pk).exists()


def test_the_dashboard_shows_the_month_its_chart_and_exports_csv(client, shop, world_a, month,
                                                                django_assert_max_num_queries):
    with scope(coop=shop.coop):
        _cost(shop.coop, "hub_rent", amount="300.00")
    client.force_login(world_a.admin)
    base = f"/{shop.coop.slug}/economics/"
    with django_assert_max_num_queries(30):
        page = client.get(f"{base}?month=2025-06")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and 'class="month-chart"' in html and "1368,00" not in html  # no planning, no km costs
    assert "116,00" in html or "116.00" in html  # turnover
    assert month["a"].number in html  # per order
    csv_text = client.get(f"{base}export.csv?month=2025-06").content.decode("utf-8-sig")
    lines = csv_text.splitlines()
    assert lines[0].startswith("month;orders;turnover") and len(lines) == 13
    assert lines[-1] == "2025-06;3;116.00;87.00;29.00;25.00;300.00;-271.00;1200.00;100.00"
    shares = client.get(f"{base}cost-shares.csv?month=2025-06").content.decode("utf-8-sig").splitlines()
    assert shares[0].startswith("level;id;name") and sum(1 for row in shares if row.startswith("order;")) == 3
    assert client.get(f"{base}?month=2025-13").status_code == 400


def test_only_managers_reach_the_economics_pages(client, shop, world_a):
    client.force_login(world_a.member.user)  # a consumer
    for url in ("", "export.csv", "costs/", "accounting/", "accounting/sales.csv",
                f"costs/{world_a.extra['cost_entry'].pk}/"):
        assert client.get(f"/{shop.coop.slug}/economics/{url}").status_code == 404
    assert client.post(f"/{shop.coop.slug}/economics/costs/", {"month": "2025-06", "category": "staff",
                                                               "amount": "1"}).status_code == 404
    with scope(coop=shop.coop):
        assert not CostEntry.objects.filter(month=MONTH).exists()


# --- API ------------------------------------------------------------------------------------------------------

def test_cost_entries_api_crud_for_managers_only(client, shop, world_a):
    url = f"/api/v1/{shop.coop.slug}/cost-entries/"
    client.force_login(world_a.member.user)
    assert client.get(url).status_code == 403
    assert client.post(url, {"month": "2025-06", "category": "staff", "amount": "5"}).status_code == 403
    client.force_login(world_a.admin)
    created = client.post(url, {"month": "2025-06", "category": "vehicle_day", "quantity": "4", "unit_cost": "55.5"},
                          content_type="application/json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["month"], data["amount"], data["allocation_key"]) == ("2025-06", "222.00", "km")
    assert [row["id"] for row in client.get(f"{url}?month=2025-06").json()["results"]] == [data["id"]]
    bad = client.post(url, {"month": "2025-06", "category": "hub_rent"}, content_type="application/json")
    assert bad.status_code == 400 and "amount" in bad.json()["errors"]
    changed = client.patch(f"{url}{data['id']}/", {"quantity": "5"}, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["amount"] == "277.50"
    assert client.delete(f"{url}{data['id']}/").status_code == 204
    assert client.get(f"{url}?month=2025-06").json()["results"] == []


def test_economics_api_gives_the_months_figures_and_shares(client, shop, world_a, month):
    with scope(coop=shop.coop):
        _cost(shop.coop, "software", amount="30.00")
    client.force_login(world_a.admin)
    data = client.get(f"/api/v1/{shop.coop.slug}/economics/?month=2025-06").json()
    assert data["month"]["turnover"] == "116.00" and data["month"]["break_even_turnover"] == "120.00"
    assert len(data["history"]) == 12 and data["history"][-1]["month"] == "2025-06"
    allocation = data["allocation"]
    assert allocation["total"] == allocation["allocated"] == "30.00"
    assert sorted(o["cost"] for o in allocation["orders"]) == ["10.00", "10.00", "10.00"]
    csv_response = client.get(f"/api/v1/{shop.coop.slug}/economics/export.csv?month=2025-06")
    assert csv_response.status_code == 200 and csv_response["Content-Type"].startswith("text/csv")
    assert client.get(f"/api/v1/{shop.coop.slug}/economics/?month=junk").status_code == 400
    client.force_login(world_a.member.user)
    assert client.get(f"/api/v1/{shop.coop.slug}/economics/?month=2025-06").status_code == 403


def test_demo_costs_fill_the_months_with_deliveries_once(shop):
    from invoicing.demo_costs import seed

    with scope(coop=shop.coop):
        delivered_order(shop, [("wortelen", 5, {})], delivered_on=timezone.localdate() - timedelta(days=35))
    seed({"coops": [{"slug": shop.coop.slug}]})
    with scope(coop=shop.coop):
        months = set(CostEntry.objects.values_list("month", flat=True))
        count = CostEntry.objects.count()
        assert months and all(m.day == 1 for m in months)
        assert CostEntry.objects.filter(category="vehicle_km", quantity__gt=0).exists()
        seed({"coops": [{"slug": shop.coop.slug}]})
        assert CostEntry.objects.count() == count
