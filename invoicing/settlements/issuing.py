"""Issuing a settlement: store the computed plan once, with its legal document, and queue the PDF and e-mail.

Idempotent: one original settlement per producer and period (a unique constraint; the producer row is locked
while issuing, so a second call waits and then returns the first one). A self-billing invoice or purchase slip is
an Invoice of that kind, drafted and issued in the same transaction through invoicing's own machinery: its number
comes from the gapless counter of its series (self-billing: one series per producer, Series.self_billing), and
it is immutable from then on. Statements get only the settlement's own number (series "settlement").
"""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coop.tenancy.tasks import enqueue_on_commit
from invoicing.models import Invoice, Series
from invoicing.services import parties
from invoicing.services.building import LineDraft, save_document
from invoicing.services.issuing import _next_sequence, invoice_issue
from members.models import Producer

from . import mentions
from .compute import LinePlan, SettlementPlan, settlement_compute
from .models import Settlement, SettlementLine
from .policy import Period, policy_for

SETTLEMENT_SERIES = "settlement"


def settlement_number(coop, year: int) -> str:
    return f"AF{year}-{_next_sequence(coop=coop, series=SETTLEMENT_SERIES, year=year):06d}"


def producer_snapshot(producer: Producer) -> dict:
    digits = parties.enterprise_digits(producer.enterprise_number)
    return {
        "name": producer.farm_name,
        "contact": producer.contact_name,
        "enterprise_number": digits,
        "vat_number": f"BE{digits}" if digits else "",
        "street": producer.street,
        "postcode": producer.postcode,
        "city": producer.city,
        "country": "BE",
        "iban": producer.iban,
        "email": producer.contact_email or producer.membership.user.email,
        "vat_status": producer.vat_status,
    }


def _invoice_lines(lines: list[LinePlan], document: str, *, sign: int = 1) -> list[LineDraft]:
    """The legal document's lines. A purchase slip carries the flat-rate compensation where an invoice carries
    VAT (rate and amount per rate): the buyer deducts it as if it were input VAT (vat.md section 6a)."""
    slip = document == Settlement.Document.PURCHASE_SLIP
    drafts = []
    for line in lines:
        percent = line.compensation_percent if slip else line.vat_percent
        drafts.append(LineDraft(
            kind="goods" if line.kind == SettlementLine.Kind.GOODS else "fee", description=line.description,
            quantity=sign * line.quantity, unit=line.unit or "piece", unit_price=line.unit_price,
            line_net=sign * line.line_net, vat_percent=percent, vat_category="S",
            line_note=line.delivery_date.strftime("%d/%m/%Y") if line.delivery_date else ""))
    return drafts


def legal_document(*, plan: SettlementPlan, lines: list[LinePlan], issue_date: date, until: date, note: str = "",
                   credited: Invoice | None = None, created_by=None) -> Invoice | None:
    """Draft and issue the self-billing invoice or purchase slip for these lines (None for a statement).

    With `credited`, a negative correction becomes a credit note on that document, in the same series (lines
    with positive amounts, as credit notes carry them)."""
    document = plan.document
    if document == Settlement.Document.STATEMENT:
        return None
    producer = plan.producer
    series = Series.self_billing(producer.pk) if document == Settlement.Document.SELF_BILLING else \
        Series.PURCHASE_SLIP
    kind = Invoice.Kind.SELF_BILLING if document == Settlement.Document.SELF_BILLING else Invoice.Kind.PURCHASE_SLIP
    sign = 1
    if credited is not None and plan.net < 0:
        kind, sign = Invoice.Kind.CREDIT_NOTE, -1
    if document == Settlement.Document.SELF_BILLING:
        texts = mentions.self_billing(plan.language, agreed=plan.regime.agreed_on, until=until)
    else:
        texts = mentions.purchase_slip(plan.language, sorted({li.compensation_percent for li in lines}))
    fields = {
        "coop": producer.coop, "kind": kind, "series": series, "producer": producer,
        "credited_invoice": credited if kind == Invoice.Kind.CREDIT_NOTE else None,
        # The producer supplies, the coop buys: on a self-billing invoice the coop writes the supplier's invoice.
        "seller": producer_snapshot(producer), "buyer": parties.seller_snapshot(producer.coop),
        "language": plan.language, "prices_include_vat": False,
        "payment_terms_days": policy_for(producer.coop).payment_days,
        "supply_from": plan.period.start, "supply_until": plan.period.end,
        "note": " – ".join([note, *texts] if note else texts)[:300], "created_by": created_by,
    }
    draft = save_document(fields=fields, lines=_invoice_lines(lines, document, sign=sign))
    return invoice_issue(invoice_id=draft.pk, issue_date=issue_date, dispatch=False)


