"""Reads on the catalogue: who sees which products, search and filters, and what a card or a product page shows.

Lists are built for a constant number of queries: one PricingContext per request, producers and categories
joined, allergens and deposits prefetched, the producer price annotated (catalog.pricing.with_producer_price).
"""

import re
import zlib
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from coop.numbers import display
from members.models import Producer

from .allergens import ALLERGEN_CODES, UNDECLARED, Allergen, AllergenStatus
from .models import Category, PriceGroup, Product, ProductAllergen, ProductDeposit
from .pricing import PriceBreakdown, PricingContext, comparison_price, with_producer_price

# Active, allergens declared (EU 1169/2011: not for sale before) and from an active producer.
SELLABLE = Q(is_active=True, allergens_declared_at__isnull=False, producer__is_active=True)


def localized(obj, base: str) -> str:
    """`obj.<base>_<active language>`, falling back to Dutch (the coops' default language)."""
    lang = (get_language() or "nl").split("-")[0]
    return getattr(obj, f"{base}_{lang}", "") or getattr(obj, f"{base}_nl", "")


# --- who sees what --------------------------------------------------------------------------------------

def business_account_of(membership):
    """The business account a member buys for (then prices are excl. VAT, with its price group)."""
    if membership is None or not membership.business_account_id:
        return None
    return membership.business_account


def pricing_context_for(*, coop, membership) -> PricingContext:
    return PricingContext(coop=coop, account=business_account_of(membership))


def products_visible_to(membership):
    """Sellable products for everyone; managers also see the rest, producers also their own."""
    products = Product.objects.all()
    if membership is not None and membership.is_manager:
        return products
    if membership is not None and membership.has_role("producer"):
        return products.filter(SELLABLE | Q(producer__membership=membership))
    return products.filter(SELLABLE)


def products_for_display(products):
    """Everything a card, a product page or the API needs, in a fixed number of queries."""
    return with_producer_price(
        products.select_related("producer", "category").prefetch_related(
            "allergens", Prefetch("deposits", queryset=ProductDeposit.objects.select_related("item")))
    )


def producers_visible_to(membership):
    producers = Producer.objects.all()
    if membership is None or not membership.is_manager:
        producers = producers.filter(is_active=True)
    return producers


def producers_with_product_counts(membership):
    visible = products_visible_to(membership).values("pk")
    return producers_visible_to(membership).annotate(
        product_count=Count("products", filter=Q(products__in=visible), distinct=True))


def producer_options() -> list[tuple[int, str]]:
    return list(Producer.objects.filter(is_active=True).order_by("farm_name").values_list("pk", "farm_name"))


def price_groups_visible_to(membership):
    """Managers see every price group; a business member only the group of the account they buy for."""
    groups = PriceGroup.objects.prefetch_related("category_margins__category").order_by("name")
    if membership is not None and membership.is_manager:
        return groups
    if membership is None or not membership.business_account_id:
        return groups.none()
    return groups.filter(accounts=membership.business_account_id)


# --- categories -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CategoryNode:
    id: int
    parent_id: int | None
    name: str
    depth: int
    root_slug: str

    @property
    def indent(self) -> str:
        return "\u00a0\u00a0" * self.depth  # no-break spaces, to indent subcategories in a <select>


