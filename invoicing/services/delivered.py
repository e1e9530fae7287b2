"""What of an order line counts as delivered: the one rule that invoices, settlements and the economics use.

The quantity invoiced is the weighing when the hub recorded one (it is what was delivered), otherwise the
billed quantity minus shortages. `OrderLine.short_quantity` is read in sell units (pieces, bunches ... not
delivered), clamped to the line's quantity; for goods without a weighing the billed quantity is scaled by the
share not short, to three decimals (PostgreSQL rounds numeric halves away from zero, as coop.money rounds
these positive quantities).

The rule is written once, in SQL, so that the economics can sum a year of lines in the database; the invoice
drafts read the same annotations from the lines they load (no extra query).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, DecimalField, ExpressionWrapper, F, QuerySet, Value, When
from django.db.models.functions import Coalesce, Greatest, Least, Round

DEC = DecimalField(max_digits=20, decimal_places=6)


def with_delivered(lines: QuerySet) -> QuerySet:
    """Order lines annotated with `d_units` (sell units that left the hub, for the deposits) and `d_quantity`
    (price units, kg for weighed goods: what is invoiced)."""
    short = Least(Greatest(Coalesce("short_quantity", Value(Decimal(0))), Value(Decimal(0))), F("quantity"))
    return (lines.annotate(d_units=ExpressionWrapper(F("quantity") - short, output_field=DEC))
            .annotate(d_quantity=Case(
                When(weighed_quantity__isnull=False, then=F("weighed_quantity")),
                When(short_quantity__gt=0, then=Round(F("billed_quantity") * F("d_units") / F("quantity"), 3)),
                default=F("billed_quantity"), output_field=DEC)))


@dataclass(frozen=True)
class Delivered:
    quantity: Decimal  # in price units (kg for weighed goods): what is invoiced
    sell_units: Decimal  # what left the hub, for the deposits


def delivered(line) -> Delivered:
    """What was delivered of a line loaded through with_delivered."""
    try:
        return Delivered(quantity=line.d_quantity, sell_units=line.d_units)
    except AttributeError:
        raise TypeError("Load order lines through invoicing.services.delivered.with_delivered "
                        "before asking what was delivered.") from None
