"""Writes on the catalogue: products, allergen declarations, deposits, producer prices, margins."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .allergens import ALLERGEN_CODES, AllergenStatus
from .models import DepositItem, ProducerPrice, Product, ProductAllergen, ProductDeposit

PRODUCT_FIELDS = {
    "sku", "name_nl", "name_fr", "name_en", "description_nl", "description_fr", "description_en", "category",
    "sell_unit", "price_unit", "order_step", "min_quantity", "is_weighed", "est_weight_kg", "net_content",
    "net_content_unit", "vat_class", "storage", "labels", "ingredients", "origin", "shelf_life_days",
    "season_months", "is_active", "photo",
}


def catalogue_version(coop_id: int) -> str:
    """Name of the version token of a coop's catalogue as customers see it (coop/versions.py); every write of
    catalogue rows bumps it, bulk ones too (catalog/apps.py, coop/versioned.py)."""
    return f"catalogue:{coop_id}"


def _check_product_rules(product: Product) -> None:
    errors = {}
    if product.is_weighed and product.price_unit != "kg":
        errors["price_unit"] = _("Weighed goods are priced per kg.")
    if product.is_weighed and not product.est_weight_kg:
        errors["est_weight_kg"] = _("Weighed goods need an estimated weight per unit.")
    if product.order_step and product.min_quantity and (product.min_quantity % product.order_step) != 0:
        errors["min_quantity"] = _("The minimum must be a multiple of the order step.")
    if Product.Label.ORGANIC in product.labels and not product.producer.organic_control_body:
        errors["labels"] = _("Only a producer with an organic certificate (control body) can sell as organic.")
    bad_months = [m for m in product.season_months if not 1 <= m <= 12]
    if bad_months:
        errors["season_months"] = _("Months are 1 to 12.")
    if errors:
        raise ValidationError(errors)


def product_save(*, product: Product | None = None, producer, data: dict, user=None) -> Product:
    """Create or update a product of `producer` from validated field data; optional `price` and
    `allergens` / `deposits` in `data` are saved in the same transaction."""
    data = dict(data)
    price = data.pop("price", None)
    allergens = data.pop("allergens", None)
    deposits = data.pop("deposits", None)
    unknown = set(data) - PRODUCT_FIELDS
    if unknown:
        raise ValidationError(_("Unknown product field(s): %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    with transaction.atomic():
        if product is None:
            product = Product(coop=producer.coop, producer=producer)
            if not data.get("price_unit"):
                data["price_unit"] = "kg" if data.get("is_weighed") else data.get("sell_unit")
        for field, value in data.items():
            setattr(product, field, value)
        _check_product_rules(product)
        product.full_clean(exclude=["search", "coop", "producer", "thumbnail"])
        # full_clean cannot check (coop, sku) with coop excluded: check it here for a clear error, not a 500.
        if Product.objects.filter(sku=product.sku).exclude(pk=product.pk).exists():
            raise ValidationError({"sku": _("Another product of this cooperative already has code %(sku)s.")
                                   % {"sku": product.sku}})
        product.save()
        if allergens is not None:
            product_declare_allergens(product=product, answers=allergens)
        if deposits is not None:
            product_set_deposits(product=product, deposits=deposits)
        if price is not None:
            product_set_price(product=product, price=price, user=user)
    return product


def product_declare_allergens(*, product: Product, answers: dict[str, str]) -> None:
    """Record the answers; the product counts as declared only when all 14 allergens are answered."""
    known_status = {s.value for s in AllergenStatus}
    unknown = [code for code in answers if code not in ALLERGEN_CODES]
    if unknown:
        raise ValidationError({"allergens": _("Unknown allergen code(s): %(codes)s") % {"codes": ", ".join(unknown)}})
    bad = [code for code, status in answers.items() if status not in known_status]
    if bad:
        raise ValidationError({"allergens": _("Answer contains, may contain or absent for: %(codes)s")
                               % {"codes": ", ".join(bad)}})
    with transaction.atomic():
        for code, status in answers.items():
            ProductAllergen.objects.update_or_create(product=product, allergen=code,
                                                     defaults={"status": status, "coop": product.coop})
        answered = ProductAllergen.objects.filter(product=product).count()
        complete = answered == len(ALLERGEN_CODES)
        declared_at = (product.allergens_declared_at or timezone.now()) if complete else None
        if declared_at != product.allergens_declared_at:
            product.allergens_declared_at = declared_at
            Product.objects.filter(pk=product.pk).update(allergens_declared_at=declared_at)


def product_set_deposits(*, product: Product, deposits: dict[str, int]) -> None:
    """Replace the deposit items of a product: {deposit code: count per sell unit}."""
    items = {i.code: i for i in DepositItem.objects.filter(code__in=list(deposits))}
    missing = sorted(set(deposits) - set(items))
    if missing:
        raise ValidationError({"deposits": _("Unknown deposit item(s): %(codes)s") % {"codes": ", ".join(missing)}})
    with transaction.atomic():
        ProductDeposit.objects.filter(product=product).exclude(item__code__in=list(deposits)).delete()
        for code, count in deposits.items():
            if int(count) <= 0:
                raise ValidationError({"deposits": _("A deposit count must be positive.")})
            ProductDeposit.objects.update_or_create(product=product, item=items[code],
                                                    defaults={"count": int(count), "coop": product.coop})


def parse_price(value) -> Decimal:
    try:
        price = Decimal(str(value).replace(",", ".")).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({"price": _("'%(value)s' is not a price.") % {"value": value}}) from exc
    if price <= 0:
        raise ValidationError({"price": _("A price must be more than zero.")})
    return price


def product_set_price(*, product: Product, price, user=None, valid_from=None) -> ProducerPrice | None:
    """Record the producer's new price. Cycles use the price valid when they opened, so an open cycle
    keeps the old price and the change reaches customers from the next cycle on. History is kept."""
    price = parse_price(price)
    current = (ProducerPrice.objects.filter(product=product, valid_from__lte=timezone.now())
               .order_by("-valid_from").values_list("price", flat=True).first())
    if current == price and valid_from is None:
        return None
    return ProducerPrice.objects.create(coop=product.coop, product=product, price=price,
                                        valid_from=valid_from or timezone.now(), created_by=user)


def product_is_sellable(product: Product) -> tuple[bool, str]:
    """A product may be offered only when it is active and its allergens are declared (EU 1169/2011)."""
    if not product.is_active:
        return False, _("The product is not for sale.")
    if not product.allergens_declared:
        return False, _("The allergens of this product are not yet declared.")
    return True, ""


# --- producer portal: photos and activation ---------------------------------------------------------

THUMBNAIL_SIZE = 400  # px, the longest side of a product's thumbnail


def _thumbnail_jpeg(photo) -> bytes:
    """A THUMBNAIL_SIZE px JPEG of an uploaded image (EXIF rotation applied, transparency on white)."""
    from io import BytesIO

    from PIL import Image, ImageOps

    try:
        photo.seek(0)
        with Image.open(photo) as opened:
            image = ImageOps.exif_transpose(opened)
            image.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
            if image.mode != "RGB":
                rgba = image.convert("RGBA")
                image = Image.new("RGB", rgba.size, "white")
                image.paste(rgba, mask=rgba.getchannel("A"))
            buffer = BytesIO()
            image.save(buffer, "JPEG", quality=85, optimize=True)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationError({"photo": _("This file is not an image that can be read.")}) from exc
    finally:
        photo.seek(0)
    return buffer.getvalue()


def product_set_photo(*, product: Product, photo) -> Product:
    """Store a new photo of the product with its thumbnail, or remove both (`photo=None`).

    The replaced files are deleted only once the change is committed, so a rollback keeps the old ones.
    """
    from pathlib import Path

    from django.core.files.base import ContentFile
    from django.utils.text import slugify

    old_names = {f.name for f in (product.photo, product.thumbnail) if f}
    if photo:
        thumbnail = _thumbnail_jpeg(photo)
        stem = slugify(f"{product.coop.slug}-{product.sku}") or "product"
        suffix = Path(photo.name or "").suffix.lower()
        suffix = suffix if suffix in {".jpg", ".jpeg", ".png", ".webp", ".gif"} else ".jpg"
        product.photo.save(f"{stem}{suffix}", photo, save=False)
        product.thumbnail.save(f"{stem}-{THUMBNAIL_SIZE}.jpg", ContentFile(thumbnail), save=False)
    else:
        product.photo = ""
        product.thumbnail = ""
    Product.objects.filter(pk=product.pk).update(photo=product.photo.name or "",
                                                 thumbnail=product.thumbnail.name or "")
    storage = product.photo.storage
    gone = old_names - {product.photo.name, product.thumbnail.name}
    if gone:
        transaction.on_commit(lambda: [storage.delete(name) for name in gone])
    return product


def product_set_active(*, product: Product, active: bool) -> Product:
    """Take a product out of sale (or back in); it stays in the history of orders and prices."""
    if product.is_active != active:
        product.is_active = active
        Product.objects.filter(pk=product.pk).update(is_active=active, updated_at=timezone.now())
    return product
