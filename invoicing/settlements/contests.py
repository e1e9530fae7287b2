"""A producer contests a settlement line before the deadline; a fixer answers it, either with a correction (a new
settlement and, for self-billing and purchase slips, a new legal document: a credit note on the original when the
producer gets less, an additional one when they get more) or without. An issued settlement is never edited.

The deadline (`contest_until`, the coop's contest days after issuing) is also the self-billing acceptance
procedure: without objection by then, the self-billing invoice counts as accepted (KB no. 1 art. 6).
"""

from dataclasses import replace
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coop import money
from members.models import Membership, Producer

from .compute import LinePlan, SettlementPlan, fee_lines, totals
from .issuing import store_settlement
from .models import Settlement, SettlementContest, SettlementLine
from .policy import Fees, Period, Regime


def line_contest(*, membership: Membership, settlement_id: int, line_id: int, note: str, today=None):
    """The producer (only they) contests one goods line of their settlement, before `contest_until`."""
    today = today or timezone.localdate()
    note = (note or "").strip()
    producer = Producer.objects.filter(membership=membership).first()
    settlement = Settlement.objects.filter(pk=settlement_id, producer=producer).first() if producer else None
    if settlement is None:
        raise ValidationError(_("Only the producer can contest their settlement."))
    line = settlement.lines.filter(pk=line_id, kind=SettlementLine.Kind.GOODS).first()
    if line is None:
        raise ValidationError(_("Choose a line of this settlement."))
    if today > settlement.contest_until:
        raise ValidationError(_("The deadline to contest this settlement was %(date)s; call the coop.")
                              % {"date": settlement.contest_until.strftime("%d/%m/%Y")})
    if not note:
        raise ValidationError(_("Say what is wrong with this line."))
    try:
        with transaction.atomic():
            return SettlementContest.objects.create(coop=settlement.coop, settlement=settlement, line=line,
                                                    note=note[:500], created_by=membership.user)
    except IntegrityError as exc:
        raise ValidationError(_("This line is already contested; the coop will answer.")) from exc


def _lock_open(contest_id: int) -> SettlementContest:
    contest = (SettlementContest.objects.select_for_update(of=("self",))
               .select_related("settlement__producer__coop", "settlement__invoice", "line").filter(pk=contest_id)
               .first())
    if contest is None:
        raise ValidationError(_("Unknown contest."))
    if contest.status != SettlementContest.Status.OPEN:
        raise ValidationError(_("This contest is already answered."))
    return contest


def contest_reject(*, contest_id: int, resolution: str, user) -> SettlementContest:
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError(_("Tell the producer why the line stays as it is."))
    with transaction.atomic():
        contest = _lock_open(contest_id)
        SettlementContest.objects.filter(pk=contest.pk).update(
            status=SettlementContest.Status.REJECTED, resolution=resolution[:500], resolved_by=user,
            resolved_at=timezone.now())
    contest.refresh_from_db()
    return contest


def _decimal(value, label: str) -> Decimal:
    try:
        number = Decimal(str(value).replace(",", ".").strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(_("%(field)s: enter a number.") % {"field": label}) from exc
    if number < 0 or not number.is_finite():
        raise ValidationError(_("%(field)s cannot be negative.") % {"field": label})
    return number


def correction_lines(line: SettlementLine, quantity: Decimal, unit_price: Decimal) -> list[LinePlan]:
    """The difference a corrected line makes: at the same price one line with the quantity difference; at a new
    price the old line reversed and the new one added. Sell units follow the quantity (for a per-unit fee)."""
    quantity, unit_price = money.round_quantity(quantity), unit_price.quantize(Decimal("0.0001"))
    units_per = line.sell_units / line.quantity if line.quantity else Decimal("1")
    base = LinePlan(kind=SettlementLine.Kind.GOODS, description=line.description, quantity=line.quantity,
                    unit=line.unit, unit_price=line.unit_price, line_net=line.line_net, vat_percent=line.vat_percent,
                    compensation_percent=line.compensation_percent, sell_units=line.sell_units,
                    product_id=line.product_id, delivery_date=line.delivery_date, corrected_line_id=line.pk)
    if unit_price == line.unit_price:
        delta = quantity - line.quantity
        if delta == 0:
            return []
        return [replace(base, quantity=delta, sell_units=money.round_quantity(delta * units_per),
                        line_net=money.round_amount(quantity * unit_price) - line.line_net)]
    reverse = replace(base, quantity=-line.quantity, sell_units=-line.sell_units, line_net=-line.line_net)
    new = replace(base, quantity=quantity, unit_price=unit_price, line_net=money.round_amount(quantity * unit_price),
                  sell_units=money.round_quantity(quantity * units_per))
    return [reverse, new] if quantity else [reverse]


def correction_plan(original: Settlement, goods: list[LinePlan], *, language: str) -> SettlementPlan:
    """A plan for the difference, with the original's fees, regime and period."""
    fees = Fees(percent=original.fee_percent, per_unit=original.fee_per_unit)
    regime = Regime(original.document, original.statement_reason, original.self_billing_agreed_on)
    lines = goods + fee_lines(goods, fees, language)
    period = Period(kind=original.period_kind, key=original.period_key, start=original.period_start,
                    end=original.period_end, cycle_id=original.cycle_id)
    return SettlementPlan(producer=original.producer, period=period, regime=regime, language=language, fees=fees,
                          lines=lines, crates=original.crates, **totals(lines, regime))


def contest_correct(*, contest_id: int, quantity, unit_price, resolution: str, user, issue_date=None) -> Settlement:
    """Accept a contest: issue a correction settlement for the contested line's new quantity and/or price."""
    issue_date = issue_date or timezone.localdate()
    with transaction.atomic():
        contest = _lock_open(contest_id)
        line = contest.line
        new_quantity = _decimal(quantity, _("Quantity")) if quantity not in (None, "") else line.quantity
        new_price = _decimal(unit_price, _("Unit price")) if unit_price not in (None, "") else line.unit_price
        goods = correction_lines(line, new_quantity, new_price)
        if not goods:
            raise ValidationError(_("Nothing changes: give the right quantity or price, or answer without a "
                                    "correction."))
        original = contest.settlement
        plan = correction_plan(original, goods, language=original.language)
        if plan.net == 0:
            raise ValidationError(_("The correction changes no amount; answer without a correction."))
        note = _("Correction of %(number)s") % {"number": original.legal_number}
        correction = store_settlement(plan=plan, issue_date=issue_date, created_by=user,
                                      kind=Settlement.Kind.CORRECTION, corrects=original, note=note)
        SettlementContest.objects.filter(pk=contest.pk).update(
            status=SettlementContest.Status.CORRECTED, resolution=(resolution or note)[:500], resolved_by=user,
            resolved_at=timezone.now(), correction=correction)
    return correction
