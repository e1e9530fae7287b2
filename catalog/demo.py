"""Demo catalogue: categories, deposit items and every farm's products from coop/data (idempotent)."""

import re
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils.text import slugify
from django_scopes import scopes_disabled

from coop import money
from coop.demo import data
from coop.models import Cooperative
from members.models import BusinessAccount, Producer

from .allergens import ALLERGEN_CODES, AllergenStatus
from .models import Category, CategoryMargin, DepositItem, PriceGroup, PriceGroupMember, ProducerPrice, Product
from .services import product_declare_allergens, product_set_deposits

# Prices in the demo are valid from the start of the season, so every demo cycle can use them.
PRICES_FROM = datetime(2026, 1, 1, tzinfo=ZoneInfo("Europe/Brussels"))
ORGANIC_FACTOR = Decimal("1.15")  # organic farms ask a little more (see coop/data/README.md)
CONTENT = re.compile(r"(\d+(?:[.,]\d+)?)\s*(kg|g|l|cl|ml)\b", re.IGNORECASE)
CONTENT_FACTOR = {"kg": (1, "kg"), "g": (Decimal("0.001"), "kg"), "l": (1, "l"), "cl": (Decimal("0.01"), "l"),
                  "ml": (Decimal("0.001"), "l")}


def _months(spec: str) -> list[int]:
    months: set[int] = set()
    for part in filter(None, spec.split(",")):
        if "-" in part:
            a, b = (int(x) for x in part.split("-"))
            months.update(range(a, b + 1))
        else:
            months.add(int(part))
    return sorted(months)


def _net_content(row: dict) -> tuple[Decimal | None, str]:
    """Net content from the name ("Appelsap (1 l)", "honing (450 g)"), else the weight for solids."""
    match = CONTENT.search(row["name_nl"])
    if match:
        amount = Decimal(match.group(1).replace(",", "."))
        factor, unit = CONTENT_FACTOR[match.group(2).lower()]
        return (amount * factor).quantize(Decimal("0.001")), unit
    if row["sell_unit"] in ("kg", "litre") or row["weighed"] == "true":
        return None, ""
    weight = Decimal(row["est_weight_kg"])
    return (weight, "kg") if weight > 0 and not row["category"].startswith("Dranken") else (None, "")


def category_for(coop: Cooperative, path: str) -> Category:
    parent = None
    for depth, name in enumerate(path.split("/")):
        slug = slugify("-".join(path.split("/")[: depth + 1]))
        parent, _ = Category.objects.get_or_create(coop=coop, slug=slug,
                                                   defaults={"name_nl": name, "parent": parent})
    return parent


def product_ensure(coop: Cooperative, producer: Producer, row: dict) -> Product:
    content, content_unit = _net_content(row)
    labels = ["organic"] if producer.organic_control_body and row["organic_possible"] == "true" else []
    product, created = Product.objects.get_or_create(
        coop=coop, sku=row["sku"],
        defaults={
            "producer": producer, "name_nl": row["name_nl"], "name_fr": row["name_fr"], "name_en": row["name_en"],
            "category": category_for(coop, row["category"]), "sell_unit": row["sell_unit"],
            "price_unit": row["price_unit"], "order_step": Decimal(row["order_step"]),
            "min_quantity": Decimal(row["min_quantity"]), "is_weighed": row["weighed"] == "true",
            "est_weight_kg": Decimal(row["est_weight_kg"]), "net_content": content,
            "net_content_unit": content_unit, "vat_class": row["vat_class"], "storage": row["storage"],
            "labels": labels, "ingredients": row["ingredients"], "origin": f"{producer.city}, België",
            "shelf_life_days": int(row["shelf_life_days"]) if row["shelf_life_days"] else None,
            "season_months": _months(row["season_months"]),
            "description_nl": f"Van {producer.farm_name} in {producer.city}.",
        },
    )
    if created:
        contains = set(filter(None, row["allergens_contains"].split(";")))
        may = set(filter(None, row["allergens_may_contain"].split(";")))
        answers = {code: (AllergenStatus.CONTAINS if code in contains else
                          AllergenStatus.MAY_CONTAIN if code in may else AllergenStatus.ABSENT)
                   for code in ALLERGEN_CODES}
        product_declare_allergens(product=product, answers=answers)
        deposits = dict(part.split(":") for part in filter(None, row["deposit"].split(";")))
        product_set_deposits(product=product, deposits={k: int(v) for k, v in deposits.items()})
        price = Decimal(row["producer_price_excl_vat"])
        if labels:
            price = money.round_amount(price * ORGANIC_FACTOR)
        ProducerPrice.objects.create(coop=coop, product=product, price=price, valid_from=PRICES_FROM)
    return product


@scopes_disabled()
def seed(region: dict) -> None:
    products = data.products()
    for spec in region["coops"]:
        coop = Cooperative.objects.get(slug=spec["slug"])
        for code, row in data.deposit_items().items():
            DepositItem.objects.get_or_create(coop=coop, code=code, defaults={
                "kind": row["kind"], "name_nl": row["name_nl"], "name_fr": row["name_fr"], "name_en": row["name_en"],
                "value": Decimal(row["deposit_value_eur"]), "empty_weight_kg": Decimal(row["empty_weight_kg"])})
        kitchens, _ = PriceGroup.objects.get_or_create(coop=coop, code="grootkeuken",
                                                       defaults={"name": "Grootkeukens", "margin_percent": 15})
        PriceGroup.objects.get_or_create(coop=coop, code="horeca", defaults={"name": "Horeca", "margin_percent": 20})
        farms = list(spec["farms"]) + [f for f in region.get("shared_farms", []) if spec["slug"] in f["member_of"]]
        for farm in farms:
            producer = Producer.objects.get(coop=coop, key=farm["key"])
            skus = farm.get("product_skus_by_coop", {}).get(spec["slug"]) or farm["product_skus"]
            for sku in skus:
                product_ensure(coop, producer, products[sku])
        # Transparent margins: bread and dairy carry less margin, kitchens even less on vegetables.
        for slug, margin, group in [("bakkerij", 20, None), ("zuivel", 22, None), ("groenten", 12, kitchens)]:
            category = Category.objects.filter(coop=coop, slug=slug).first()
            if category:
                CategoryMargin.objects.get_or_create(coop=coop, category=category, price_group=group,
                                                     defaults={"margin_percent": margin})
        horeca = PriceGroup.objects.get(coop=coop, code="horeca")
        for kitchen in spec["b2b_kitchens"]:
            account = BusinessAccount.objects.get(coop=coop, key=kitchen["key"])
            group = horeca if kitchen["kind"] == "restaurant" else kitchens
            PriceGroupMember.objects.get_or_create(coop=coop, account=account, defaults={"price_group": group})
