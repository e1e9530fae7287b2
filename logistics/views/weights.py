"""Weights and shortages at the hub, on a phone: one input per weighed line (htmx saves it in place; without
JavaScript the form posts and comes back), and a shortage per product spread by the rule the fixer picks."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from catalog.models import Product
from coop.numbers import display
from coop.tenancy.access import has_coop_role
from members.models import MANAGER_ROLES
from orders.models import OrderCycle, OrderLine

from ..forms import ShortageForm, WeightForm
from ..services import hub
from . import selectors
from .access import hub_page, manager_page


def _product_param(value) -> int | None:
    return int(value) if str(value or "").isdigit() else None


def _weights_url(coop_slug: str, cycle_id: int, product_id: int | None, anchor: str = "") -> str:
    url = reverse("hub_weights", kwargs={"coop_slug": coop_slug, "cycle_id": cycle_id})
    if product_id:
        url += "?" + urlencode({"product": product_id})
    return url + (f"#{anchor}" if anchor else "")


def _empty_shortage() -> dict:
    return {"form": ShortageForm(), "shares": [], "rows": [], "applied": False, "error": ""}


def _weights_page(request, cycle: OrderCycle, product_id: int | None, *, errors=None, spread=None, status=200):
    sections = selectors.weighing_sections(cycle, product_id=product_id)
    for section in sections:  # what a plain (non-htmx) post left to show: its error or its spread
        section.shortage = (spread or {}).get(section.product_id) or _empty_shortage()
        for line in section.lines:
            line.entry_error = (errors or {}).get(line.pk, "")
    return render(request, "logistics/hub/weights.html", {
        "cycle": cycle, "product_id": product_id, "sections": sections, "products": selectors.cycle_products(cycle),
        "open_for_entry": cycle.status in hub.HUB_STATES, "is_manager": has_coop_role(request, *MANAGER_ROLES),
    }, status=status)


@hub_page
@require_GET
def weights(request, coop_slug, cycle_id):
    cycle = get_object_or_404(OrderCycle.objects.all(), pk=cycle_id)
    return _weights_page(request, cycle, _product_param(request.GET.get("product")))


@hub_page
@require_POST
def line_weight_save(request, coop_slug, cycle_id, order_line_id):
    cycle = get_object_or_404(OrderCycle.objects.all(), pk=cycle_id)
    line = get_object_or_404(OrderLine.objects.all(), pk=order_line_id, order__cycle=cycle)
    form = WeightForm(request.POST)
    error = None
    if form.is_valid():
        try:
            hub.line_record_weight(line_id=line.pk, weighed_kg=form.cleaned_data["weighed_kg"])
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = " ".join(form.errors.get("weighed_kg", [])) or _("Enter a weight.")
    if request.htmx:
        return render(request, "logistics/hub/_weight_line.html", {
            "cycle": cycle, "line": selectors.line_for_display(line.pk), "error": error, "saved": error is None,
            "typed": request.POST.get("weighed_kg", ""), "product_id": _product_param(request.POST.get("product")),
            "open_for_entry": True}, status=400 if error else 200)
    product_id = _product_param(request.POST.get("product"))
    if error:
        return _weights_page(request, cycle, product_id, errors={line.pk: error}, status=400)
    line = selectors.line_for_display(line.pk)
    messages.success(request, _("%(order)s: %(product)s weighed %(kg)s kg, € %(amount)s.") % {
        "order": line.order.number, "product": line.product_name, "kg": display(line.weighed_quantity),
        "amount": number_format(line.line_amount, 2)})
    return redirect(_weights_url(coop_slug, cycle.pk, product_id, f"line-{line.pk}"))


@manager_page
@require_POST
def product_shortage(request, coop_slug, cycle_id, product_id):
    """Preview (the default button) or apply a shortage of one product, spread over the cycle's orders."""
    cycle = get_object_or_404(OrderCycle.objects.all(), pk=cycle_id)
    product = get_object_or_404(Product.objects.all(), pk=product_id)
    form = ShortageForm(request.POST)
    apply = "apply" in request.POST
    result = {**_empty_shortage(), "form": form}
    if form.is_valid():
        short, rule = form.cleaned_data["short_quantity"], form.cleaned_data["rule"]
        try:
            if apply:
                result["shares"] = hub.product_record_shortage(cycle_id=cycle.pk, product_id=product.pk,
                                                               short_quantity=short, rule=rule)
                result["applied"] = True
            else:
                lines = selectors.shortage_lines(cycle, product.pk)
                if not lines:
                    raise ValidationError(_("Nobody ordered this product in this cycle."))
                result["shares"] = hub.spread_shortage(lines, short, product.order_step, rule)
        except ValidationError as exc:
            result["error"] = " ".join(exc.messages)
        result["rows"] = [(s.order_number, s.ordered, s.short, s.ordered - s.short) for s in result["shares"]]
    status = 400 if (form.errors or result["error"]) else 200
    if request.htmx:
        return render(request, "logistics/hub/_spread.html", {
            "cycle": cycle, "pid": product.pk, "shortage": result, "unit": product.sell_unit,
            "product_id": _product_param(request.POST.get("product")), "open_for_entry": True}, status=status)
    if result["applied"]:
        messages.success(request, _("The shortage of %(product)s is spread over %(n)s orders.") % {
            "product": product.name_nl, "n": sum(1 for s in result["shares"] if s.short)})
    return _weights_page(request, cycle, _product_param(request.POST.get("product")),
                         spread={product.pk: result}, status=status)
