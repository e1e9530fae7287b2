"""PDF documents of a closed cycle, rendered by WeasyPrint from templates (in Celery, never in a request)."""

from collections import defaultdict

import segno
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from orders.models import Order, OrderLine

from .models import CycleDocument, OrderPacking, PurchaseOrder
from .services.cycle_documents import document_render_failed

STORAGE_ORDER = ["frozen", "chilled", "ambient"]  # pack cold goods last, list them first


def _sections(lines) -> list[tuple[str, list]]:
    grouped = defaultdict(list)
    for line in lines:
        grouped[line.product.storage].append(line)
    return [(storage, grouped[storage]) for storage in STORAGE_ORDER if grouped.get(storage)]


def _qr_svg(text: str) -> str:
    return segno.make(text, error="m").svg_inline(scale=3, border=1)


def _packing_context(document: CycleDocument) -> dict:
    order_id = int(document.subject.split(":", 1)[1])
    order = Order.objects.select_related("customer__user", "cycle", "packing").get(pk=order_id)
    lines = OrderLine.objects.filter(order=order).select_related("product")
    return {"order": order, "packing": order.packing, "sections": _sections(lines)}


def _purchase_order_context(document: CycleDocument) -> dict:
    producer_id = int(document.subject.split(":", 1)[1])
    po = PurchaseOrder.objects.select_related("producer", "cycle").get(cycle=document.cycle, producer_id=producer_id)
    return {"po": po, "lines": po.lines.all()}


def _goods_in_context(document: CycleDocument) -> dict:
    context = _purchase_order_context(document)
    producer_id = context["po"].producer_id
    per_destination = defaultdict(lambda: defaultdict(lambda: 0))
    rows = (OrderLine.objects.filter(order__cycle=document.cycle, order__status=Order.Status.PLACED,
                                     offer__producer_id=producer_id)
            .values_list("product_name", "order__packing__destination_label", "quantity"))
    for product, destination, quantity in rows:
        per_destination[product][destination or "-"] += quantity
    context["per_destination"] = {p: dict(d) for p, d in sorted(per_destination.items())}
    return context


def _destination_context(document: CycleDocument) -> dict:
    packings = (OrderPacking.objects.filter(cycle=document.cycle, destination_key=document.subject)
                .select_related("order__customer__user").order_by("order__number"))
    return {"packings": packings, "crates": sum(p.crates for p in packings), "label": document.title}


def _hub_summary_context(document: CycleDocument) -> dict:
    pos = PurchaseOrder.objects.filter(cycle=document.cycle).select_related("producer").prefetch_related("lines")
    destinations = defaultdict(lambda: {"orders": 0, "crates": 0, "kg": 0})
    for packing in OrderPacking.objects.filter(cycle=document.cycle):
        entry = destinations[packing.destination_label]
        entry["orders"] += 1
        entry["crates"] += packing.crates
        entry["kg"] += packing.weight_kg
    return {"purchase_orders": pos, "destinations": dict(sorted(destinations.items()))}


def _labels_context(document: CycleDocument) -> dict:
    labels = []
    packings = OrderPacking.objects.filter(cycle=document.cycle).select_related("order__customer__user")
    if document.subject != "all":  # one destination per document ("all": documents listed before the split)
        packings = packings.filter(destination_key=document.subject)
    packings = packings.order_by("destination_key", "order__number")
    for packing in packings:
        total = packing.crates
        number = 0
        for storage in STORAGE_ORDER:
            for _ in range(getattr(packing, f"crates_{storage}")):
                number += 1
                code = f"{packing.order.number}/{number}"
                labels.append({"packing": packing, "storage": storage, "number": number, "total": total,
                               "qr": _qr_svg(f"KK:{document.coop.slug}:{code}")})
    return {"labels": labels}


CONTEXTS = {
    CycleDocument.Kind.PACKING_LIST: ("packing_list", _packing_context),
    CycleDocument.Kind.PURCHASE_ORDER: ("purchase_order", _purchase_order_context),
    CycleDocument.Kind.GOODS_IN: ("goods_in", _goods_in_context),
    CycleDocument.Kind.DESTINATION_LIST: ("destination_list", _destination_context),
    CycleDocument.Kind.HUB_SUMMARY: ("hub_summary", _hub_summary_context),
    CycleDocument.Kind.CRATE_LABELS: ("crate_labels", _labels_context),
}


_font_config = None


def _shared_font_config():
    """One font configuration per worker process: building it costs about a fifth of a one-page document
    (bench/cutoff.py). Our templates load no web fonts, so nothing accumulates in it between documents."""
    global _font_config
    if _font_config is None:
        from weasyprint.text.fonts import FontConfiguration

        _font_config = FontConfiguration()
    return _font_config


def document_pdf(document: CycleDocument) -> bytes:
    from weasyprint import HTML

    template, build = CONTEXTS[document.kind]
    with translation.override(document.language):
        context = {"document": document, "cycle": document.cycle, "coop": document.coop, **build(document)}
        html = render_to_string(f"logistics/pdf/{template}.html", context)
    return HTML(string=html).write_pdf(font_config=_shared_font_config())


def document_render(*, document_id: int) -> str:
    """Render once: a document already ready is left alone, so a retried task does no double work.

    The row stays locked for the whole render, which is how the beat scan (services/cycle_documents.py) tells
    a document being rendered from one whose task was lost (a dead worker's lock goes with its connection).
    A second task for the same document meanwhile skips it instead of rendering it again. A render that
    raises is rolled back and then recorded (error, and FAILED after its last attempt); a failed document
    rendered after all (a retry) is ready like any other.
    """
    rendering = False
    try:
        with transaction.atomic():
            document = (CycleDocument.objects.select_for_update(skip_locked=True, of=("self",))
                        .select_related("cycle", "coop").filter(pk=document_id).first())
            if document is None:
                CycleDocument.objects.get(pk=document_id)  # gone: DoesNotExist, as before
                return "being-rendered"
            if document.status == CycleDocument.Status.READY and document.file:
                return "already-ready"
            rendering = True
            pdf = document_pdf(document)
            document.file.save(f"{document.kind}-{document.cycle_id}-{document.subject.replace(':', '-')}.pdf",
                               ContentFile(pdf), save=False)
            document.status, document.generated_at, document.error = CycleDocument.Status.READY, timezone.now(), ""
            document.save(update_fields=["file", "status", "generated_at", "error"])
    except Exception as exc:
        if rendering:
            document_render_failed(document_id=document_id, error=exc)
        raise
    return "rendered"
