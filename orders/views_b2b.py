"""Kitchen pages: the quick order grid, reorder, and standing orders (thin: the work is in services).

Business users see their own account only; managers (fixer, admin) see every account's standing orders.
The fixer's overview and an account's prices are in views_b2b_manage.py.
"""

import secrets
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from coop.numbers import plain
from coop.tenancy.access import has_coop_role, require_roles
from members.models import MANAGER_ROLES, Role
from orders import selectors_b2b as selectors
from orders.forms_b2b import PauseForm, StandingLineFormSet, StandingOrderForm, formset_lines
from orders.models import Order, OrderLine, StandingOrderPause
from orders.services import standing_edit as standing_service
from orders.services.b2b import account_minimum_order, account_order_in_cycle, b2b_order_save, parse_quantities
from orders.services.ordering import OfferShortage

BUYERS = (Role.BUSINESS, *MANAGER_ROLES)


def _account(request):
    membership = request.membership
    return membership.business_account if membership.business_account_id else None


def _cycle(request, cycles):
    wanted = request.GET.get("cycle") or request.POST.get("cycle")
    chosen = next((c for c in cycles if str(c.pk) == str(wanted)), None)
    return chosen or (cycles[0] if cycles else None)


def _quick_context(request, account, cycle, cycles, current, *, prefilled=None, reorder_of=None):
    order = account_order_in_cycle(account=account, cycle_id=cycle.pk) if cycle else None
    if cycle and current is None:
        current = dict(OrderLine.objects.filter(order=order).values_list("product_id", "quantity")) if order else {}
    rows = selectors.quick_order_rows(account=account, cycle=cycle, current=prefilled or current) if cycle else []
    recent = (selectors.orders_visible_to(request.membership).exclude(status=Order.Status.CANCELLED)
              .select_related("cycle").order_by("-cycle__delivery_date")[:6])
    return {"account": account, "cycle": cycle, "cycles": cycles, "order": order, "rows": rows,
            "recent_orders": recent, "reorder_of": reorder_of, "minimum": account_minimum_order(account),
            "token": secrets.token_urlsafe(16)}


@require_roles(*BUYERS)
@require_http_methods(["GET", "POST"])
def quick_order(request, coop_slug):
    account = _account(request)
    if account is None:
        return render(request, "orders/b2b/no_account.html", status=200)
    cycles = selectors.open_cycles_for_ordering()
    cycle = _cycle(request, cycles)
    if request.method == "GET" or cycle is None:
        return render(request, "orders/b2b/quick_order.html", _quick_context(request, account, cycle, cycles, None))
    entered = {key[4:]: value for key, value in request.POST.items() if key.startswith("qty-") and key[4:].isdigit()}
    try:
        quantities = parse_quantities(entered)
        order = b2b_order_save(membership=request.membership, cycle_id=cycle.pk, quantities=quantities,
                               purchase_order_reference=request.POST.get("purchase_order_reference", ""),
                               idempotency_key=request.POST.get("token", "")[:64])
    except (ValidationError, OfferShortage) as exc:
        error = exc.message if isinstance(exc, OfferShortage) else " ".join(exc.messages)
        messages.error(request, error)
        typed = {int(k): v for k, v in entered.items()}
        context = _quick_context(request, account, cycle, cycles, None, prefilled=typed)
        return render(request, "orders/b2b/quick_order.html", context, status=400)
    if order is None:
        messages.success(request, _("Your order for %(cycle)s is cancelled.") % {"cycle": cycle.name})
    else:
        messages.success(request, _("Order %(number)s saved: € %(total)s excl. VAT. You can change it until the "
                                    "cut-off.") % {"number": order.number, "total": number_format(order.total_net, 2)})
    return redirect(reverse("b2b_quick_order", kwargs={"coop_slug": coop_slug}) + f"?cycle={cycle.pk}")


@require_roles(*BUYERS)
def quick_order_reorder(request, coop_slug, order_id):
    """The grid with the quantities of an earlier order filled in; nothing is saved until submitted."""
    account = _account(request)
    previous = get_object_or_404(selectors.orders_visible_to(request.membership), pk=order_id)
    cycles = selectors.open_cycles_for_ordering()
    cycle = _cycle(request, cycles)
    quantities = dict(OrderLine.objects.filter(order=previous).values_list("product_id", "quantity"))
    context = _quick_context(request, account, cycle, cycles, None, prefilled=quantities, reorder_of=previous)
    return render(request, "orders/b2b/quick_order.html", context)


