"""The columns of a product list file (CSV/XLSX): how each is written on export and read on import.

Lists inside a cell are separated by ';' (allergen codes, labels, deposits as `code:count`), months are
ranges like `1-4,10-12`, yes/no columns accept yes/no, ja/nee, oui/non, true/false and 1/0.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .allergens import ALLERGEN_CODES, AllergenStatus
from .models import Product, Unit
from .services import parse_price

COLUMNS = [
    "sku", "name_nl", "name_fr", "name_en", "description_nl", "description_fr", "description_en", "category",
    "sell_unit", "price_unit", "order_step", "min_quantity", "weighed", "est_weight_kg", "net_content",
    "net_content_unit", "vat_class", "storage", "labels", "ingredients", "origin", "shelf_life_days",
    "season_months", "producer_price_excl_vat", "allergens_declared", "allergens_contains",
    "allergens_may_contain", "deposits", "active",
]
REQUIRED = ["sku", "name_nl", "category", "sell_unit"]
# product_save's field names -> the column that shows an error about them
FIELD_COLUMN = {"is_weighed": "weighed", "is_active": "active", "price": "producer_price_excl_vat",
                "allergens": "allergens_contains", "deposits": "deposits", "__all__": ""}
TEXT_LIMITS = {"sku": 60, "name_nl": 200, "name_fr": 200, "name_en": 200, "origin": 150,
               "description_nl": None, "description_fr": None, "description_en": None, "ingredients": None}
TRUE, FALSE = {"yes", "ja", "oui", "true", "waar", "vrai", "1", "y", "j"}, {"no", "nee", "non", "false", "0", "n"}
FORMULA_START = ("=", "+", "-", "@")  # a spreadsheet would run such a cell as a formula


def column_for(field: str) -> str:
    return FIELD_COLUMN.get(field, field)


def error_items(exc: ValidationError):
    return exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]


# --- reading one cell --------------------------------------------------------------------------------

def _text(text: str) -> str:
    text = text.replace("\r\n", "\n").strip()
    if text[:1] == "'" and text[1:2] in FORMULA_START:
        text = text[1:]  # undo csv_safe
    return text


def _decimal(text: str, places: int = 3) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation as exc:
        raise ValidationError(_("'%(value)s' is not a number.") % {"value": text}) from exc
    if not value.is_finite() or value < 0:
        raise ValidationError(_("'%(value)s' is not a number of zero or more.") % {"value": text})
    quantum = Decimal(1).scaleb(-places)
    if value != value.quantize(quantum):
        raise ValidationError(_("At most %(n)s decimals.") % {"n": places})
    return value.quantize(quantum)


def _bool(text: str) -> bool:
    word = text.strip().lower()
    if word in TRUE:
        return True
    if word in FALSE:
        return False
    raise ValidationError(_("Answer yes or no, not '%(value)s'.") % {"value": text})


def _choice(text: str, choices) -> str:
    value = text.strip().lower()
    allowed = [c.value for c in choices]
    if value not in allowed:
        raise ValidationError(_("'%(value)s' is not one of: %(allowed)s.") % {"value": text,
                                                                               "allowed": ", ".join(allowed)})
    return value


def _codes(text: str) -> list[str]:
    return [c.strip().lower() for c in text.replace(",", ";").split(";") if c.strip()]


def _allergen_codes(text: str) -> set[str]:
    codes = set(_codes(text))
    unknown = sorted(codes - set(ALLERGEN_CODES))
    if unknown:
        raise ValidationError(_("Unknown allergen code(s): %(codes)s. Known: %(known)s.")
                              % {"codes": ", ".join(unknown), "known": ", ".join(ALLERGEN_CODES)})
    return codes


def _months(text: str) -> list[int]:
    months: set[int] = set()
    try:
        for part in filter(None, (p.strip() for p in text.replace(";", ",").split(","))):
            low, _sep, high = part.partition("-")
            months.update(range(int(low), int(high or low) + 1))
    except ValueError as exc:
        raise ValidationError(_("Months look like 1-4,10-12.")) from exc
    if any(not 1 <= m <= 12 for m in months):
        raise ValidationError(_("Months are 1 to 12."))
    return sorted(months)


def _deposits(text: str, known: set[str]) -> dict[str, int]:
    deposits: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        code, _sep, count = part.partition(":")
        code = code.strip().lower()
        if code not in known:
            raise ValidationError(_("Unknown deposit item '%(code)s'. Known: %(known)s.")
                                  % {"code": code, "known": ", ".join(sorted(known))})
        try:
            number = int((count or "1").strip())
        except ValueError as exc:
            raise ValidationError(_("Deposits look like veg_crate:1;milk_bottle_1l:6.")) from exc
        if number <= 0:
            raise ValidationError(_("A deposit count must be positive."))
        deposits[code] = number
    return deposits


def read_column(column: str, text: str, ctx) -> dict:
    """{field: value} for one cell; {} when a blank cell means "keep" (or "default" for a new product)."""
    blank = not text.strip()
    if column in TEXT_LIMITS:
        value = _text(text)
        limit = TEXT_LIMITS[column]
        if limit and len(value) > limit:
            raise ValidationError(_("At most %(n)s characters.") % {"n": limit})
        return {column: value}
    if column in ("category", "sell_unit", "price_unit", "order_step", "min_quantity", "weighed",
                  "est_weight_kg", "vat_class", "storage", "producer_price_excl_vat", "active") and blank:
        return {}
    match column:
        case "category":
            category = ctx.categories.get(_text(text).lower())
            if category is None:
                raise ValidationError(_("Unknown category '%(value)s' (use its code or path as in the export).")
                                      % {"value": text})
            return {"category": category}
        case "sell_unit" | "price_unit":
            return {column: _choice(text, Unit)}
        case "order_step" | "min_quantity" | "est_weight_kg":
            return {column: _decimal(text)}
        case "net_content":
            return {"net_content": None if blank else _decimal(text)}
        case "net_content_unit":
            return {"net_content_unit": "" if blank else _choice(text, Product.ContentUnit)}
        case "weighed":
            return {"is_weighed": _bool(text)}
        case "active":
            return {"is_active": _bool(text)}
        case "vat_class":
            return {"vat_class": _choice(text, Product.VatClass)}
        case "storage":
            return {"storage": _choice(text, Product.Storage)}
        case "labels":
            labels = _codes(text)
            for label in labels:
                _choice(label, Product.Label)
            return {"labels": sorted(set(labels))}
        case "shelf_life_days":
            if blank:
                return {"shelf_life_days": None}
            days = _decimal(text, places=0)
            if days > 32767:
                raise ValidationError(_("At most 32767 days."))
            return {"shelf_life_days": int(days)}
        case "season_months":
            return {"season_months": _months(text)}
        case "producer_price_excl_vat":
            try:
                return {"price": parse_price(text.strip())}
            except ValidationError as exc:
                raise ValidationError(exc.message_dict["price"]) from exc
        case "allergens_declared":
            return {"_declared": False if blank else _bool(text)}
        case "allergens_contains":
            return {"_contains": _allergen_codes(text)}
        case "allergens_may_contain":
            return {"_may_contain": _allergen_codes(text)}
        case "deposits":
            return {"deposits": _deposits(text, ctx.deposit_codes)}
    raise ValidationError(_("Unknown column."))


# --- turning cells into product_save data ------------------------------------------------------------

def _allergen_answers(values: dict) -> tuple[bool, dict[str, str]] | None:
    if "_declared" not in values:
        return None
    contains, may = values.get("_contains", set()), values.get("_may_contain", set())
    both = sorted(contains & may)
    if both:
        raise ValidationError({"allergens_may_contain": [
            _("Listed as both contains and may contain: %(codes)s.") % {"codes": ", ".join(both)}]})
    answers = dict.fromkeys(contains, AllergenStatus.CONTAINS.value)
    answers.update(dict.fromkeys(may, AllergenStatus.MAY_CONTAIN.value))
    if values["_declared"]:
        answers = {c: answers.get(c, AllergenStatus.ABSENT.value) for c in ALLERGEN_CODES}
    return values["_declared"], answers


def for_create(values: dict) -> dict:
    data = {k: v for k, v in values.items() if not k.startswith("_")}
    allergens = _allergen_answers(values)
    if allergens and allergens[1]:
        data["allergens"] = allergens[1]
    return data


def _same(current, new) -> bool:
    if isinstance(current, str):
        return current.replace("\r\n", "\n").strip() == new
    if isinstance(current, list):
        return sorted(current) == sorted(new)
    return current == new


def changes(product: Product, values: dict) -> tuple[dict, list[str]]:
    """The product_save data that turns `product` into the row, and the columns that change."""
    data, changed = {}, []
    for key, new in values.items():
        if key.startswith("_") or key in ("price", "deposits"):
            continue
        current = product.category if key == "category" else getattr(product, key)
        if not _same(current, new):
            data[key] = new
            changed.append(column_for(key))
    if "price" in values and values["price"] != product.producer_price_at:
        data["price"] = values["price"]
        changed.append("producer_price_excl_vat")
    if "deposits" in values:
        current = {d.item.code: d.count for d in product.deposits.all()}
        if current != values["deposits"]:
            data["deposits"] = values["deposits"]
            changed.append("deposits")
    allergens = _allergen_answers(values)
    if allergens is not None:
        declared, answers = allergens
        current = {a.allergen: a.status for a in product.allergens.all()}
        if product.allergens_declared and not declared:
            raise ValidationError({"allergens_declared": [
                _("The allergens of this product are declared; correct the answers instead of withdrawing them.")]})
        if not declared:
            stated = {c: s for c, s in current.items() if s != AllergenStatus.ABSENT}
            dropped = sorted(set(stated) - set(answers))
            if dropped:
                raise ValidationError({"allergens_contains": [
                    _("To take back an answer (%(codes)s), declare all 14 allergens (allergens_declared yes).")
                    % {"codes": ", ".join(dropped)}]})
        if any(current.get(c) != s for c, s in answers.items()):
            data["allergens"] = answers
            changed.append("allergens")
    return data, changed


# --- categories --------------------------------------------------------------------------------------

def category_paths(categories) -> dict[int, str]:
    """{category id: "Groenten/Bladgroenten"} from one list of the coop's categories."""
    rows = {c.pk: c for c in categories}
    paths = {}
    for pk in rows:
        names, seen, node = [], set(), rows[pk]
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            names.append(node.name_nl)
            node = rows.get(node.parent_id)
        paths[pk] = "/".join(reversed(names))
    return paths


