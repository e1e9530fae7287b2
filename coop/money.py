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


# --- EN 16931 documents (invoices, credit notes) ---------------------------------------------------------

@dataclass(frozen=True)
class CategoryTotal:
    """One VAT breakdown row (BG-23): lines grouped by VAT category code and rate."""

    category: str
    percent: Decimal
    net: Decimal
    vat: Decimal


def en16931_breakdown(lines) -> tuple[CategoryTotal, ...]:
    """(category, percent, rounded line net) triples -> one row per (category, percent), in a stable order.

    Taxable amount = sum of the rounded line nets; VAT = round(taxable x rate) once (BR-CO-17, vat.md section 7).
    """
    groups: dict[tuple[str, Decimal], Decimal] = {}
    for category, percent, net in lines:
        key = (category, Decimal(percent))
        groups[key] = groups.get(key, ZERO) + Decimal(net)
    return tuple(CategoryTotal(category, percent, net, vat_of(net, percent))
                 for (category, percent), net in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])))


def _largest_first_adjust(values: list[Decimal], weights: list[Decimal], target: Decimal) -> list[Decimal]:
    """Move `values` by whole cents, biggest weights first, until they sum to `target`."""
    values = list(values)
    diff = target - sum(values, ZERO)
    if not values:
        return values
    order = sorted(range(len(values)), key=lambda i: (-abs(weights[i]), i))
    step = CENT if diff > 0 else -CENT
    i = 0
    while diff != 0:
        values[order[i % len(order)]] += step
        diff -= step
        i += 1
    return values


@dataclass(frozen=True)
class GrossSplit:
    """A consumer's gross amounts at one rate, shown the EN 16931 way."""

    line_nets: tuple[Decimal, ...]
    net: Decimal
    vat: Decimal
    rounding: Decimal  # gross - net - vat: 0.00 unless no net fits exactly (then +-0.01)


def split_gross(gross_lines, percent) -> GrossSplit:
    """Consumer documents: the customer paid rounded gross amounts (prices incl. VAT); an invoice must show nets.

    Net total N is the amount near gross / (1 + rate) for which N + round(N x rate) equals the gross paid
    (closest when no N fits exactly, about 1 gross amount in 5 at 21 %); VAT = round(N x rate) as EN 16931 wants.
    The line nets are each line's gross / (1 + rate), rounded, moved by whole cents (largest lines first) so they
    add up to N. What does not fit (rounding, at most one cent) is the document's rounding amount (BT-114), so
    the amount payable stays exactly what the customer was charged.
    """
    percent = Decimal(percent)
    grosses = [Decimal(g) for g in gross_lines]
    gross = sum(grosses, ZERO)
    factor = 1 + percent / 100
    first = round_amount(gross / factor)
    candidates = [first + CENT * k for k in (0, -1, 1, -2, 2)]
    net = min(candidates, key=lambda n: abs(gross - n - vat_of(n, percent)))
    vat = vat_of(net, percent)
    nets = _largest_first_adjust([round_amount(g / factor) for g in grosses], grosses, net)
    return GrossSplit(line_nets=tuple(nets), net=net, vat=vat, rounding=gross - net - vat)


# --- Flat-rate farmers (forfaitaire landbouwregeling, shared/domain/vat.md section 6a) --------------------------

class CompensationClass:
    WOOD = "wood"  # supplies of wood (forestry)
    OTHER = "other"  # everything else under the scheme


# The compensation a VAT-registered buyer pays a flat-rate farmer on top of the price (KB no. 22); same
# validity-date table as VAT_RATES, so a change is a new row, not an edit.
FLAT_RATE_COMPENSATION = (
    VatRate(CompensationClass.WOOD, Decimal("2"), date(1992, 1, 1)),
    VatRate(CompensationClass.OTHER, Decimal("6"), date(1992, 1, 1)),
)


def compensation_percent(compensation_class: str, on: date | None = None) -> Decimal:
    on = on or date.today()
    rows = [r for r in FLAT_RATE_COMPENSATION if r.vat_class == compensation_class and r.valid_from <= on]
    if not rows:
        raise ValueError(f"no flat-rate compensation for {compensation_class!r} on {on}")
    return max(rows, key=lambda r: r.valid_from).percent


def compensation_of(price_sum: Decimal, percent: Decimal) -> Decimal:
    """Computed on the price excluding the compensation, rounded once per rate (like VAT per rate)."""
    return round_amount(Decimal(price_sum) * Decimal(percent) / 100)
