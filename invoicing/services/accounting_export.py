"""Sales and purchase journals for the coop's accountant (issue 11 item 8), as CSV per period.

One row per document per VAT rate, from the issued documents' own VAT breakdown (never recomputed), with the
grid of the Belgian periodic VAT return (form 625) each amount belongs in:

Sales journal (the coop supplies): issued invoices and the credit notes that correct them.
  - category S at 6 % / 12 % / 21 %: taxable amount in grid 01 / 02 / 03, VAT in grid 54;
  - category Z (0 %): grid 00; AE (reverse charge): grid 45; K (intra-EU supply): grid 46;
  - category E on a sales document is a deposit on returnable packaging, outside the taxable amount
    (invoicing.services.building.DEPOSIT_CATEGORY): no grid, on invoices and credit notes alike;
  - credit notes: taxable amount in grid 49 (48 for K), VAT in grid 64.
Purchase journal (the coop buys from its producers): self-billing invoices and purchase slips (Invoice rows
in their own series) with their credit notes, plus the producer settlements that have no invoice of the coop
(statements: `settlement_purchase_documents`, the one place that reads settlements).
  - goods bought for resale: taxable amount in grid 81;
  - VAT on a self-billing invoice, and the flat-rate compensation on a purchase slip (deductible as if it
    were VAT, shared/domain/vat.md section 6a): grid 59; an exempt small business's statement has no VAT;
  - credit notes (and negative corrections): taxable amount in grid 85, VAT to pay back in grid 63.
Signs: credit notes and negative corrections are negative in the journal, so a journal adds up to the period's
net amounts; the return takes their absolute value in grids 49/64 and 85/63 (`grid_totals` does that).
The mapping follows the form's grid definitions; the coop's accountant confirms it once (deposits, reverse
charge and intra-EU cases do not occur in the coop's normal trade).

A consumer invoice may carry a rounding amount (BT-114, at most a cent): it is in the `rounding` column of the
document's first row, so base + VAT + rounding over the rows is what the documents total.

CSV as csvfile.write_csv writes it, dates as YYYY-MM-DD; the last row (journal "TOTAL") holds the sums, and
`journal_check` compares them with the documents' own totals summed by the database.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from coop import money
from invoicing.models import Invoice, InvoiceVatBreakdown
from invoicing.settlements.models import Settlement

from .csvfile import write_csv

SALES = "sales"
PURCHASES = "purchases"
JOURNALS = (SALES, PURCHASES)
SALES_KINDS = (Invoice.Kind.INVOICE,)
PURCHASE_KINDS = (Invoice.Kind.SELF_BILLING, Invoice.Kind.PURCHASE_SLIP)

SALES_BASE_GRID = {Decimal("6"): "01", Decimal("12"): "02", Decimal("21"): "03"}
SALES_CATEGORY_GRID = {"Z": "00", "AE": "45", "K": "46", "E": ""}


class PeriodError(ValueError):
    pass


def parse_period(text: str | None = None, *, start: str | None = None, end: str | None = None) -> tuple[date, date]:
    """'2026-03' (a month), '2026-Q1' (a quarter, as VAT returns are filed) or start/end dates (YYYY-MM-DD),
    both included. Raises PeriodError with a message for anything else."""
    if text:
        month = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
        quarter = re.fullmatch(r"(\d{4})-[Qq]([1-4])", text.strip())
        if month and 1 <= int(month[2]) <= 12:
            first = date(int(month[1]), int(month[2]), 1)
            return first, _month_end(first)
        if quarter:
            first = date(int(quarter[1]), 3 * int(quarter[2]) - 2, 1)
            return first, _month_end(date(first.year, first.month + 2, 1))
        raise PeriodError(_("Give the period as YYYY-MM (a month) or YYYY-Q1 to YYYY-Q4 (a quarter)."))
    try:
        first, last = date.fromisoformat(start or ""), date.fromisoformat(end or "")
    except ValueError as exc:
        raise PeriodError(_("Give a period (YYYY-MM or YYYY-Q1) or a start and an end date (YYYY-MM-DD).")) from exc
    if last < first:
        raise PeriodError(_("The end of the period is before its start."))
    if (last - first).days > 366:
        raise PeriodError(_("A period is at most a year."))
    return first, last


def period_from(params, *, today: date) -> tuple[date, date]:
    """A request's `period`, or `start` and `end`; last month (what is usually booked) when none is given."""
    text = params.get("period") or None
    if text is None and not params.get("start"):
        first = date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)
        return first, _month_end(first)
    return parse_period(text, start=params.get("start"), end=params.get("end"))


def _month_end(first: date) -> date:
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


@dataclass(frozen=True)
class VatRow:
    category: str
    percent: Decimal
    base: Decimal  # signed: negative on credit notes
    vat: Decimal
    exemption_reason: str = ""


