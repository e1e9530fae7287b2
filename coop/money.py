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
    return round_amount(net * (1 + percent / 100))


def vat_of(net_sum: Decimal, percent: Decimal) -> Decimal:
    """VAT on the sum of line nets at one rate, rounded once."""
    return round_amount(net_sum * percent / 100)


def with_margin(price: Decimal, margin_percent: Decimal) -> Decimal:
    return round_amount(price * (1 + margin_percent / 100))
