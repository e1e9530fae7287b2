"""Prices with exact Decimal amounts: margin resolution, contract prices, VAT classes, consumer vs business,
deposits shown apart, unit prices for comparison (catalog.pricing, the one place that computes prices)."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from catalog.models import CategoryMargin, ContractPrice, PriceGroup, PriceGroupMember, ProducerPrice, ProductDeposit
from catalog.pricing import PricingContext, price_for, with_producer_price
from catalog.selectors import products_for_display
from coop import money
from tests import factories

D = Decimal


@pytest.fixture
def shop(db):
    """A coop (default margin 25 %) with Groenten > Wortelgewassen and a kitchen in no price group yet."""
    with scopes_disabled():
        coop = factories.CooperativeFactory(default_margin_percent=25)
    with scope(coop=coop):
        root = factories.CategoryFactory(coop=coop, slug="groenten", name_nl="Groenten")
        child = factories.CategoryFactory(coop=coop, slug="wortel", name_nl="Wortelgewassen", parent=root)
        product = factories.ProductFactory(coop=coop, category=child, name_nl="Wortelen", price="2.00")
        kitchen = factories.BusinessAccountFactory(coop=coop)
        yield SimpleNamespace(coop=coop, root=root, child=child, product=product, kitchen=kitchen)


def _group(shop, margin):
    group = PriceGroup.objects.create(coop=shop.coop, code="keukens", name="Keukens", margin_percent=margin)
    PriceGroupMember.objects.create(coop=shop.coop, price_group=group, account=shop.kitchen)
    return group


def test_coop_default_margin_and_food_vat(shop):
    price = price_for(shop.product, coop=shop.coop)
    assert (price.producer_price, price.margin_percent, price.margin) == (D("2.00"), D("25"), D("0.50"))
    assert (price.unit_net, price.vat_percent, price.unit_gross) == (D("2.50"), D("6"), D("2.65"))
    assert price.vat == D("0.15") and price.source == "margin"


def test_margin_resolution_order(shop):
    """coop default < category (inherited by subcategories) < own category < price group < group + category."""
    consumer = lambda: price_for(shop.product, coop=shop.coop).unit_net  # noqa: E731
    business = lambda: price_for(shop.product, coop=shop.coop, account=shop.kitchen).unit_net  # noqa: E731
    assert consumer() == business() == D("2.50")  # 25 %: coop default

    CategoryMargin.objects.create(coop=shop.coop, category=shop.root, margin_percent=20)
    assert consumer() == business() == D("2.40")  # the parent's margin reaches its subcategory

    CategoryMargin.objects.create(coop=shop.coop, category=shop.child, margin_percent=10)
    assert consumer() == business() == D("2.20")  # the nearest category wins over its ancestor

    group = _group(shop, 15)
    assert business() == D("2.30")  # the price group beats category margins
    assert consumer() == D("2.20")  # consumers are in no price group

    CategoryMargin.objects.create(coop=shop.coop, category=shop.root, price_group=group, margin_percent=5)
    assert business() == D("2.10")  # price group + (ancestor) category beats the group's own margin
    CategoryMargin.objects.create(coop=shop.coop, category=shop.child, price_group=group, margin_percent=3)
    assert business() == D("2.06")  # ... and its own category beats the ancestor's
    assert consumer() == D("2.20")


def test_price_group_without_margin_falls_back_to_category_then_coop(shop):
    _group(shop, None)
    assert price_for(shop.product, coop=shop.coop, account=shop.kitchen).unit_net == D("2.50")
    CategoryMargin.objects.create(coop=shop.coop, category=shop.root, margin_percent=20)
    assert price_for(shop.product, coop=shop.coop, account=shop.kitchen).unit_net == D("2.40")


def test_contract_price_replaces_producer_price_and_margins(shop):
    group = _group(shop, 15)
    CategoryMargin.objects.create(coop=shop.coop, category=shop.child, price_group=group, margin_percent=3)
    today = timezone.localdate()
    ContractPrice.objects.create(coop=shop.coop, account=shop.kitchen, product=shop.product, price="1.95",
                                 valid_from=today - timedelta(days=30), valid_until=today - timedelta(days=1))
    ContractPrice.objects.create(coop=shop.coop, account=shop.kitchen, product=shop.product, price="2.15",
                                 valid_from=today - timedelta(days=5))
    price = price_for(shop.product, coop=shop.coop, account=shop.kitchen)
    assert (price.source, price.unit_net, price.margin_percent) == ("contract", D("2.15"), D("0"))
    assert price.margin == D("0.15") and price.unit_gross == D("2.28")  # 2.15 x 1.06 = 2.279
    assert price.for_customer(business=True) == D("2.15")
    # Other customers keep the margin price.
    assert price_for(shop.product, coop=shop.coop).unit_net == D("2.50")


def test_expired_contract_price_no_longer_applies(shop):
    ContractPrice.objects.create(coop=shop.coop, account=shop.kitchen, product=shop.product, price="1.00",
                                 valid_from=date(2025, 1, 1), valid_until=date(2025, 12, 31))
    assert price_for(shop.product, coop=shop.coop, account=shop.kitchen).source == "margin"


@pytest.mark.parametrize(("vat_class", "percent", "gross"), [("food", "6", "2.65"), ("alcohol", "21", "3.03"),
                                                             ("other", "21", "3.03")])
def test_vat_class_to_rate(shop, vat_class, percent, gross):
    assert money.vat_percent(vat_class) == D(percent)
    shop.product.vat_class = vat_class
    price = price_for(shop.product, coop=shop.coop)
    assert (price.vat_percent, price.unit_net, price.unit_gross) == (D(percent), D("2.50"), D(gross))


def test_consumer_sees_incl_vat_business_excl_vat(shop):
    _group(shop, 10)
    consumer = PricingContext(coop=shop.coop)
    business = PricingContext(coop=shop.coop, account=shop.kitchen)
    assert not consumer.business and business.business
    c, b = consumer.price(shop.product), business.price(shop.product)
    assert c.for_customer(business=consumer.business) == D("2.65")
    assert b.for_customer(business=business.business) == D("2.20")


def test_rounding_half_up_at_unit_price(shop):
    ProducerPrice.objects.create(coop=shop.coop, product=shop.product, price="1.99",
                                 valid_from=datetime(2026, 2, 1, tzinfo=ZoneInfo("Europe/Brussels")))
    price = price_for(shop.product, coop=shop.coop)
    assert price.unit_net == D("2.49")  # 1.99 x 1.25 = 2.4875
    assert price.unit_gross == D("2.64")  # 2.49 x 1.06 = 2.6394


def test_deposit_is_separate_from_the_price(shop):
    crate = factories.deposit_item(shop.coop, code="crate", value="3.00", kind="crate")
    bottle = factories.deposit_item(shop.coop, code="bottle", value="0.10")
    ProductDeposit.objects.create(coop=shop.coop, product=shop.product, item=crate, count=1)
    ProductDeposit.objects.create(coop=shop.coop, product=shop.product, item=bottle, count=6)
    price = price_for(shop.product, coop=shop.coop)
    assert price.deposit == D("3.60")
    assert price.unit_gross == D("2.65")  # no margin and no VAT on deposits


def test_unit_price_for_comparison(shop):
    shop.product.net_content, shop.product.net_content_unit = D("0.500"), "kg"
    price = price_for(shop.product, coop=shop.coop)
    assert price.comparison == (D("5.30"), "kg")  # 2.65 for 500 g
    shop.product.price_unit = "kg"
    assert price_for(shop.product, coop=shop.coop).comparison is None  # already per kg


def test_price_history_valid_price_and_next_price(shop):
    ProducerPrice.objects.create(coop=shop.coop, product=shop.product, price="3.00",
                                 valid_from=timezone.now() + timedelta(days=3))
    annotated = with_producer_price(type(shop.product).objects.filter(pk=shop.product.pk)).get()
    assert annotated.producer_price_at == D("2.00")  # the new price applies from its date on
    later = with_producer_price(type(shop.product).objects.filter(pk=shop.product.pk),
                                at=timezone.now() + timedelta(days=4)).get()
    assert later.producer_price_at == D("3.00")


def test_pricing_a_list_uses_a_fixed_number_of_queries(shop, django_assert_max_num_queries):
    for _ in range(10):
        factories.ProductFactory(coop=shop.coop, category=shop.child)
    _group(shop, 10)
    context = PricingContext(coop=shop.coop, account=shop.kitchen)
    with django_assert_max_num_queries(5):  # products + allergens + deposits; parents once
        prices = [context.price(p) for p in products_for_display(type(shop.product).objects.all())]
    assert len(prices) == 11 and all(p.unit_net == D("2.20") for p in prices)
