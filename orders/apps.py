from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")

    def ready(self):
        from coop.versioned import bump_on_save

        from .models import Offer, Order, OrderCycle
        from .services.offers import customer_orders_version, cycles_version, offers_version

        # What the shop shows of a cycle's offers, bulk writes too (caps, reservations: coop/versioned.py). How much
        # customers ordered is not shown: reserving from an offer without a cap bumps nothing.
        bump_on_save([Offer], lambda offer: offers_version(offer.cycle_id), fields=["cycle_id"], ignore=["ordered"])
        # A cycle's opening time sets its prices; the shop page kept per visitor (orders/shop/page_cache.py)
        # shows which cycles are open and the customer's order.
        bump_on_save([OrderCycle], lambda cycle: [offers_version(cycle.pk), cycles_version(cycle.coop_id)],
                     fields=["id", "coop_id"])
        bump_on_save([Order], lambda order: customer_orders_version(order.customer_id), fields=["customer_id"])
