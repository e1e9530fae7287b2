"""Invoice pages under /<coop>/invoices/: the fixer's list and actions, everyone's "my invoices", the detail
page and the downloads. Thin: reads from invoicing.selectors, writes through invoicing.services."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from coop.tenancy.access import has_coop_role, require_roles
from coop.tenancy.tasks import enqueue_on_commit
from invoicing import selectors, tasks
from invoicing.models import Invoice
from invoicing.peppol.ubl import NotPeppolReady, invoice_ubl, peppol_ready
from invoicing.services.credit_notes import credit_note_for
from invoicing.services.documents import invoice_pdf_bytes, invoice_render_pdf
from invoicing.services.drafts import invoice_draft_delete
from invoicing.services.issuing import invoice_issue
from members.models import MANAGER_ROLES


def _invoice_or_404(request, invoice_id: int) -> Invoice:
    invoice = selectors.invoice_with_parts(request.membership, invoice_id)
    if invoice is None:
        raise Http404(_("Not found."))
    return invoice


def _page(request, invoices):
    return Paginator(invoices, 50).get_page(request.GET.get("page"))


@require_roles(*MANAGER_ROLES)
@require_GET
def invoice_list(request, coop_slug):
    status, kind = request.GET.get("status", ""), request.GET.get("kind", "")
    invoices = selectors.invoice_list(request.membership, status=status, kind=kind)
    return render(request, "invoicing/invoice_list.html", {
        "page": _page(request, invoices), "status": status, "kind": kind,
        "statuses": Invoice.Status.choices, "kinds": Invoice.Kind.choices})


@require_GET
def my_invoices(request, coop_slug):
    invoices = selectors.invoice_list(request.membership, own_only=True)
    return render(request, "invoicing/my_invoices.html", {"page": _page(request, invoices)})


def _detail(request, invoice: Invoice, status: int = 200):
    return render(request, "invoicing/invoice_detail.html", {
        "invoice": invoice, "is_manager": has_coop_role(request, *MANAGER_ROLES),
        "has_ubl": peppol_ready(invoice), "delivery": getattr(invoice, "peppol_delivery", None)}, status=status)


@require_GET
def invoice_detail(request, coop_slug, invoice_id):
    return _detail(request, _invoice_or_404(request, invoice_id))


@require_GET
def invoice_pdf(request, coop_slug, invoice_id):
    invoice = _invoice_or_404(request, invoice_id)
    if not invoice.is_issued:  # a draft (managers only see drafts): a preview, never stored
        response = HttpResponse(invoice_pdf_bytes(invoice), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="draft-{invoice.pk}.pdf"'
        return response
    # Normally the documents queue rendered it right after issuing; if not yet, render it now (idempotent).
    document = invoice_render_pdf(invoice_id=invoice.pk)
    return FileResponse(document.file.open("rb"), content_type="application/pdf",
                        filename=f"{invoice.number}.pdf")


@require_GET
def invoice_ubl_download(request, coop_slug, invoice_id):
    invoice = _invoice_or_404(request, invoice_id)
    try:
        delivery = getattr(invoice, "peppol_delivery", None)
        xml = delivery.xml.encode("utf-8") if delivery is not None else invoice_ubl(invoice)
    except NotPeppolReady as exc:
        raise Http404(_("This invoice has no Peppol document.")) from exc
    response = HttpResponse(xml, content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.xml"'
    return response


def _manager_action(service, success: str, *, then=None):
    """A POST button on the detail page: run the service; on bad input show the page again with a 400."""

    @require_roles(*MANAGER_ROLES)
    @require_POST
    def view(request, coop_slug, invoice_id):
        invoice = _invoice_or_404(request, invoice_id)
        try:
            result = service(request, invoice)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return _detail(request, invoice, status=400)
        messages.success(request, success)
        if then is not None:
            return then(request, result)
        return redirect("invoice_detail", coop_slug=coop_slug, invoice_id=invoice.pk)

    return view


invoice_issue_view = _manager_action(lambda request, inv: invoice_issue(invoice_id=inv.pk),
                                     gettext_lazy("The invoice is issued."))
invoice_delete_view = _manager_action(
    lambda request, inv: invoice_draft_delete(invoice_id=inv.pk), gettext_lazy("The draft is deleted."),
    then=lambda request, _result: redirect("invoice_list", coop_slug=request.coop.slug))
invoice_credit_view = _manager_action(
    lambda request, inv: credit_note_for(invoice_id=inv.pk, created_by=request.user),
    gettext_lazy("A draft credit note for everything not yet credited is ready: check it and issue it."),
    then=lambda request, credit: redirect("invoice_detail", coop_slug=request.coop.slug, invoice_id=credit.pk))


def _queue_peppol(request, invoice):
    if not peppol_ready(invoice):
        raise ValidationError(_("This invoice has no Peppol document."))
    enqueue_on_commit(tasks.invoice_send_peppol, invoice.coop_id, invoice.pk)


invoice_peppol_send_view = _manager_action(_queue_peppol,
                                           gettext_lazy("The invoice is queued for sending over Peppol."))
