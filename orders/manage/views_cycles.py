"""Order cycles for fixers and admins: list, create, edit, extend the cut-off, open, cancel, pickup settings."""

from datetime import time

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from orders.forms_manage import CycleEditForm, CycleExtendForm, CycleForm, CyclePickupForm
from orders.models import CyclePickupPoint, OrderCycle
from orders.services import cycle_edits
from orders.services.cycles import cycle_accepts_orders, cycle_cancel, cycle_create, cycle_extend, local_datetime

from . import selectors
from .access import manager_page
from .common import add_errors, render_form_page


@manager_page
def manage_home(request, coop_slug):
    context = {"live_cycles": selectors.cycles_with_counts().filter(status__in=selectors.LIVE)}
    return render(request, "orders/manage/home.html", context)


@manager_page
@require_http_methods(["GET", "POST"])
def cycle_list(request, coop_slug):
    form = CycleForm(request.POST or None, prefix="new")
    if request.method == "POST" and form.is_valid():
        try:
            cycle = cycle_create(coop=request.coop, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Cycle %(name)s created as a draft.") % {"name": cycle.name})
            return redirect("manage_cycle_detail", coop_slug=coop_slug, cycle_id=cycle.pk)
    return render_form_page(request, "orders/manage/cycle_list.html",
                            {"cycles": selectors.cycles_with_counts()[:60], "form": form})


def _cycle(cycle_id):
    return get_object_or_404(selectors.cycles_with_counts(), pk=cycle_id)


def _edit_form(cycle, data=None):
    initial = {"name": cycle.name, "opens_at": cycle.opens_at, "delivery_date": cycle.delivery_date}
    return CycleEditForm(data, initial=initial, is_draft=cycle.status == OrderCycle.Status.DRAFT, prefix="edit")


def _detail_page(request, cycle, *, form=None, extend_form=None):
    context = {
        "cycle": cycle, "is_editable": cycle.status in selectors.LIVE,
        "form": form or _edit_form(cycle),
        "extend_form": extend_form or CycleExtendForm(initial={"cutoff_at": cycle.cutoff_at}, prefix="extend"),
        "accepts_orders": cycle_accepts_orders(cycle), "totals": selectors.cycle_order_totals(cycle),
    }
    return render_form_page(request, "orders/manage/cycle_detail.html", context)


@manager_page
@require_http_methods(["GET", "POST"])
def cycle_detail(request, coop_slug, cycle_id):
    cycle = _cycle(cycle_id)
    form = _edit_form(cycle, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cycle_edits.cycle_update(cycle_id=cycle.pk, name=form.cleaned_data["name"],
                                  delivery_date=form.cleaned_data["delivery_date"],
                                  opens_at=form.cleaned_data.get("opens_at"))
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Cycle saved."))
            return redirect("manage_cycle_detail", coop_slug=coop_slug, cycle_id=cycle.pk)
    return _detail_page(request, cycle, form=form)


@manager_page
@require_POST
def cycle_extend_view(request, coop_slug, cycle_id):
    cycle = _cycle(cycle_id)
    form = CycleExtendForm(request.POST, prefix="extend")
    if form.is_valid():
        try:
            cycle_extend(cycle_id=cycle.pk, cutoff_at=form.cleaned_data["cutoff_at"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            local = timezone.localtime(form.cleaned_data["cutoff_at"])
            messages.success(request, _("The cut-off is now %(when)s.") % {"when": local.strftime("%d/%m/%Y %H:%M")})
            return redirect("manage_cycle_detail", coop_slug=coop_slug, cycle_id=cycle.pk)
    return _detail_page(request, cycle, extend_form=form)


@manager_page
@require_POST
def cycle_cancel_view(request, coop_slug, cycle_id):
    cycle = _cycle(cycle_id)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm: every order of this cycle will be cancelled."))
        return redirect("manage_cycle_detail", coop_slug=coop_slug, cycle_id=cycle.pk)
    try:
        cycle_cancel(cycle_id=cycle.pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Cycle %(name)s is cancelled; its orders are cancelled too.")
                         % {"name": cycle.name})
    return redirect("manage_cycle_detail", coop_slug=coop_slug, cycle_id=cycle.pk)


@manager_page
@require_POST
def cycle_open_view(request, coop_slug, cycle_id):
    cycle = _cycle(cycle_id)
    try:
        cycle_edits.cycle_open_now(cycle_id=cycle.pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Cycle %(name)s is open for orders.") % {"name": cycle.name})
    return redirect("manage_cycle_detail", coop_slug=coop_slug, cycle_id=cycle.pk)


@manager_page
@require_http_methods(["GET", "POST"])
def cycle_pickup(request, coop_slug, cycle_id):
    """Which pickup points serve this cycle, when customers collect, how many orders fit, who serves it."""
    cycle = _cycle(cycle_id)
    rows = selectors.cycle_pickup_rows(cycle)
    data = request.POST if request.method == "POST" else None
    for row in rows:
        slot = row.slot
        if slot is not None:
            initial = {"served": True, "pickup_from": slot.pickup_from, "pickup_until": slot.pickup_until,
                       "capacity": slot.capacity, "served_by": slot.served_by}
        else:  # suggested when the fixer ticks it: the delivery day's afternoon, the point's own capacity
            initial = {"served": False, "capacity": row.point.capacity_orders,
                       "served_by": CyclePickupPoint.ServedBy.DELIVERY_ROUND,
                       "pickup_from": local_datetime(cycle.delivery_date, time(16, 0)),
                       "pickup_until": local_datetime(cycle.delivery_date, time(19, 0))}
        row.form = CyclePickupForm(data, initial=initial, prefix=f"p{row.point.pk}")
    error = ""
    if data is not None:
        if all(row.form.is_valid() for row in rows):
            try:
                cycle_edits.cycle_pickup_set(cycle=cycle, settings={row.point.pk: row.form.cleaned_data
                                                                 for row in rows})
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                messages.success(request, _("Pickup points of this cycle saved."))
                return redirect("manage_cycle_pickup", coop_slug=coop_slug, cycle_id=cycle.pk)
        else:
            error = _("Check the marked pickup points.")
    context = {"cycle": cycle, "rows": rows, "error": error, "is_editable": cycle.status in selectors.LIVE}
    return render(request, "orders/manage/cycle_pickup.html", context, status=400 if error else 200)
