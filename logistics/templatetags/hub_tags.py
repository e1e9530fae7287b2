"""Template filters for hub pages."""

from decimal import InvalidOperation

from django import template

from coop.numbers import display

register = template.Library()


@register.filter
def qty(value):
    """A quantity without trailing zeros, in the active language: 10, 1,5, 0,125 (never 1E+1)."""
    if value in (None, ""):
        return ""
    try:
        return display(value)
    except (InvalidOperation, TypeError, ValueError):
        return value  # what was typed, shown back as it was


@register.filter
def unit(value):
    """A sell unit's name in the active language ("stuk", "bos"), from its stored code ("piece", "bunch")."""
    from catalog.models import Unit

    try:
        return Unit(value).label
    except ValueError:
        return value
