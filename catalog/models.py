"""What can be bought: products of producers, with allergens, deposits, prices and margins."""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

from coop.media import PublicUpload
from coop.models import Cooperative
from coop.versioned import ScopedVersionedManager
from members.models import BusinessAccount, Producer

from .allergens import Allergen, AllergenStatus

# One name for "tenant-owned": every model here uses ScopedByCoop(coop="coop"). Every model here is shown on the
# catalogue, so their bulk writes bump its version token (catalog/apps.py).
ScopedByCoop = ScopedVersionedManager


class Category(models.Model):
    """A node of the coop's category tree (e.g. Groenten > Koolgewassen)."""

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    slug = models.SlugField(max_length=80)
    name_nl = models.CharField(_("name (Dutch)"), max_length=100)
    name_fr = models.CharField(_("name (French)"), max_length=100, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    objects = ScopedByCoop(coop="coop")

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "name_nl"]
        constraints = [models.UniqueConstraint(fields=["coop", "slug"], name="category_slug_unique_per_coop")]

    def __str__(self):
        return self.name_nl


class DepositItem(models.Model):
    """Returnable packaging (crate, bottle, jar) with a deposit value; no VAT on deposits."""

    class Kind(models.TextChoices):
        CRATE = "crate", _("crate")
        BOTTLE = "bottle", _("bottle")
        JAR = "jar", _("jar")

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    code = models.SlugField(max_length=40)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name_nl = models.CharField(_("name (Dutch)"), max_length=150)
    name_fr = models.CharField(_("name (French)"), max_length=150, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=150, blank=True)
    value = models.DecimalField(_("deposit value (EUR)"), max_digits=8, decimal_places=2)
    empty_weight_kg = models.DecimalField(_("empty weight (kg)"), max_digits=7, decimal_places=3, default=0)

    objects = ScopedByCoop(coop="coop")

    class Meta:
        verbose_name = _("deposit item")
        verbose_name_plural = _("deposit items")
        ordering = ["kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["coop", "code"], name="deposit_code_unique_per_coop"),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="deposit_value_not_negative"),
        ]

    def __str__(self):
        return self.name_nl


class Unit(models.TextChoices):
    KG = "kg", _("kg")
    PIECE = "piece", _("piece")
    BUNCH = "bunch", _("bunch")
    LITRE = "litre", _("litre")
    PACK = "pack", _("pack")
    JAR = "jar", _("jar")
    BOTTLE = "bottle", _("bottle")
    DOZEN = "dozen", _("dozen")