# --- standing orders ------------------------------------------------------------------------------------------

def _standing(request, standing_order_id):
    return get_object_or_404(selectors.standing_orders_visible_to(request.membership), pk=standing_order_id)


@require_roles(*BUYERS)
def standing_list(request, coop_slug):
    standing = selectors.standing_orders_visible_to(request.membership)
    account_id = request.GET.get("account", "")
    if account_id.isdigit():
        standing = standing.filter(account_id=int(account_id))
    if not has_coop_role(request, *MANAGER_ROLES) and _account(request) is None:
        return render(request, "orders/b2b/no_account.html")
    return render(request, "orders/b2b/standing_list.html",
                  {"standing_orders": selectors.with_next_placement(standing),
                   "is_manager": has_coop_role(request, *MANAGER_ROLES)})


def _line_initial(standing) -> list[dict]:
    return [{"product": ln.product_id, "quantity": plain(ln.quantity), "rule": ln.rule,
             "substitute": ln.substitute_id} for ln in standing.lines.all()]


def _first_free_delivery():
    """A new standing order starts after the cycles open now, so it never lands on a week already ordered."""
    open_now = selectors.open_cycles_for_ordering()
    return max(c.delivery_date for c in open_now) + timedelta(days=1) if open_now else timezone.localdate()


@require_roles(*BUYERS)
@require_http_methods(["GET", "POST"])
def standing_edit(request, coop_slug, standing_order_id=None):
    is_manager = has_coop_role(request, *MANAGER_ROLES)
    standing = _standing(request, standing_order_id) if standing_order_id is not None else None
    if standing is None and not is_manager and _account(request) is None:
        raise Http404(_("Not found."))
    initial = {"start_date": _first_free_delivery()}
    if standing is not None:
        initial = {name: getattr(standing, name) for name in
                   ("name", "frequency", "weekdays", "start_date", "end_date", "purchase_order_reference", "is_active")}
    form = StandingOrderForm(request.POST or None, initial=initial, choose_account=is_manager and standing is None)
    lines = StandingLineFormSet(request.POST or None, prefix="lines",
                                initial=_line_initial(standing) if standing else None)
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        account = standing.account if standing else form.cleaned_data.get("account") or _account(request)
        try:
            standing = standing_service.standing_order_save(
                account=account, data=form.header(), lines=formset_lines(lines), user=request.user,
                customer=request.membership if request.membership.business_account_id == account.pk else None,
                standing_order=standing)
        except ValidationError as exc:
            for field, errors in (exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]):
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("Standing order %(name)s saved.") % {"name": standing.name})
            return redirect("b2b_standing_edit", coop_slug=coop_slug, standing_order_id=standing.pk)
    status = 400 if form.errors or (request.method == "POST" and not lines.is_valid()) else 200
    context = {"standing": standing, "form": form, "lines": lines, "pause_form": PauseForm()}
    return render(request, "orders/b2b/standing_edit.html", context, status=status)


@require_roles(*BUYERS)
@require_POST
def standing_pause_add(request, coop_slug, standing_order_id):
    standing = _standing(request, standing_order_id)
    form = PauseForm(request.POST)
    if form.is_valid():
        try:
            standing_service.standing_order_add_pause(standing_order=standing, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Pause saved: nothing is placed for deliveries in that period."))
    else:
        messages.error(request, _("A pause needs a start and an end date."))
    return redirect("b2b_standing_edit", coop_slug=coop_slug, standing_order_id=standing.pk)


@require_roles(*BUYERS)
@require_POST
def standing_pause_delete(request, coop_slug, standing_order_id, standing_order_pause_id):
    standing = _standing(request, standing_order_id)
    pause = get_object_or_404(StandingOrderPause.objects.filter(standing_order=standing), pk=standing_order_pause_id)
    standing_service.standing_order_remove_pause(pause=pause)
    messages.success(request, _("Pause removed."))
    return redirect("b2b_standing_edit", coop_slug=coop_slug, standing_order_id=standing.pk)


@require_roles(*BUYERS)
def standing_runs(request, coop_slug, standing_order_id):
    standing = _standing(request, standing_order_id)
    runs = standing.runs.select_related("cycle", "order").order_by("-cycle__delivery_date")[:60]
    return render(request, "orders/b2b/standing_runs.html",
                  {"standing": standing, "runs": runs, "is_manager": has_coop_role(request, *MANAGER_ROLES)})
