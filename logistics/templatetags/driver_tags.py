"""Template filters for the driver's page and the route sheet."""

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def storage(value: str) -> str:
    """frozen / chilled / ambient in the active language."""
    labels = {"frozen": _("frozen"), "chilled": _("chilled"), "ambient": _("ambient")}
    return labels.get(value, value)


@register.filter
def crates_text(rows) -> str:
    """[("frozen", 1), ("ambient", 2)] -> "1 crate frozen, 2 crates ambient" (cooled first, as given)."""
    return ", ".join(ngettext("%(n)d crate %(storage)s", "%(n)d crates %(storage)s", count) % {
        "n": count, "storage": storage(kind)} for kind, count in rows or [])


@register.filter
def storage_count(order, kind: str) -> int:
    """Crates of one storage class in an order to hand over (0 when none)."""
    return order.count(kind)


@register.filter
def load_count(day, kind: str) -> int:
    """Crates of one storage class in a route's whole load."""
    return dict(day.load_crates).get(kind, 0)


@register.filter
def get_form(forms: dict, kind: str):
    """forms|get_form:kind — one of a stop card's forms by its kind."""
    return forms.get(kind)
