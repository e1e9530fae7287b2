"""Load the demo cooperatives (hageland, meetjesland); deterministic, idempotent, never in production."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from coop.demo import data

# Later issues append their own seeders; each takes the parsed regions.json and is idempotent.
SEEDERS = [
    "coop.demo.people.seed",
    "coop.demo.producers.seed",
    "catalog.demo.seed",
    "orders.demo_b2b.seed",  # the kitchens' accounts and standing orders, placed in every week orders.demo makes
    "orders.demo.seed",
    "logistics.demo.seed",  # after the orders: closes the newest past cycle's documents
    "logistics.demo_planning.seed",  # after the hub: vehicles, drivers and a published plan for that cycle
    "invoicing.demo.seed",  # last month's weeks delivered and invoiced (kitchens monthly, some consumers)
    "invoicing.settlements.demo.seed",  # after last month is delivered: its producer settlements issued
    "invoicing.demo_costs.seed",  # the months with deliveries get their costs (economics dashboard)
]


def _load(dotted: str):
    from importlib import import_module

    module, func = dotted.rsplit(".", 1)
    return getattr(import_module(module), func)


class Command(BaseCommand):
    help = "Create or update the demo cooperatives, people and data. Running it twice changes nothing."

    def handle(self, *args, **options):
        if getattr(settings, "IS_PRODUCTION", False):
            raise CommandError("seed_demo is refused under production settings.")
        region = data.regions()
        with transaction.atomic():
            for dotted in SEEDERS:
                self.stdout.write(f"seeding {dotted} ...")
                _load(dotted)(region)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Every demo password is 'korteketen'."))