class Product(models.Model):
    class VatClass(models.TextChoices):
        FOOD = "food", _("food (6%)")
        ALCOHOL = "alcohol", _("alcoholic drinks (21%)")
        OTHER = "other", _("other (21%)")

    class Storage(models.TextChoices):
        AMBIENT = "ambient", _("ambient")
        CHILLED = "chilled", _("chilled")
        FROZEN = "frozen", _("frozen")

    class Label(models.TextChoices):
        ORGANIC = "organic", _("organic")
        BIODYNAMIC = "biodynamic", _("biodynamic")
        REGIONAL = "regional", _("regional product")
        FREE_RANGE = "free_range", _("free range")
        GRASS_FED = "grass_fed", _("grass fed")

    class ContentUnit(models.TextChoices):
        KG = "kg", _("kg")
        LITRE = "l", _("l")

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    producer = models.ForeignKey(Producer, on_delete=models.PROTECT, related_name="products")
    sku = models.CharField(_("product code"), max_length=60)
    name_nl = models.CharField(_("name (Dutch)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    description_nl = models.TextField(_("description (Dutch)"), blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    # Public: shown on the catalogue by their URL (coop/media.py); nothing private goes under public/.
    photo = models.ImageField(_("photo"), upload_to=PublicUpload("products"), max_length=200, blank=True)
    thumbnail = models.ImageField(upload_to=PublicUpload("products/thumbs"), max_length=200, blank=True,
                                  editable=False)
    sell_unit = models.CharField(_("sold per"), max_length=10, choices=Unit.choices)
    price_unit = models.CharField(_("price per"), max_length=10, choices=Unit.choices,
                                  help_text=_("kg for weighed goods, otherwise the sell unit"))
    order_step = models.DecimalField(_("order step"), max_digits=8, decimal_places=3, default=1)
    min_quantity = models.DecimalField(_("minimum quantity"), max_digits=8, decimal_places=3, default=1)
    is_weighed = models.BooleanField(_("weighed goods"), default=False,
                                     help_text=_("Ordered by estimate, invoiced by the weighed amount."))
    est_weight_kg = models.DecimalField(_("weight per unit (kg)"), max_digits=8, decimal_places=3, default=0,
                                        help_text=_("The estimate for weighed goods; for loading otherwise."))
    net_content = models.DecimalField(_("net content"), max_digits=8, decimal_places=3, null=True, blank=True)
    net_content_unit = models.CharField(_("net content unit"), max_length=2, choices=ContentUnit.choices,
                                        blank=True)
    vat_class = models.CharField(_("VAT class"), max_length=10, choices=VatClass.choices, default=VatClass.FOOD)
    storage = models.CharField(_("storage"), max_length=10, choices=Storage.choices, default=Storage.AMBIENT)
    labels = ArrayField(models.CharField(max_length=20, choices=Label.choices), default=list, blank=True,
                        verbose_name=_("labels"))
    ingredients = models.TextField(_("ingredients"), blank=True)
    origin = models.CharField(_("origin"), max_length=150, blank=True)
    shelf_life_days = models.PositiveSmallIntegerField(_("shelf life (days)"), null=True, blank=True)
    season_months = ArrayField(models.PositiveSmallIntegerField(), default=list, blank=True,
                               verbose_name=_("season (months)"))
    allergens_declared_at = models.DateTimeField(_("allergens declared at"), null=True, blank=True)
    is_active = models.BooleanField(_("for sale"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Dutch full-text search over names and descriptions (stemming: "wortelen" finds "wortel").
    search = models.GeneratedField(
        expression=SearchVector("name_nl", "description_nl", "name_fr", "name_en", config="dutch"),
        output_field=SearchVectorField(), db_persist=True,
    )

    objects = ScopedByCoop(coop="coop")

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name_nl"]
        indexes = [GinIndex(fields=["search"], name="product_search_gin")]
        constraints = [
            models.UniqueConstraint(fields=["coop", "sku"], name="product_sku_unique_per_coop"),
            models.CheckConstraint(condition=models.Q(order_step__gt=0), name="product_step_positive"),
            models.CheckConstraint(condition=models.Q(min_quantity__gt=0), name="product_min_positive"),
            models.CheckConstraint(condition=models.Q(est_weight_kg__gte=0), name="product_weight_not_negative"),
            models.CheckConstraint(
                condition=models.Q(is_weighed=False) | (models.Q(price_unit="kg") & models.Q(est_weight_kg__gt=0)),
                name="product_weighed_priced_per_kg_with_estimate",
            ),
        ]

    def __str__(self):
        return self.name_nl

    @property
    def allergens_declared(self) -> bool:
        return self.allergens_declared_at is not None


class ProductAllergen(models.Model):
    """One answer per product and allergen; a product is declared once all 14 are answered."""

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="allergens")
    allergen = models.CharField(max_length=20, choices=Allergen.choices)
    status = models.CharField(max_length=12, choices=AllergenStatus.choices)

    objects = ScopedByCoop(coop="coop")

    class Meta:
        verbose_name = _("allergen declaration")
        verbose_name_plural = _("allergen declarations")
        constraints = [
            models.UniqueConstraint(fields=["product", "allergen"], name="one_answer_per_product_allergen"),
        ]

    def __str__(self):
        return f"{self.product}: {self.allergen} {self.status}"

class ProductDeposit(models.Model):
    """How many of a deposit item go with one sell unit (a beer crate: 1 crate + 24 bottles)."""

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="deposits")
    item = models.ForeignKey(DepositItem, on_delete=models.PROTECT, related_name="+")
    count = models.PositiveSmallIntegerField(default=1)

    objects = ScopedByCoop(coop="coop")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "item"], name="one_row_per_product_deposit"),
            models.CheckConstraint(condition=models.Q(count__gt=0), name="deposit_count_positive"),
        ]

    def __str__(self):
        return f"{self.product}: {self.count} x {self.item}"

