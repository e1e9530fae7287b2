"""Display helpers for invoices, localised like Django's own number output (1,85 in Dutch and French)."""

from decimal import Decimal

from django import template
from django.utils import formats

from coop.numbers import plain

register = template.Library()


def _decimals(value: Decimal) -> int:
    return len(plain(value).partition(".")[2])


@register.filter
def unit_price(value) -> str:
    """Unit prices keep 2 to 4 decimals (they may carry more than amounts): 1,85 · 1,80 · 2,8302."""
    value = Decimal(value)
    return formats.number_format(value, decimal_pos=max(2, min(_decimals(value), 4)))


@register.filter
def quantity(value) -> str:
    """Quantities and rates without trailing zeros: 10 · 3,415 · 6."""
    value = Decimal(value)
    return formats.number_format(value, decimal_pos=_decimals(value))


@register.filter
def enterprise_number(digits: str) -> str:
    """0999010027 -> 0999.010.027, the way the KBO/BCE prints it."""
    digits = "".join(c for c in str(digits or "") if c.isdigit())
    return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}" if len(digits) == 10 else digits
