"""The producer's purchase orders: what to harvest and bring, the PDF, and the answer before the deadline
(confirm, or say how much of each line they can bring). Managers see every purchase order, read-only."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ..forms import PurchaseOrderAnswerForm
from ..models import CycleDocument
from ..services import hub
from . import selectors
from .access import own_producer, purchase_order_page, visible_purchase_orders

PER_PAGE = 50


@purchase_order_page
@require_GET
def purchase_order_list(request, coop_slug):
    orders = (visible_purchase_orders(request).select_related("producer", "cycle")
              .order_by("-cycle__delivery_date", "producer__farm_name"))
    page = Paginator(orders, PER_PAGE).get_page(request.GET.get("page"))
    pdfs = selectors.ready_documents_by_producer({po.cycle_id for po in page}, CycleDocument.Kind.PURCHASE_ORDER)
    rows = [(po, pdfs.get((po.cycle_id, po.producer_id))) for po in page]
    return render(request, "logistics/producer/purchase_order_list.html",
                  {"page": page, "rows": rows, "now": timezone.now()})


@purchase_order_page
@require_http_methods(["GET", "POST"])
def purchase_order_detail(request, coop_slug, purchase_order_id):
    po = get_object_or_404(visible_purchase_orders(request).select_related("producer", "cycle"),
                           pk=purchase_order_id)
    producer = own_producer(request)
    is_own = producer is not None and producer.pk == po.producer_id
    open_for_answer = timezone.now() <= po.respond_before
    lines = list(po.lines.all())
    bound = request.method == "POST"
    if bound and not is_own:
        raise PermissionDenied(_("Only the producer answers a purchase order."))
    form = PurchaseOrderAnswerForm(request.POST if bound else None, lines=lines,
                                   initial={"note": po.producer_note}) if is_own and open_for_answer else None
    if bound and form is None:
        messages.error(request, _("The deadline to answer has passed; call the hub."))
        return redirect("hub_purchase_order_detail", coop_slug=coop_slug, purchase_order_id=po.pk)
    if bound and form.is_valid():
        try:
            po = hub.purchase_order_respond(purchase_order_id=po.pk, producer=producer, confirmed=form.confirmed(),
                                            note=form.cleaned_data["note"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            confirmed = po.status == po.Status.CONFIRMED
            messages.success(request, _("Thank you: your answer is sent to the hub.") if confirmed
                             else _("Thank you: the hub knows what you cannot bring."))
            return redirect("hub_purchase_order_detail", coop_slug=coop_slug, purchase_order_id=po.pk)
    documents = {d.kind: d for d in CycleDocument.objects.filter(
        cycle_id=po.cycle_id, subject=f"producer:{po.producer_id}",
        kind__in=[CycleDocument.Kind.PURCHASE_ORDER, CycleDocument.Kind.GOODS_IN])}
    return render(request, "logistics/producer/purchase_order_detail.html", {
        "po": po, "lines": lines, "form": form, "is_own": is_own, "open_for_answer": open_for_answer,
        "po_document": documents.get(CycleDocument.Kind.PURCHASE_ORDER),
        "goods_in_document": documents.get(CycleDocument.Kind.GOODS_IN),
    }, status=400 if form is not None and form.errors else 200)
