"""python manage.py close_cycle <coop_slug> <cycle_id>: close a cycle now, in this process."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django_scopes import scope

from coop.models import Cooperative
from logistics.models import CycleDocument
from logistics.services.closing import cycle_close
from logistics.tasks import render_document
from orders.models import OrderCycle


class Command(BaseCommand):
    help = "Close an order cycle (exactly once) and queue its documents."

    def add_arguments(self, parser):
        parser.add_argument("coop_slug")
        parser.add_argument("cycle_id", type=int)
        parser.add_argument("--render-here", action="store_true",
                            help="Render the PDFs in this process instead of queueing them for the workers.")

    def handle(self, *args, coop_slug, cycle_id, render_here=False, **options):
        coop = Cooperative.objects.filter(slug=coop_slug).first()
        if coop is None:
            raise CommandError(f"No cooperative '{coop_slug}'.", returncode=2)
        with scope(coop=coop):
            if not OrderCycle.objects.filter(pk=cycle_id).exists():
                raise CommandError(f"Cooperative '{coop_slug}' has no cycle {cycle_id}.", returncode=2)
            try:
                result = cycle_close(cycle_id=cycle_id, report=lambda p, m: self.stdout.write(f"{p:3d}% {m}"))
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages), returncode=1) from exc
            pending = CycleDocument.objects.filter(cycle_id=cycle_id, status=CycleDocument.Status.PENDING)
            for document_id in pending.values_list("pk", flat=True):
                if render_here:
                    render_document.apply(args=(coop.pk, document_id))
                else:
                    render_document.delay(coop.pk, document_id)
        state = "was already closed" if result.already_closed else "closed"
        self.stdout.write(self.style.SUCCESS(
            f"Cycle {cycle_id} {state}: {result.purchase_orders} purchase orders, {result.orders} orders packed, "
            f"{result.documents} documents."))
