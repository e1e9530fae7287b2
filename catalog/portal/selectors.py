"""Reads of the producer portal; each a fixed number of queries whatever the number of products."""

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from catalog.models import DepositItem, ProducerPrice, Product
from catalog.pricing import with_producer_price
from catalog.services import product_is_sellable
from members.models import Producer


def portal_producers():
    """Every producer of the coop with their number of products (for fixers and admins)."""
    return Producer.objects.annotate(
        product_count=Count("products"), active_count=Count("products", filter=Q(products__is_active=True)),
    ).order_by("farm_name")


def producer_product_rows(producer: Producer) -> list[dict]:
    """The producer's products with their current price and whether they can be sold, and why not."""
    products = (with_producer_price(Product.objects.filter(producer=producer))
                .select_related("category").order_by("-is_active", "name_nl"))
    rows = []
    for product in products:
        sellable, reason = product_is_sellable(product)
        if sellable and product.producer_price_at is None:
            sellable, reason = False, _("There is no price yet.")
        rows.append({"product": product, "price": product.producer_price_at, "sellable": sellable,
                     "reason": reason})
    return rows


def product_price_history(product: Product):
    return ProducerPrice.objects.filter(product=product).select_related("created_by").order_by("-valid_from")


def product_form_state(product: Product) -> tuple[dict, dict]:
    """(allergen answers {code: status}, deposits {code: count}) of a product."""
    answers = dict(product.allergens.values_list("allergen", "status"))
    deposits = dict(product.deposits.values_list("item__code", "count"))
    return answers, deposits


def deposit_items():
    return DepositItem.objects.order_by("kind", "code")