@dataclass
class JournalDocument:
    journal: str
    document_type: str  # invoice, credit_note, self_billing, purchase_slip, statement
    number: str
    issue_date: date
    due_date: date | None
    counterparty: str
    counterparty_vat: str
    counterparty_code: str
    credited_number: str
    payment_reference: str
    is_credit: bool
    vat_type: str  # "vat" or "compensation" (a purchase slip's flat-rate compensation)
    rows: list[VatRow] = field(default_factory=list)
    rounding: Decimal = money.ZERO
    currency: str = "EUR"


def _grids(doc: JournalDocument, row: VatRow) -> tuple[str, str]:
    if doc.journal == SALES:
        if row.category == "E":
            return "", ""
        if doc.is_credit:
            return ("48" if row.category == "K" else "49"), ("64" if row.vat else "")
        if row.category == "S":
            return SALES_BASE_GRID.get(row.percent, ""), "54"
        return SALES_CATEGORY_GRID.get(row.category, ""), ""
    if doc.is_credit:
        return "85", ("63" if row.vat else "")
    return "81", ("59" if row.vat else "")


def _invoice_document(invoice: Invoice, rows: list[InvoiceVatBreakdown]) -> JournalDocument:
    credited = invoice.credited_invoice
    base_kind = credited.kind if credited is not None else invoice.kind
    journal = PURCHASES if base_kind in PURCHASE_KINDS else SALES
    # On a purchase document the producer is the seller; on a sale the customer is the buyer.
    party = invoice.seller if journal == PURCHASES else invoice.buyer
    sign = -1 if invoice.is_credit_note else 1
    return JournalDocument(
        journal=journal, document_type=invoice.kind, number=invoice.number, issue_date=invoice.issue_date,
        due_date=invoice.due_date, counterparty=party.get("name", ""), counterparty_vat=party.get("vat_number", ""),
        counterparty_code=str(party.get("customer_code") or invoice.producer_id or ""),
        credited_number=credited.number if credited is not None else "",
        payment_reference=invoice.payment_reference, is_credit=invoice.is_credit_note,
        vat_type="compensation" if base_kind == Invoice.Kind.PURCHASE_SLIP else "vat",
        rows=[VatRow(r.category, r.percent, sign * r.taxable_amount, sign * r.vat_amount, r.exemption_reason)
              for r in rows],
        rounding=sign * invoice.rounding_amount, currency=invoice.currency)


def _journal_invoices(journal: str, start: date, end: date):
    kinds = SALES_KINDS if journal == SALES else PURCHASE_KINDS
    return (Invoice.objects.filter(status=Invoice.Status.ISSUED, issue_date__gte=start, issue_date__lte=end)
            .filter(Q(kind__in=kinds) | Q(kind=Invoice.Kind.CREDIT_NOTE, credited_invoice__kind__in=kinds)))


def settlement_purchase_documents(*, start: date, end: date) -> list[JournalDocument]:
    """THE hook for producer settlements in the purchase journal.

    Self-billing invoices and purchase slips of settlements are Invoice rows and are already in the journal;
    what this adds are the settlements without an invoice of the coop: statements (an exempt small business,
    or a producer without a self-billing agreement who invoices the coop; book it against that invoice). Per
    VAT rate: the sum of the lines, VAT rounded once on it, as the settlement computed it (a correction with a
    negative net counts as a credit).
    """
    documents = []
    settlements = (Settlement.objects.filter(invoice__isnull=True, issue_date__gte=start, issue_date__lte=end)
                   .select_related("corrects").prefetch_related("lines").order_by("issue_date", "number"))
    for settlement in settlements:
        bases: dict[Decimal, Decimal] = defaultdict(lambda: money.ZERO)
        for line in settlement.lines.all():
            bases[line.vat_percent] += line.line_net
        rows = [VatRow("S" if percent else "E", percent, base, money.vat_of(base, percent) if percent else money.ZERO)
                for percent, base in sorted(bases.items())]
        party = settlement.producer_snapshot or {}
        documents.append(JournalDocument(
            journal=PURCHASES, document_type="statement", number=settlement.number,
            issue_date=settlement.issue_date, due_date=None, counterparty=party.get("name", ""),
            counterparty_vat=party.get("vat_number", ""), counterparty_code=str(settlement.producer_id),
            credited_number=settlement.corrects.number if settlement.corrects_id else "", payment_reference="",
            is_credit=settlement.net < 0, vat_type="vat", rows=rows))
    return documents


def journal_documents(*, journal: str, start: date, end: date) -> list[JournalDocument]:
    """The journal's documents issued from `start` to `end` (both included), by date and number."""
    if journal not in JOURNALS:
        raise ValueError(journal)
    invoices = list(_journal_invoices(journal, start, end).select_related("credited_invoice")
                    .order_by("issue_date", "series", "sequence"))
    rows: dict[int, list[InvoiceVatBreakdown]] = defaultdict(list)
    for row in InvoiceVatBreakdown.objects.filter(invoice__in=[i.pk for i in invoices]).order_by("percent",
                                                                                                 "category"):
        rows[row.invoice_id].append(row)
    documents = [_invoice_document(invoice, rows[invoice.pk]) for invoice in invoices]
    if journal == PURCHASES:
        documents += settlement_purchase_documents(start=start, end=end)
        documents.sort(key=lambda d: (d.issue_date, d.number))
    return documents


