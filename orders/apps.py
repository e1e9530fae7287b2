from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")

    def ready(self):
        from coop import versions

        from .models import Offer, OrderCycle
        from .services.offers import offers_version

        # What the shop shows of a cycle's offers; bulk updates (caps, reservations) bump explicitly.
        versions.bump_on_save([Offer], lambda offer: offers_version(offer.cycle_id))
        versions.bump_on_save([OrderCycle], lambda cycle: offers_version(cycle.pk))  # opening time: prices
