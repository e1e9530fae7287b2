"""A producer's product list as CSV or XLSX: export, and import as parse -> validate -> apply.

An import is all or nothing. The preview runs the whole import inside a transaction that is rolled back,
so it shows exactly what would happen (the services' rules included) and writes nothing; applying commits
only when no row has an error. Rows are numbered as in a spreadsheet: the header is row 1.
"""

import csv
import io
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from coop.numbers import plain
from members.models import Producer

from . import product_columns as fmt
from .models import Category, DepositItem, Product
from .pricing import with_producer_price
from .services import product_save

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
CREATE, UPDATE, UNCHANGED, ERROR = "create", "update", "unchanged", "error"


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass
class RowPlan:
    row: int
    sku: str
    name: str
    action: str = UNCHANGED
    product: Product | None = None
    data: dict = field(default_factory=dict)  # what product_save gets
    changes: list[str] = field(default_factory=list)  # changed columns
    errors: list[RowError] = field(default_factory=list)

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.row, column, str(message)))
        self.action = ERROR


@dataclass
class ImportResult:
    rows: list[RowPlan] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    applied: bool = False

    @property
    def errors(self) -> list[RowError]:
        return [e for r in self.rows for e in r.errors]

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.errors

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {a: self.count(a) for a in (CREATE, UPDATE, UNCHANGED, ERROR)}


# --- parse -------------------------------------------------------------------------------------------

def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return plain(value) if value == value else ""  # NaN is blank
    if isinstance(value, int | Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _read_csv(content: bytes) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")  # a file saved by Excel on Windows
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)  # Belgian Excel writes ';'
    try:
        return [row for _n, row in zip(range(MAX_ROWS + 2), csv.reader(io.StringIO(text), delimiter=delimiter),
                                       strict=False)]
    except csv.Error as exc:
        raise ValidationError(_("This CSV file cannot be read: %(error)s") % {"error": exc}) from exc


def _read_xlsx(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            rows = []
            for values in sheet.iter_rows(max_col=len(fmt.COLUMNS) + 10, values_only=True):
                rows.append([_cell_text(v) for v in values])
                if len(rows) > MAX_ROWS + 1:
                    break
        finally:
            book.close()
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError, IndexError) as exc:
        raise ValidationError(_("This XLSX file cannot be read.")) from exc
    return rows


