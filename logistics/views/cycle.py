"""The hub's view of a cycle: state, close now (a Job), documents, counts per destination, purchase orders."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from coop.charts import bar_chart_svg
from coop.models import Job
from coop.services import job_launch
from coop.tenancy.access import has_coop_role
from members.models import MANAGER_ROLES
from orders.models import OrderCycle

from ..models import CycleDocument
from ..tasks import close_cycle
from . import selectors
from .access import DRIVER_KINDS, hub_page, manager_page, visible_document
from .documents import failed_context

CLOSABLE = (OrderCycle.Status.OPEN, OrderCycle.Status.CLOSING)
DOCUMENTS_PER_PAGE = 100


def _visible_kinds(request) -> list[str]:
    if has_coop_role(request, *MANAGER_ROLES):
        return [kind for kind, _label in CycleDocument.Kind.choices]
    return sorted(DRIVER_KINDS)


def _documents_context(request, cycle: OrderCycle) -> dict:
    kinds = _visible_kinds(request)
    summary = selectors.document_summary(cycle, kinds=kinds)
    pending = any(s.counts.get(CycleDocument.Status.PENDING) for s in summary)
    few = [kind for kind in selectors.FEW_KINDS if kind in kinds]
    return {"cycle": cycle, "document_summary": summary, "documents": selectors.cycle_documents(cycle, kinds=few),
            "documents_pending": pending or cycle.status == OrderCycle.Status.CLOSING,
            "documents_failed": sum(s.counts.get(CycleDocument.Status.FAILED, 0) for s in summary)}


@hub_page
@require_GET
def hub_home(request, coop_slug):
    return render(request, "logistics/hub/home.html", {"cycles": selectors.hub_cycles()})


@hub_page
@require_GET
def cycle_dashboard(request, coop_slug, cycle_id):
    cycle = get_object_or_404(OrderCycle.objects.all(), pk=cycle_id)
    destinations = selectors.destination_counts(cycle)
    is_manager = has_coop_role(request, *MANAGER_ROLES)
    job = None
    if is_manager and request.GET.get("job", "").isdigit():
        job = Job.objects.filter(pk=int(request.GET["job"]), kind="cycle_close").first()
    context = {
        "cycle": cycle, "is_manager": is_manager, "job": job, "can_close": is_manager and cycle.status in CLOSABLE,
        "destinations": destinations,
        "totals": {"orders": sum(d.orders for d in destinations), "crates": sum(d.crates for d in destinations),
                   "kg": sum((d.kg for d in destinations), 0)},
        "chart": bar_chart_svg([(d.label, d.crates) for d in destinations], title=_("Crates per destination"),
                               unit=_("crates")) if destinations else "",
        "purchase_orders": selectors.cycle_purchase_orders(cycle) if is_manager else [],
        **_documents_context(request, cycle),
    }
    return render(request, "logistics/hub/cycle.html", context)


@manager_page
@require_POST
def cycle_close_start(request, coop_slug, cycle_id):
    """Close now: a Job runs the close in a worker; the page shows its progress (htmx polls it)."""
    cycle = get_object_or_404(OrderCycle.objects.all(), pk=cycle_id)
    if cycle.status not in CLOSABLE:
        message = _("This cycle is %(status)s; only an open cycle can be closed.") % {
            "status": cycle.get_status_display()}
        if request.htmx:
            return render(request, "logistics/hub/_message.html", {"message": message, "error": True}, status=400)
        messages.error(request, message)
        return redirect("hub_cycle", coop_slug=coop_slug, cycle_id=cycle.pk)
    job = job_launch(coop=request.coop, kind="cycle_close", task=close_cycle, created_by=request.user,
                     cycle_id=cycle.pk)
    if request.htmx:
        return render(request, "coop/_job_progress.html", {"job": job})
    return redirect(reverse("hub_cycle", kwargs={"coop_slug": coop_slug, "cycle_id": cycle.pk}) + f"?job={job.pk}")


@hub_page
@require_GET
def cycle_documents(request, coop_slug, cycle_id):
    """All documents of a cycle (or of one kind), paged, under the failed ones of every kind the visitor may
    see; htmx asks the dashboard's document block only."""
    cycle = get_object_or_404(OrderCycle.objects.all(), pk=cycle_id)
    if request.htmx and request.GET.get("block") == "summary":
        return render(request, "logistics/hub/_documents.html", _documents_context(request, cycle))
    kinds = _visible_kinds(request)
    kind = request.GET.get("kind")
    if kind in kinds:
        kinds = [kind]
    page = Paginator(selectors.cycle_documents(cycle, kinds=kinds), DOCUMENTS_PER_PAGE).get_page(
        request.GET.get("page"))
    return render(request, "logistics/hub/documents.html",
                  {"page": page, "kind": kind if kind in kinds else "",
                   "kind_label": dict(CycleDocument.Kind.choices).get(kind, ""),
                   **failed_context(cycle, _visible_kinds(request))})


@require_GET
def document_download(request, coop_slug, document_id):
    """A stored PDF: managers any, drivers their round's, a producer their own purchase order and goods-in list."""
    document = visible_document(request, document_id)
    if document.status != CycleDocument.Status.READY or not document.file:
        raise Http404(_("This document is not ready yet."))
    name = slugify(f"{document.get_kind_display()}-{document.title}")[:100] or "document"
    return FileResponse(document.file.open("rb"), content_type="application/pdf", filename=f"{name}.pdf")
