"""Template filters for hub pages."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def qty(value):
    """A quantity without trailing zeros, in the active language: 10, 1,5, 0,125 (never 1E+1)."""
    if value in (None, ""):
        return ""
    try:
        number = Decimal(value).normalize()
    except (InvalidOperation, TypeError, ValueError):
        return value  # what was typed, shown back as it was
    if number.as_tuple().exponent > 0:
        number = number.quantize(Decimal(1))
    return number_format(number)


@register.filter
def unit(value):
    """A sell unit's name in the active language ("stuk", "bos"), from its stored code ("piece", "bunch")."""
    from catalog.models import Unit

    try:
        return Unit(value).label
    except ValueError:
        return value
