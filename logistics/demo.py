"""Demo hub data: the hub of every coop (coop/data/regions.json) and a closed cycle with its documents ready.

orders.demo creates past cycles already "closed" (moved there by a conditional update, without the cut-off
task), so nothing was built for them. For the newest of them this seeder runs the close's building phase
(`cycle_build_documents`: purchase orders, packing data, crates out, the document list) and renders the PDFs
right here, synchronously, so the demo has documents to open without a worker. Idempotent: the building
steps skip what exists, and a rendered document is never rendered again.
"""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from coop.models import Cooperative
from orders.models import OrderCycle

from .documents import document_render
from .models import CycleDocument, Hub, PurchaseOrder
from .services.closing import cycle_build_documents


def hub_ensure(coop: Cooperative, spec: dict) -> Hub:
    hub, _created = Hub.objects.get_or_create(coop=coop, defaults={
        "name": spec["name"], "street": spec.get("street", ""), "postcode": spec["postcode"],
        "city": spec["municipality"], "latitude": Decimal(str(spec["latitude"])).quantize(Decimal("0.00001")),
        "longitude": Decimal(str(spec["longitude"])).quantize(Decimal("0.00001")),
        "has_cooled_storage": bool(spec.get("cooled_storage", True)),
        "receiving_windows": spec.get("receiving_windows", [])})
    return hub


def newest_closed_cycle() -> OrderCycle | None:
    return (OrderCycle.objects.filter(status=OrderCycle.Status.CLOSED, cutoff_at__lt=timezone.now())
            .order_by("-delivery_date").first())


def closed_cycle_ensure_documents(cycle: OrderCycle) -> int:
    """Build what the close builds (only if nothing was), then render every pending PDF; returns how many."""
    if not PurchaseOrder.objects.filter(cycle=cycle).exists():
        with transaction.atomic():
            cycle = OrderCycle.objects.select_for_update().get(pk=cycle.pk)
            cycle_build_documents(cycle)
    pending = list(CycleDocument.objects.filter(cycle=cycle, status=CycleDocument.Status.PENDING)
                   .values_list("pk", flat=True))
    for document_id in pending:
        document_render(document_id=document_id)
    return len(pending)


@scopes_disabled()
def seed(region: dict) -> None:
    for spec in region["coops"]:
        coop = Cooperative.objects.get(slug=spec["slug"])
        with scope(coop=coop):
            hub_ensure(coop, spec["hub"])
            cycle = newest_closed_cycle()
            if cycle is not None:
                closed_cycle_ensure_documents(cycle)