def category_lookup(categories) -> dict:
    """Category by lower-cased slug or path."""
    categories = list(categories)
    paths = category_paths(categories)
    lookup = {paths[c.pk].lower(): c for c in categories}
    lookup.update({c.slug.lower(): c for c in categories})
    return lookup


# --- writing -----------------------------------------------------------------------------------------

def _month_ranges(months: list[int]) -> str:
    parts, months = [], sorted(set(months))
    i = 0
    while i < len(months):
        j = i
        while j + 1 < len(months) and months[j + 1] == months[j] + 1:
            j += 1
        parts.append(str(months[i]) if i == j else f"{months[i]}-{months[j]}")
        i = j + 1
    return ",".join(parts)


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def export_row(product: Product, paths: dict[int, str]) -> list:
    """One product as the values of COLUMNS (Decimal and int stay numbers, for spreadsheets)."""
    answers = {a.allergen: a.status for a in product.allergens.all()}
    by_status = {s: ";".join(c for c in ALLERGEN_CODES if answers.get(c) == s) for s in AllergenStatus.values}
    deposits = ";".join(f"{d.item.code}:{d.count}" for d in sorted(product.deposits.all(), key=lambda d: d.item.code))
    values = {
        "category": paths.get(product.category_id, ""), "weighed": _yes(product.is_weighed),
        "labels": ";".join(sorted(product.labels)), "season_months": _month_ranges(product.season_months),
        "producer_price_excl_vat": product.producer_price_at,
        "allergens_declared": _yes(product.allergens_declared),
        "allergens_contains": by_status[AllergenStatus.CONTAINS],
        "allergens_may_contain": by_status[AllergenStatus.MAY_CONTAIN], "deposits": deposits,
        "active": _yes(product.is_active),
    }
    return [values[c] if c in values else getattr(product, c) for c in COLUMNS]


def csv_safe(value) -> str:
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_START):
        return "'" + text
    return text


def add_codes_sheet(book, *, paths: dict[int, str], deposit_codes: list[str]) -> None:
    """A second sheet listing the allowed codes per column (the import reads only the first sheet)."""
    sheet = book.create_sheet(_("codes")[:31])
    sheet.append([_("column"), _("allowed values")])
    for column, allowed in [
        ("category", sorted(paths.values())), ("sell_unit / price_unit", Unit.values),
        ("vat_class", Product.VatClass.values), ("storage", Product.Storage.values),
        ("labels", Product.Label.values), ("net_content_unit", Product.ContentUnit.values),
        ("allergens_contains / allergens_may_contain", ALLERGEN_CODES), ("deposits", deposit_codes),
    ]:
        sheet.append([column, "; ".join(allowed)])
    sheet.column_dimensions["A"].width = 40
    sheet.column_dimensions["B"].width = 100