HEADER = ["journal", "document_type", "number", "issue_date", "due_date", "counterparty", "counterparty_vat",
          "counterparty_code", "credited_number", "payment_reference", "vat_category", "vat_rate", "vat_type",
          "base", "vat", "rounding", "total", "base_grid", "vat_grid", "exemption_reason", "currency"]


def journal_rows(documents: list[JournalDocument]) -> list[list]:
    out = []
    for doc in documents:
        for n, row in enumerate(doc.rows):
            rounding = doc.rounding if n == 0 else money.ZERO
            base_grid, vat_grid = _grids(doc, row)
            out.append([doc.journal, doc.document_type, doc.number, doc.issue_date.isoformat(),
                        doc.due_date.isoformat() if doc.due_date else "", doc.counterparty, doc.counterparty_vat,
                        doc.counterparty_code, doc.credited_number, doc.payment_reference, row.category,
                        f"{row.percent:.2f}", doc.vat_type, row.base, row.vat, rounding, row.base + row.vat + rounding,
                        base_grid, vat_grid, row.exemption_reason, doc.currency])
    return out


@dataclass(frozen=True)
class JournalCheck:
    documents: int
    rows: int
    base: Decimal
    vat: Decimal
    rounding: Decimal
    documents_net: Decimal  # the same sums taken from the documents' own totals, by the database
    documents_vat: Decimal
    documents_rounding: Decimal

    @property
    def total(self) -> Decimal:
        return self.base + self.vat + self.rounding

    @property
    def ok(self) -> bool:
        return (self.base, self.vat, self.rounding) == (self.documents_net, self.documents_vat,
                                                         self.documents_rounding)


def _signed_sums(invoices) -> tuple[Decimal, Decimal, Decimal]:
    sums = [money.ZERO, money.ZERO, money.ZERO]
    for credit, part in ((False, invoices.exclude(kind=Invoice.Kind.CREDIT_NOTE)),
                         (True, invoices.filter(kind=Invoice.Kind.CREDIT_NOTE))):
        totals = part.aggregate(net=Sum("total_net"), vat=Sum("total_vat"), rounding=Sum("rounding_amount"))
        for i, name in enumerate(("net", "vat", "rounding")):
            sums[i] += (-1 if credit else 1) * (totals[name] or money.ZERO)
    return sums[0], sums[1], sums[2]


def journal_check(*, journal: str, start: date, end: date, documents: list[JournalDocument]) -> JournalCheck:
    """The journal's sums against the documents' own totals: equal unless a breakdown and its document disagree
    or a document is missing or doubled."""
    rows = [row for doc in documents for row in doc.rows]
    net, vat, rounding = _signed_sums(_journal_invoices(journal, start, end))
    statements = [doc for doc in documents if doc.document_type == "statement"]
    net += sum((row.base for doc in statements for row in doc.rows), money.ZERO)
    vat += sum((row.vat for doc in statements for row in doc.rows), money.ZERO)
    return JournalCheck(documents=len(documents), rows=len(rows), base=sum((r.base for r in rows), money.ZERO),
                        vat=sum((r.vat for r in rows), money.ZERO),
                        rounding=sum((d.rounding for d in documents), money.ZERO),
                        documents_net=net, documents_vat=vat, documents_rounding=rounding)


def grid_totals(documents: list[JournalDocument]) -> dict[str, Decimal]:
    """Per grid of the VAT return the amount to enter (credit-note grids as positive amounts)."""
    totals: dict[str, Decimal] = defaultdict(lambda: money.ZERO)
    for doc in documents:
        for row in doc.rows:
            base_grid, vat_grid = _grids(doc, row)
            if base_grid:
                totals[base_grid] += abs(row.base) if doc.is_credit else row.base
            if vat_grid:
                totals[vat_grid] += abs(row.vat) if doc.is_credit else row.vat
    return dict(sorted(totals.items()))


def journal_csv(*, journal: str, start: date, end: date) -> str:
    documents = journal_documents(journal=journal, start=start, end=end)
    check = journal_check(journal=journal, start=start, end=end, documents=documents)
    total = ["TOTAL", "", f"{check.documents} documents", start.isoformat(), end.isoformat(), "", "", "", "", "",
             "", "", "", check.base, check.vat, check.rounding, check.total, "", "",
             "OK" if check.ok else "MISMATCH with the documents' totals", ""]
    return write_csv(HEADER, [*journal_rows(documents), total])