class ProducerPrice(models.Model):
    """The producer's own price per price unit, excluding VAT. History is kept: rows are never edited.

    A cycle uses the price valid when it opened, so a change reaches customers from the next cycle on.
    """

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="prices")
    price = models.DecimalField(_("producer price excl. VAT"), max_digits=10, decimal_places=2)
    valid_from = models.DateTimeField(_("valid from"))
    created_by = models.ForeignKey("members.User", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedByCoop(coop="coop")

    class Meta:
        verbose_name = _("producer price")
        verbose_name_plural = _("producer prices")
        ordering = ["product", "-valid_from"]
        indexes = [models.Index(fields=["product", "-valid_from"], name="producer_price_lookup")]
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gt=0), name="producer_price_positive"),
            models.UniqueConstraint(fields=["product", "valid_from"], name="one_price_per_product_moment"),
        ]

    def __str__(self):
        return f"{self.product}: {self.price} from {self.valid_from:%Y-%m-%d}"

class PriceGroup(models.Model):
    """A group of business customers with their own margin (e.g. kitchens pay a lower margin)."""

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    code = models.SlugField(max_length=40)
    name = models.CharField(_("name"), max_length=100)
    margin_percent = models.DecimalField(_("margin (%)"), max_digits=5, decimal_places=2, null=True, blank=True,
                                         help_text=_("Empty: the coop's margin."))
    accounts = models.ManyToManyField(BusinessAccount, through="PriceGroupMember", related_name="price_groups")

    objects = ScopedByCoop(coop="coop")

    class Meta:
        verbose_name = _("price group")
        verbose_name_plural = _("price groups")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["coop", "code"], name="price_group_code_unique_per_coop")]

    def __str__(self):
        return self.name


class PriceGroupMember(models.Model):
    """A business account belongs to at most one price group."""

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    price_group = models.ForeignKey(PriceGroup, on_delete=models.CASCADE, related_name="+")
    account = models.OneToOneField(BusinessAccount, on_delete=models.CASCADE, related_name="price_group_member")

    objects = ScopedByCoop(coop="coop")

    def __str__(self):
        return f"{self.account} in {self.price_group}"

class CategoryMargin(models.Model):
    """A margin override for a category (and its subcategories), for everyone or for one price group."""

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="margins")
    price_group = models.ForeignKey(PriceGroup, null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="category_margins")
    margin_percent = models.DecimalField(_("margin (%)"), max_digits=5, decimal_places=2)

    objects = ScopedByCoop(coop="coop")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["category", "price_group"], name="one_margin_per_category_group",
                                    nulls_distinct=False),
            models.CheckConstraint(condition=models.Q(margin_percent__gte=0), name="category_margin_not_negative"),
        ]

    def __str__(self):
        return f"{self.category}: {self.margin_percent}%"

class ContractPrice(models.Model):
    """A price agreed with one business customer for one product, excluding VAT, for a period."""

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    account = models.ForeignKey(BusinessAccount, on_delete=models.CASCADE, related_name="contract_prices")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="contract_prices")
    price = models.DecimalField(_("price excl. VAT"), max_digits=10, decimal_places=2)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    objects = ScopedByCoop(coop="coop")

    class Meta:
        verbose_name = _("contract price")
        verbose_name_plural = _("contract prices")
        ordering = ["account", "product", "-valid_from"]
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gt=0), name="contract_price_positive"),
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=models.F("valid_from")),
                name="contract_period_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.account}: {self.product} at {self.price}"