def category_tree() -> list[CategoryNode]:
    """The coop's categories depth first (one query), with localized names and their root."""
    rows = list(Category.objects.all())
    children: dict[int | None, list[Category]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    tree: list[CategoryNode] = []

    def walk(parent_id, depth, root_slug):
        for row in children.get(parent_id, []):
            root = root_slug or row.slug
            tree.append(CategoryNode(row.pk, row.parent_id, localized(row, "name"), depth, root))
            walk(row.pk, depth + 1, root)

    walk(None, 0, "")
    return tree


def category_with_descendants(category_id: int, tree: list[CategoryNode]) -> set[int]:
    found = {category_id}
    for node in tree:  # depth first: a parent always comes before its children
        if node.parent_id in found:
            found.add(node.id)
    return found


# --- search and filters ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProductFilter:
    q: str = ""
    category: int | None = None
    producer: int | None = None
    label: str = ""
    without_allergen: str = ""
    storage: str = ""


def product_filter_parse(params) -> tuple[ProductFilter, dict[str, str]]:
    """Read the filters from query parameters; unknown values are left out and reported per parameter."""
    values: dict = {}
    errors: dict[str, str] = {}
    values["q"] = (params.get("q") or "").strip()[:200]
    for name in ("category", "producer"):
        raw = (params.get(name) or "").strip()
        if raw:
            if raw.isdigit():
                values[name] = int(raw)
            else:
                errors[name] = _("'%(value)s' is not a valid id.") % {"value": raw}
    choices = {"label": Product.Label.values, "without_allergen": ALLERGEN_CODES, "storage": Product.Storage.values}
    for name, allowed in choices.items():
        raw = (params.get(name) or "").strip()
        if raw and raw not in allowed:
            errors[name] = _("'%(value)s' is not one of: %(allowed)s") % {"value": raw, "allowed": ", ".join(allowed)}
        elif raw:
            values[name] = raw
    return ProductFilter(**values), errors


def filter_choices(tree: list[CategoryNode]) -> dict:
    """The options of the search form (templates/catalog/_filters.html) of the catalogue and the shop."""
    return {"categories": tree, "producers": producer_options(), "labels": Product.Label.choices,
            "allergens": Allergen.choices, "storages": Product.Storage.choices}


def product_search(products, filters: ProductFilter, *, tree: list[CategoryNode] | None = None):
    """Apply the filters. "Without allergen X" keeps only products whose allergens are declared and that
    answered X as absent: an undeclared product never passes, nor does one that contains or may contain X."""
    if filters.category is not None:
        ids = category_with_descendants(filters.category, tree if tree is not None else category_tree())
        products = products.filter(category_id__in=ids)
    if filters.producer is not None:
        products = products.filter(producer_id=filters.producer)
    if filters.label:
        products = products.filter(labels__contains=[filters.label])
    if filters.storage:
        products = products.filter(storage=filters.storage)
    if filters.without_allergen:
        absent = ProductAllergen.objects.filter(product=OuterRef("pk"), allergen=filters.without_allergen,
                                                status=AllergenStatus.ABSENT)
        products = products.filter(Exists(absent), allergens_declared_at__isnull=False)
    if filters.q:
        # Full text with Dutch stemming ("wortelen" finds "wortel"), ranked; ILIKE on the names catches
        # partial words ("wort") that the stemmer cannot.
        query = SearchQuery(filters.q, config="dutch", search_type="websearch")
        partial = Q()
        for word in filters.q.split()[:5]:
            partial &= (Q(name_nl__icontains=word) | Q(name_fr__icontains=word) | Q(name_en__icontains=word)
                        | Q(producer__farm_name__icontains=word))
        products = (products.annotate(rank=SearchRank(F("search"), query)).filter(Q(search=query) | partial)
                    .order_by("-rank", "name_nl", "pk"))
    else:
        products = products.order_by("name_nl", "pk")
    return products


# --- what a card and a product page show ----------------------------------------------------------------

PLACEHOLDER_COLOURS = ("#5b8c3a", "#b5651d", "#c0392b", "#8e6c8a", "#2e86ab", "#d4a017", "#6b4f2f", "#3c9d7a")


def _colour(slug: str) -> str:
    return PLACEHOLDER_COLOURS[zlib.crc32(slug.encode()) % len(PLACEHOLDER_COLOURS)]


@dataclass(frozen=True)
class AllergenRow:
    code: str
    name: str
    status: str  # contains, may_contain, absent or undeclared
    status_label: str


def allergen_entries(product: Product) -> list[dict]:
    """All 14 allergens in Annex II order; unanswered ones as "undeclared" (uses prefetched answers)."""
    answers = {a.allergen: a.status for a in product.allergens.all()}
    return [{"code": code, "status": answers.get(code, UNDECLARED)} for code in ALLERGEN_CODES]


def allergen_rows(product: Product) -> list[AllergenRow]:
    labels = {**dict(AllergenStatus.choices), UNDECLARED: _("not yet declared")}
    names = dict(Allergen.choices)
    return [AllergenRow(e["code"], str(names[e["code"]]), e["status"], str(labels[e["status"]]))
            for e in allergen_entries(product)]


# Words in an ingredient list that name an allergen (Dutch first, some French/English): a word is
# emphasised when it contains one of the stems or equals one of the whole words (Art. 21 FIC).
ALLERGEN_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "gluten": (("tarwe", "spelt", "rogge", "gerst", "haver", "kamut", "khorasan", "durum", "wheat", "barley",
                "oats", "seigle", "orge", "avoine", "épeautre", "froment", "gluten"), ("rye", "blé")),
    "crustaceans": (("garnaal", "garnalen", "krab", "kreeft", "langoustine", "scampi", "shrimp", "crevette"), ()),
    "eggs": (("eieren", "eigeel", "eidooier", "eiwit", "eierpoeder", "egg", "oeuf", "œuf"), ("ei",)),
    "fish": (("ansjovis", "zalm", "kabeljauw", "tonijn", "makreel", "haring", "fish", "poisson"), ("vis",)),
    "peanuts": (("pinda", "aardnoot", "aardnoten", "peanut", "arachide"), ()),
    "soybeans": (("soja", "soy"), ()),
    "milk": (("melk", "room", "boter", "kaas", "yoghurt", "lactose", "milk", "cream", "butter", "cheese",
              "lait", "crème", "beurre", "fromage"), ("wei",)),
    "nuts": (("amandel", "hazelno", "walno", "cashew", "pecan", "paranot", "paranoot", "pistache", "macadamia",
              "almond", "hazelnut", "walnut", "noisette", "amande"), ("noix",)),
    "celery": (("selder", "celery", "céleri"), ()),
    "mustard": (("mosterd", "mustard", "moutarde"), ()),
    "sesame": (("sesam", "sésame"), ()),
    "sulphites": (("sulfi", "sulphi", "zwaveldioxide", "disulfiet"), ()),
    "lupin": (("lupine", "lupin"), ()),
    "molluscs": (("mossel", "oester", "inktvis", "wulk", "mussel", "oyster", "squid", "moule", "huître"), ()),
}