def parse(content: bytes, filename: str) -> list[tuple[int, dict[str, str], bool]]:
    """The data rows as (row number, {column: text}, has cells beyond the header). Raises ValidationError
    for a file that cannot be read or whose header is wrong."""
    if len(content) > MAX_BYTES:
        raise ValidationError(_("The file is larger than %(size)s MB.") % {"size": MAX_BYTES // (1024 * 1024)})
    name = (filename or "").lower()
    if name.endswith(".xlsx") or content[:4] == b"PK\x03\x04":
        table = _read_xlsx(content)
    elif name.endswith((".csv", ".txt")):
        table = _read_csv(content)
    else:
        raise ValidationError(_("Upload a .csv or .xlsx file."))
    while table and not any(c.strip() for c in table[-1]):
        table.pop()
    if not table:
        raise ValidationError(_("The file is empty."))
    if len(table) > MAX_ROWS + 1:
        raise ValidationError(_("At most %(n)s products can be imported at once.") % {"n": MAX_ROWS})
    header = [c.strip().lower() for c in table[0]]
    while header and not header[-1]:
        header.pop()
    _check_header(header)
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        extra = any(c.strip() for c in cells[len(header):])
        padded = list(cells[: len(header)]) + [""] * max(0, len(header) - len(cells))
        rows.append((number, dict(zip(header, padded, strict=True)), extra))
    return rows


def _check_header(header: list[str]) -> None:
    problems = []
    unknown = [c or _("(empty)") for c in header if c not in fmt.COLUMNS]
    if unknown:
        problems.append(_("Unknown column(s): %(cols)s.") % {"cols": ", ".join(unknown)})
    doubles = sorted({c for c in header if c and header.count(c) > 1})
    if doubles:
        problems.append(_("Column(s) given twice: %(cols)s.") % {"cols": ", ".join(doubles)})
    missing = [c for c in fmt.REQUIRED if c not in header]
    if missing:
        problems.append(_("Missing column(s): %(cols)s.") % {"cols": ", ".join(missing)})
    if {"allergens_contains", "allergens_may_contain"} & set(header) and "allergens_declared" not in header:
        problems.append(_("Allergen columns need the column allergens_declared (yes when all 14 are answered)."))
    if problems:
        raise ValidationError(problems)


# --- validate ----------------------------------------------------------------------------------------

class _Context:
    """What every row is checked against, loaded with a fixed number of queries."""

    def __init__(self, producer: Producer, skus: list[str]):
        self.producer = producer
        products = (with_producer_price(Product.objects.filter(sku__in=skus))
                    .prefetch_related("allergens", "deposits__item"))
        self.products = {p.sku: p for p in products}
        self.categories = fmt.category_lookup(Category.objects.all())
        self.deposit_codes = set(DepositItem.objects.values_list("code", flat=True))


def validate(rows, *, producer: Producer) -> list[RowPlan]:
    skus = [raw.get("sku", "").strip() for _n, raw, _x in rows]
    ctx = _Context(producer, [s for s in skus if s])
    seen: dict[str, int] = {}
    plans = []
    for number, raw, extra in rows:
        plan = RowPlan(row=number, sku=raw.get("sku", "").strip(), name=raw.get("name_nl", "").strip())
        if extra:
            plan.error("", _("This row has more cells than the header has columns (a separator inside a text?)."))
        _plan_row(plan, raw, ctx, seen)
        plans.append(plan)
    return plans


def _plan_row(plan: RowPlan, raw: dict, ctx: _Context, seen: dict) -> None:
    if plan.sku in seen:
        plan.error("sku", _("This product code is also on row %(row)s.") % {"row": seen[plan.sku]})
    elif plan.sku:
        seen[plan.sku] = plan.row
    product = ctx.products.get(plan.sku)
    if product is not None and product.producer_id != ctx.producer.pk:
        plan.error("sku", _("This product code belongs to another producer."))
        return
    values = {}
    for column, text in raw.items():
        try:
            values.update(fmt.read_column(column, text, ctx))
        except ValidationError as exc:
            for message in exc.messages:
                plan.error(column, message)
    for column in fmt.REQUIRED:
        if not raw.get(column, "").strip():
            plan.error(column, _("This column is required."))
    if product is None and not raw.get("producer_price_excl_vat", "").strip():
        plan.error("producer_price_excl_vat", _("A new product needs a price."))
    if plan.errors:
        return
    if product is None:
        plan.action, plan.data, plan.changes = CREATE, fmt.for_create(values), []
        return
    plan.product = product
    try:
        plan.data, plan.changes = fmt.changes(product, values)
    except ValidationError as exc:
        for column, messages in exc.message_dict.items():
            for message in messages:
                plan.error(column, message)
        return
    plan.action = UPDATE if plan.data else UNCHANGED


# --- apply -------------------------------------------------------------------------------------------

def _apply_rows(plans: list[RowPlan], *, producer: Producer, user) -> None:
    for plan in plans:
        if plan.action not in (CREATE, UPDATE):
            continue
        try:
            with transaction.atomic():  # a savepoint: one row's failure leaves the others checkable
                product_save(product=plan.product, producer=producer, data=plan.data, user=user)
        except ValidationError as exc:
            for key, messages in fmt.error_items(exc):
                for message in messages:
                    plan.error(fmt.column_for(key), message)
        except IntegrityError:
            plan.error("sku", _("This row conflicts with another product (is the product code already used?)."))


def run_import(*, producer: Producer, content: bytes, filename: str, user=None, commit: bool) -> ImportResult:
    """Preview (`commit=False`: everything is rolled back) or apply (committed only when no row fails)."""
    try:
        rows = parse(content, filename)
    except ValidationError as exc:
        return ImportResult(file_errors=exc.messages)
    if not rows:
        return ImportResult(file_errors=[_("The file has no product rows.")])
    result = ImportResult()
    with transaction.atomic():
        # One import per producer at a time: the second waits and then sees the first one's products.
        producer = Producer.objects.select_for_update().get(pk=producer.pk)
        result.rows = validate(rows, producer=producer)
        _apply_rows(result.rows, producer=producer, user=user)
        if commit and result.ok:
            result.applied = True
        else:
            transaction.set_rollback(True)
    return result


# --- export ------------------------------------------------------------------------------------------

def export_products(producer: Producer):
    products = (with_producer_price(Product.objects.filter(producer=producer))
                .prefetch_related("allergens", "deposits__item").order_by("sku"))
    paths = fmt.category_paths(Category.objects.all())
    return [fmt.COLUMNS] + [fmt.export_row(p, paths) for p in products]


def export_csv(producer: Producer) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in export_products(producer):
        writer.writerow([fmt.csv_safe(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8


def export_xlsx(producer: Producer) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("Products")[:31]
    for row in export_products(producer):
        sheet.append([v if isinstance(v, Decimal | int) else ("" if v is None else str(v)) for v in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text, never a formula
    sheet.freeze_panes = "B2"
    for column_cells in sheet.columns:
        sheet.column_dimensions[column_cells[0].column_letter].width = 14
    fmt.add_codes_sheet(book, paths=fmt.category_paths(Category.objects.all()),
                        deposit_codes=list(DepositItem.objects.order_by("code").values_list("code", flat=True)))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

