"""Money, VAT and rounding: the one module that holds these rules (DESIGN.md section 4).

- Amounts are Decimal with 2 decimals, rounded ROUND_HALF_UP, only at the defined points:
  a unit price, a line (quantity x unit price), a VAT amount per rate (sum of nets at that rate x rate).
- Totals are sums of rounded parts (as EN 16931 / Peppol add up).
- VAT rates come from a table with validity dates, never from a constant spread through the code.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
QUANTITY = Decimal("0.001")
ZERO = Decimal("0.00")


def round_amount(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def round_quantity(value) -> Decimal:
    return Decimal(value).quantize(QUANTITY, rounding=ROUND_HALF_UP)


class VatClass:
    FOOD = "food"
    ALCOHOL = "alcohol"
    OTHER = "other"


@dataclass(frozen=True)
class VatRate:
    vat_class: str
    percent: Decimal
    valid_from: date


# Belgian rates by VAT class (shared/domain/vat.md section 1). Add a row with a later valid_from
# when a rate changes; documents keep the rate that applied on their date.
VAT_RATES = (
    VatRate(VatClass.FOOD, Decimal("6"), date(1992, 1, 1)),
    VatRate(VatClass.ALCOHOL, Decimal("21"), date(1996, 1, 1)),
    VatRate(VatClass.OTHER, Decimal("21"), date(1996, 1, 1)),
)


def vat_percent(vat_class: str, on: date | None = None) -> Decimal:
    """The VAT rate in percent for a class on a date (today when not given)."""
    on = on or date.today()
    candidates = [r for r in VAT_RATES if r.vat_class == vat_class and r.valid_from <= on]
    if not candidates:
        raise ValueError(f"no VAT rate for class {vat_class!r} on {on}")
    return max(candidates, key=lambda r: r.valid_from).percent


def add_vat(net: Decimal, percent: Decimal) -> Decimal:
    return round_amount(Decimal(net) * (1 + Decimal(percent) / 100))


def vat_of(net_sum: Decimal, percent: Decimal) -> Decimal:
    """VAT on the sum of line nets at one rate, rounded once."""
    return round_amount(net_sum * percent / 100)


def with_margin(price: Decimal, margin_percent: Decimal) -> Decimal:
    return round_amount(Decimal(price) * (1 + Decimal(margin_percent) / 100))


@dataclass(frozen=True)
class RateTotal:
    percent: Decimal
    net: Decimal
    vat: Decimal


@dataclass(frozen=True)
class Totals:
    net: Decimal
    vat: Decimal
    gross: Decimal
    by_rate: tuple[RateTotal, ...]


def document_totals(lines: list[tuple[Decimal, Decimal]], *, prices_include_vat: bool) -> Totals:
    """Totals of (rounded line amount, VAT percent) pairs.

    Business documents (prices excl. VAT) follow EN 16931: VAT per rate = round(sum of nets x rate).
    Consumer documents (prices incl. VAT, what the shop shows) keep the gross the customer saw:
    per rate, net = round(gross / (1 + rate)) and VAT = gross - net, so the price shown is the price charged.
    """
    per_rate: dict[Decimal, Decimal] = {}
    for amount, percent in lines:
        per_rate[Decimal(percent)] = per_rate.get(Decimal(percent), ZERO) + amount
    rates = []
    for percent, amount in sorted(per_rate.items()):
        if prices_include_vat:
            net = round_amount(amount / (1 + percent / 100))
            rates.append(RateTotal(percent, net, amount - net))
        else:
            rates.append(RateTotal(percent, amount, vat_of(amount, percent)))
    net = sum((r.net for r in rates), ZERO)
    vat = sum((r.vat for r in rates), ZERO)
    return Totals(net=net, vat=vat, gross=net + vat, by_rate=tuple(rates))
