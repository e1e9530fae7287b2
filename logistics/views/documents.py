"""Failed cycle documents on the hub: listed with their error, and tried again by a manager (one, or all of a
cycle). Plain forms redirect back to the documents page; htmx swaps the document or the failed block."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from orders.models import OrderCycle

from ..models import CycleDocument
from ..services.cycle_documents import documents_retry
from . import selectors
from .access import manager_page, visible_document


def failed_context(cycle: OrderCycle, kinds) -> dict:
    failed, count = selectors.failed_documents(cycle, kinds=kinds)
    return {"cycle": cycle, "failed_documents": failed, "failed_count": count}


def _back(coop_slug: str, cycle_id: int):
    return redirect(reverse("hub_cycle_documents", kwargs={"coop_slug": coop_slug, "cycle_id": cycle_id}) + "#failed")


@manager_page
@require_POST
def document_retry(request, coop_slug, document_id):
    document = visible_document(request, document_id)
    queued = documents_retry(cycle_id=document.cycle_id, document_id=document.pk)
    if queued:
        message = _("%(title)s is queued again.") % {"title": document.title}
    else:  # a second click, or rendered meanwhile
        message = _("%(title)s is not failed (any more); nothing was queued.") % {"title": document.title}
    if request.htmx:
        document.refresh_from_db()
        return render(request, "logistics/hub/_failed_document.html",
                      {"cycle": document.cycle, "d": document, "message": message})
    (messages.success if queued else messages.info)(request, message)
    return _back(coop_slug, document.cycle_id)


@manager_page
@require_POST
def cycle_documents_retry(request, coop_slug, cycle_id):
    cycle = get_object_or_404(OrderCycle.objects.all(), pk=cycle_id)
    queued = documents_retry(cycle_id=cycle.pk)
    message = ngettext("%(n)d document is queued again.", "%(n)d documents are queued again.", queued) % {
        "n": queued}
    if request.htmx:
        return render(request, "logistics/hub/_failed_documents.html",
                      {**failed_context(cycle, CycleDocument.Kind.values), "message": message})
    messages.success(request, message)
    return _back(coop_slug, cycle.pk)