def store_settlement(*, plan: SettlementPlan, issue_date: date, created_by=None, kind=Settlement.Kind.ORIGINAL,
                     corrects: Settlement | None = None, note: str = "") -> Settlement:
    """Write the settlement, its lines and its legal document. Call inside a transaction."""
    producer = plan.producer
    policy = policy_for(producer.coop)
    until = issue_date + timedelta(days=policy.contest_days)
    invoice = legal_document(plan=plan, lines=plan.lines, issue_date=issue_date, until=until, note=note,
                             credited=corrects.invoice if corrects is not None else None,
                             created_by=created_by)
    if invoice is not None:
        # The legal document and the settlement must say the same thing (both follow coop.money's rules).
        expected = plan.vat if plan.document == Settlement.Document.SELF_BILLING else plan.compensation
        if abs(invoice.total_vat) != abs(expected) or abs(invoice.total_net) != abs(plan.net):
            raise RuntimeError(f"settlement and {invoice.number} disagree: {invoice.total_vat} vs {expected}")
    settlement = Settlement.objects.create(
        coop=producer.coop, producer=producer, number=settlement_number(producer.coop, issue_date.year),
        kind=kind, corrects=corrects, period_kind=plan.period.kind, period_key=plan.period.key,
        period_start=plan.period.start, period_end=plan.period.end, cycle_id=plan.period.cycle_id,
        document=plan.document, statement_reason=plan.regime.reason, invoice=invoice, language=plan.language,
        vat_status=producer.vat_status, self_billing_agreed_on=plan.regime.agreed_on,
        producer_snapshot=producer_snapshot(producer), coop_snapshot=parties.seller_snapshot(producer.coop),
        fee_percent=plan.fees.percent, fee_per_unit=plan.fees.per_unit, goods_net=plan.goods_net,
        fees=plan.fee_total, net=plan.net, vat=plan.vat, compensation=plan.compensation, total=plan.total,
        crates=plan.crates, contest_until=until, issue_date=issue_date, created_by=created_by)
    SettlementLine.objects.bulk_create([
        SettlementLine(coop=producer.coop, settlement=settlement, position=n, kind=line.kind,
                       product_id=line.product_id, delivery_date=line.delivery_date,
                       description=line.description[:250], quantity=line.quantity, unit=line.unit,
                       sell_units=line.sell_units, unit_price=line.unit_price, line_net=line.line_net,
                       vat_percent=line.vat_percent, compensation_percent=line.compensation_percent,
                       corrected_line_id=line.corrected_line_id)
        for n, line in enumerate(plan.lines, start=1)])
    from . import tasks

    enqueue_on_commit(tasks.settlement_render_pdf, producer.coop_id, settlement.pk)
    return settlement


def _check_no_overlap(producer: Producer, period: Period) -> None:
    """Switching the coop from monthly to per-cycle settling must not pay a delivery twice."""
    clash = (Settlement.objects.filter(producer=producer, kind=Settlement.Kind.ORIGINAL,
                                       period_start__lte=period.end, period_end__gte=period.start)
             .exclude(period_key=period.key).first())
    if clash is not None:
        raise ValidationError(_("%(farm)s: this period overlaps settlement %(number)s.")
                              % {"farm": producer.farm_name, "number": clash.number})


def settlement_issue(*, producer_id: int, period: Period, issue_date: date | None = None,
                     created_by=None) -> Settlement:
    """Issue the producer's settlement for the period, or return the one already issued."""
    issue_date = issue_date or timezone.localdate()
    with transaction.atomic():
        producer = (Producer.objects.select_for_update(of=("self",)).select_related("coop", "membership__user")
                    .filter(pk=producer_id).first())
        if producer is None:
            raise ValidationError(_("Unknown producer."))
        existing = Settlement.objects.filter(producer=producer, period_key=period.key,
                                             kind=Settlement.Kind.ORIGINAL).first()
        if existing is not None:
            return existing
        if period.end >= issue_date:
            raise ValidationError(_("A period is settled after it ends (%(date)s).")
                                  % {"date": period.end.strftime("%d/%m/%Y")})
        _check_no_overlap(producer, period)
        plan = settlement_compute(producer=producer, period=period, on=issue_date)
        if plan.is_empty:
            raise ValidationError(_("%(farm)s delivered nothing in this period.") % {"farm": producer.farm_name})
        return store_settlement(plan=plan, issue_date=issue_date, created_by=created_by)


def settlements_issue_period(*, period: Period, issue_date: date | None = None, created_by=None):
    """Issue every producer's settlement of the period, each in its own transaction (one producer's problem does
    not hold up the others). Returns (settlements, {producer: error message})."""
    from .compute import producers_with_deliveries

    issued, errors = [], {}
    for producer in producers_with_deliveries(period):
        try:
            issued.append(settlement_issue(producer_id=producer.pk, period=period, issue_date=issue_date,
                                           created_by=created_by))
        except ValidationError as exc:
            errors[producer] = " ".join(exc.messages)
    return issued, errors
