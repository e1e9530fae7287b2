"""The one place that computes what a customer pays for a product, with its breakdown.

Producers set their price (excl. VAT); the coop adds a transparent margin. The margin is the most
specific of: price group + category (or an ancestor category), price group, category, coop default.
A business customer's contract price replaces producer price + margin altogether.
Consumers see prices including VAT, business customers excluding VAT (DESIGN.md section 4).
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from coop import money

from .models import CategoryMargin, ContractPrice, PriceGroup, PriceGroupMember, ProducerPrice, Product, Unit


@dataclass(frozen=True)
class PriceBreakdown:
    producer_price: Decimal  # per price unit, excl. VAT: what the producer gets
    margin_percent: Decimal
    margin: Decimal  # per price unit, the coop's part
    unit_net: Decimal  # per price unit, excl. VAT
    vat_percent: Decimal
    unit_gross: Decimal  # per price unit, incl. VAT
    deposit: Decimal  # per sell unit, no VAT, shown separately
    price_unit: str
    source: str  # "margin" or "contract"
    comparison: tuple[Decimal, str] | None  # unit price incl. VAT per kg or per l (Directive 98/6/EC)

    @property
    def vat(self) -> Decimal:
        return self.unit_gross - self.unit_net

    def for_customer(self, *, business: bool) -> Decimal:
        return self.unit_net if business else self.unit_gross


def producer_price_subquery(at: datetime):
    """Annotate products with the producer price valid at `at` (one query for any number of products)."""
    return Subquery(
        ProducerPrice.objects.filter(product=OuterRef("pk"), valid_from__lte=at)
        .order_by("-valid_from").values("price")[:1]
    )


def with_producer_price(products, at: datetime | None = None):
    return products.annotate(producer_price_at=producer_price_subquery(at or timezone.now()))


class PricingContext:
    """Everything needed to price many products for one customer with a fixed number of queries."""

    def __init__(self, *, coop, account=None, at: datetime | None = None):
        self.coop = coop
        self.account = account
        self.at = at or timezone.now()
        self.on: date = timezone.localdate(self.at)
        self.price_group = self._price_group()
        self._margins = self._category_margins()
        self._contracts = self._contract_prices()
        self._parents: dict[int, int | None] | None = None

    @property
    def business(self) -> bool:
        return self.account is not None

    def _price_group(self):
        if self.account is None:
            return None
        member = PriceGroupMember.objects.filter(account=self.account).select_related("price_group").first()
        return member.price_group if member else None

    def _category_margins(self) -> dict[tuple[int, int | None], Decimal]:
        groups = [None] + ([self.price_group.pk] if self.price_group else [])
        rows = CategoryMargin.objects.filter(Q(price_group__isnull=True) | Q(price_group__in=groups[1:]))
        return {(r.category_id, r.price_group_id): r.margin_percent for r in rows}

    def _contract_prices(self) -> dict[int, Decimal]:
        if self.account is None:
            return {}
        rows = (ContractPrice.objects.filter(account=self.account, valid_from__lte=self.on)
                .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=self.on)).order_by("valid_from"))
        return {r.product_id: r.price for r in rows}  # the latest start wins

    def _ancestors(self, category_id: int):
        if self._parents is None:
            from .models import Category

            self._parents = dict(Category.objects.values_list("pk", "parent_id"))
        seen = set()
        while category_id is not None and category_id not in seen:
            seen.add(category_id)
            yield category_id
            category_id = self._parents.get(category_id)

    def margin_percent(self, category_id: int) -> Decimal:
        group_id = self.price_group.pk if self.price_group else None
        if group_id is not None:
            for cat in self._ancestors(category_id):
                if (cat, group_id) in self._margins:
                    return self._margins[(cat, group_id)]
            if self.price_group.margin_percent is not None:
                return self.price_group.margin_percent
        for cat in self._ancestors(category_id):
            if (cat, None) in self._margins:
                return self._margins[(cat, None)]
        return self.coop.default_margin_percent

    def price(self, product: Product, *, producer_price: Decimal | None = None, deposit: Decimal | None = None):
        """Price one product. `producer_price` overrides the product's (e.g. a price for one week's offer)."""
        if producer_price is None:
            producer_price = getattr(product, "producer_price_at", None)
            if producer_price is None and not hasattr(product, "producer_price_at"):
                producer_price = product_producer_price(product, at=self.at)
        if producer_price is None:
            return None
        vat_percent = money.vat_percent(product.vat_class, self.on)
        contract = self._contracts.get(product.pk)
        if contract is not None:
            unit_net, margin_percent, source = contract, Decimal("0"), "contract"
        else:
            margin_percent = self.margin_percent(product.category_id)
            unit_net, source = money.with_margin(producer_price, margin_percent), "margin"
        unit_gross = money.add_vat(unit_net, vat_percent)
        if deposit is None:
            deposit = product_deposit_per_unit(product)
        return PriceBreakdown(
            producer_price=producer_price, margin_percent=margin_percent, margin=unit_net - producer_price,
            unit_net=unit_net, vat_percent=vat_percent, unit_gross=unit_gross, deposit=deposit,
            price_unit=product.price_unit, source=source, comparison=comparison_price(product, unit_gross),
        )


def product_producer_price(product: Product, *, at: datetime | None = None) -> Decimal | None:
    row = (ProducerPrice.objects.filter(product=product, valid_from__lte=at or timezone.now())
           .order_by("-valid_from").values_list("price", flat=True).first())
    return row


def product_deposit_per_unit(product: Product) -> Decimal:
    """Deposit per sell unit; uses prefetched `deposits__item` when present."""
    total = sum((d.count * d.item.value for d in product.deposits.all()), Decimal("0"))
    return money.round_amount(total)


def comparison_price(product: Product, unit_gross: Decimal) -> tuple[Decimal, str] | None:
    """Price per kg or per litre incl. VAT, for comparison; None when the price already is per kg/l."""
    if product.price_unit in (Unit.KG, Unit.LITRE):
        return None
    if product.net_content and product.net_content > 0 and product.net_content_unit:
        return money.round_amount(unit_gross / product.net_content), product.net_content_unit
    return None


def price_for(product: Product, *, coop, account=None, at: datetime | None = None) -> PriceBreakdown | None:
    """Convenience for one product; use PricingContext for lists."""
    return PricingContext(coop=coop, account=account, at=at).price(product)


def price_groups():
    return PriceGroup.objects.all()
