"""The coop's economics pages under /<coop>/economics/ (managers only): monthly costs (CRUD), the dashboard
with its charts and CSV exports, and the accountant's journals. Thin: services compute, views show."""

from datetime import date
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coop.charts import month_chart_svg
from coop.tenancy.access import require_roles
from invoicing.models import CostEntry
from members.models import MANAGER_ROLES

from .downloads import csv_response, month_export_response
from .forms_costs import CostEntryForm
from .services import accounting_export, costs
from .services.allocation import month_allocation
from .services.economics import economics_months, month_add, month_from

manager_only = require_roles(*MANAGER_ROLES)


BadInput = (ValueError, accounting_export.PeriodError)


def _month(value: str | None) -> date:
    return month_from(value, today=timezone.localdate())


def _query_view(parse):
    """A decorator that passes what `parse(request)` reads from the query to the view as keyword arguments;
    bad input is a 400 with the parser's message."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, coop_slug, **kwargs):
            try:
                parsed = parse(request)
            except BadInput as exc:
                return _bad(str(exc))
            return view(request, coop_slug, **parsed, **kwargs)

        return wrapper

    return decorator


# `?month=YYYY-MM` (this month when absent) as `month`
month_view = _query_view(lambda request: {"month": _month(request.GET.get("month"))})
# `?period=` (YYYY-MM, YYYY-Qn) or `?start=&end=` (last month when absent) as `start` and `end`
period_view = _query_view(lambda request: dict(zip(
    ("start", "end"), accounting_export.period_from(request.GET, today=timezone.localdate()), strict=True)))


def _bad(message: str) -> HttpResponse:
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


def _costs_url(request, month: date) -> str:
    return f"{reverse('economics_costs', kwargs={'coop_slug': request.coop.slug})}?month={month:%Y-%m}"


def _service_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _save(request, form, save):
    """Run `save(data)` on a valid form: a redirect to the month's costs, or None with the errors on the form."""
    if not form.is_valid():
        return None
    data = {**form.cleaned_data, "allocation_key": form.cleaned_data.get("allocation_key") or None}
    try:
        entry = save(data)
    except ValidationError as exc:
        _service_errors(form, exc)
        return None
    messages.success(request, _("The cost is saved."))
    return redirect(_costs_url(request, entry.month))


@manager_only
@require_http_methods(["GET", "POST"])
@month_view
def costs_month(request, coop_slug, month):
    """The month's costs and a form for a new one."""
    form = CostEntryForm(request.POST or None, initial={"month": f"{month:%Y-%m}"})
    if request.method == "POST":
        saved = _save(request, form, lambda data: costs.cost_entry_create(coop=request.coop,
                                                                          created_by=request.user, **data))
        if saved:
            return saved
    entries = list(CostEntry.objects.filter(month=month).select_related("vehicle"))
    return render(request, "invoicing/economics/costs.html", {
        "month": month, "previous": month_add(month, -1), "next": month_add(month, 1), "entries": entries,
        "total": sum((e.amount for e in entries), 0), "form": form,
        "has_planning_entries": any(e.quantity_from_planning for e in entries)}, status=400 if form.errors else 200)


def _entry_or_404(cost_entry_id: int) -> CostEntry:
    entry = CostEntry.objects.filter(pk=cost_entry_id).first()
    if entry is None:
        raise Http404(_("Not found."))
    return entry


@manager_only
@require_http_methods(["GET", "POST"])
def cost_entry_edit(request, coop_slug, cost_entry_id):
    entry = _entry_or_404(cost_entry_id)
    form = CostEntryForm(request.POST or None, initial=CostEntryForm.initial_for(entry))
    if request.method == "POST":
        saved = _save(request, form, lambda data: costs.cost_entry_update(entry_id=entry.pk, **data))
        if saved:
            return saved
    return render(request, "invoicing/economics/cost_form.html", {"entry": entry, "form": form},
                  status=400 if form.errors else 200)


@manager_only
@require_POST
def cost_entry_delete(request, coop_slug, cost_entry_id):
    entry = _entry_or_404(cost_entry_id)
    costs.cost_entry_delete(entry_id=entry.pk)
    messages.success(request, _("The cost is deleted."))
    return redirect(_costs_url(request, entry.month))


@manager_only
@require_POST
@month_view
def costs_refresh_planning(request, coop_slug, month):
    changed = costs.cost_entries_refresh_from_planning(month=month)
    messages.success(request, _("Quantities taken from the planning again: %(count)s changed.") % {"count": changed})
    return redirect(_costs_url(request, month))


def _chart(months) -> str:
    labels = [f"{m.month:%m/%y}" for m in months]
    return month_chart_svg(
        labels, title=_("Turnover, break-even turnover and result per month"),
        bars=[("turnover", _("Turnover"), [m.turnover for m in months]),
              ("break-even", _("Break-even turnover"), [m.break_even_turnover for m in months])],
        line=("result", _("Result"), [m.result for m in months]))


@manager_only
@require_GET
@month_view
def economics_dashboard(request, coop_slug, month):
    months = economics_months(last=month, count=12)
    return render(request, "invoicing/economics/dashboard.html", {
        "month": month, "previous": month_add(month, -1), "next": month_add(month, 1), "current": months[-1],
        "months": list(reversed(months)), "chart": _chart(months), "allocation": month_allocation(month=month)})


def _month_export(name: str):
    @manager_only
    @require_GET
    @month_view
    def view(request, coop_slug, month):
        return month_export_response(name, month=month, coop_slug=coop_slug)

    return view


economics_export = _month_export("economics")  # the dashboard's 12 months as CSV
allocation_export = _month_export("cost-shares")  # the month's cost shares as CSV


@manager_only
@require_GET
@period_view
def accounting_home(request, coop_slug, start, end):
    journals = []
    for journal, title in ((accounting_export.SALES, _("Sales journal")),
                           (accounting_export.PURCHASES, _("Purchase journal"))):
        documents = accounting_export.journal_documents(journal=journal, start=start, end=end)
        journals.append({
            "key": journal, "title": title, "grids": accounting_export.grid_totals(documents),
            "check": accounting_export.journal_check(journal=journal, start=start, end=end, documents=documents),
            "url": reverse(f"economics_{journal}_journal", kwargs={"coop_slug": coop_slug})})
    return render(request, "invoicing/economics/accounting.html", {
        "period": request.GET.get("period") or f"{start:%Y-%m}", "start": start, "end": end, "journals": journals,
        "query": request.GET.urlencode() or f"start={start}&end={end}"})


def _journal_view(journal: str):
    @manager_only
    @require_GET
    @period_view
    def view(request, coop_slug, start, end):
        text = accounting_export.journal_csv(journal=journal, start=start, end=end)
        return csv_response(text, f"{journal}-{request.coop.slug}-{start:%Y%m%d}-{end:%Y%m%d}.csv")

    return view


sales_journal = _journal_view(accounting_export.SALES)
purchase_journal = _journal_view(accounting_export.PURCHASES)