def ingredients_emphasised(product: Product) -> SafeString:
    """The ingredient list, escaped, with the words naming an allergen the product contains in <strong>."""
    contains = [e["code"] for e in allergen_entries(product) if e["status"] == AllergenStatus.CONTAINS]
    stems = [s for code in contains for s in ALLERGEN_WORDS[code][0]]
    wholes = {w for code in contains for w in ALLERGEN_WORDS[code][1]}
    parts = []
    for part in re.split(r"(\w+)", product.ingredients):
        low = part.lower()
        if part and (low in wholes or any(s in low for s in stems)):
            parts.append(f"<strong>{escape(part)}</strong>")
        else:
            parts.append(escape(part))
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped above


def net_quantity(product: Product) -> str:
    """Net quantity as shown to a buyer (Art. 9(1)(e), Annex IX for goods sold by number or weighed)."""
    if product.net_content and product.net_content_unit:
        small = {"kg": "g", "l": "ml"}[product.net_content_unit]
        if product.net_content < 1:
            return f"{display(product.net_content * 1000)} {small}"
        return f"{display(product.net_content)} {product.net_content_unit}"
    if product.is_weighed:
        return _("variable weight, about %(kg)s kg per piece; you pay the weighed amount") % {
            "kg": display(product.est_weight_kg)}
    if product.sell_unit == "kg":
        return _("sold by weight (per kg)")
    return _("sold by number (per %(unit)s)") % {"unit": product.get_sell_unit_display()}


def label_names(product: Product) -> list[str]:
    names = dict(Product.Label.choices)
    out = []
    for label in product.labels:
        name = str(names.get(label, label))
        if label == Product.Label.ORGANIC and product.producer.organic_control_body:
            name = f"{name} ({product.producer.organic_control_body})"
        out.append(name)
    return out


@dataclass(frozen=True)
class ProductCard:
    product: Product
    name: str
    producer_name: str
    price: PriceBreakdown | None
    amount: Decimal | None  # what this visitor pays per price unit
    vat_included: bool
    comparison: tuple[Decimal, str] | None  # per kg or per l, same VAT basis as `amount`
    labels: list[str]
    contains: list[str]
    may_contain: list[str]
    declared: bool
    sellable: bool
    colour: str
    initial: str
    image_url: str = ""


def product_card(product: Product, *, pricing: PricingContext, roots: dict[int, str]) -> ProductCard:
    price = pricing.price(product)
    business = pricing.business
    amount = comparison = None
    if price is not None:
        amount = price.for_customer(business=business)
        comparison = comparison_price(product, amount) if business else price.comparison
    entries = allergen_entries(product)
    names = dict(Allergen.choices)
    name = localized(product, "name")
    image = product.thumbnail or product.photo
    declared = product.allergens_declared_at is not None
    return ProductCard(
        product=product, name=name, producer_name=product.producer.farm_name, price=price, amount=amount,
        vat_included=not business, comparison=comparison, labels=label_names(product),
        contains=[str(names[e["code"]]) for e in entries if e["status"] == AllergenStatus.CONTAINS],
        may_contain=[str(names[e["code"]]) for e in entries if e["status"] == AllergenStatus.MAY_CONTAIN],
        declared=declared, sellable=declared and product.is_active and product.producer.is_active,
        colour=_colour(roots.get(product.category_id, "")), initial=(name[:1] or "?").upper(),
        image_url=image.url if image else "",
    )


def product_cards(products, *, pricing: PricingContext, tree: list[CategoryNode]) -> list[ProductCard]:
    roots = {node.id: node.root_slug for node in tree}
    return [product_card(p, pricing=pricing, roots=roots) for p in products]


@dataclass(frozen=True)
class DepositLine:
    count: int
    name: str
    value: Decimal


def product_page(product: Product, *, pricing: PricingContext, tree: list[CategoryNode]) -> dict:
    """What the product page shows: the EU 1169/2011 Art. 14 particulars and the transparent price."""
    from .services import product_is_sellable

    sellable, reason = product_is_sellable(product)
    category = next((node.name for node in tree if node.id == product.category_id), "")
    return {
        "card": product_card(product, pricing=pricing, roots={n.id: n.root_slug for n in tree}),
        "description": localized(product, "description"),
        "category_name": category,
        "allergen_rows": allergen_rows(product),
        "ingredients": ingredients_emphasised(product),
        "net_quantity": net_quantity(product),
        "deposits": [DepositLine(d.count, localized(d.item, "name"), d.item.value) for d in product.deposits.all()],
        "sellable": sellable,
        "unsellable_reason": reason,
    }
