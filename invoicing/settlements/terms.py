"""Writes for the settlement rules: the coop's policy and what was agreed with a producer (self-billing agreement
date, own fees, BIC). Bad input is a ValidationError with a message per field."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import bic as std_bic

from members.models import Producer

from .models import ProducerSettlementTerms, SettlementPeriod, SettlementPolicy


def _decimal(raw, label: str, *, optional: bool = False, below: Decimal | None = None) -> Decimal | None:
    raw = str(raw if raw is not None else "").strip().replace(",", ".")
    if raw == "" and optional:
        return None
    try:
        value = Decimal(raw or "0")
    except InvalidOperation as exc:
        raise ValidationError({label: _("Enter a number.")}) from exc
    if not value.is_finite() or value < 0 or (below is not None and value >= below):
        raise ValidationError({label: _("Out of range.")})
    return value


def policy_update(*, coop, period: str, fee_percent, fee_per_unit, contest_days, payment_days) -> SettlementPolicy:
    if period not in SettlementPeriod.values:
        raise ValidationError({"period": _("Choose a period.")})
    try:
        contest, payment = int(contest_days), int(payment_days)
    except (TypeError, ValueError) as exc:
        raise ValidationError(_("Days are whole numbers.")) from exc
    if not 1 <= contest <= 60 or not 0 <= payment <= 90:
        raise ValidationError(_("Contest between 1 and 60 days, pay within 90 days."))
    policy, _created = SettlementPolicy.objects.update_or_create(coop=coop, defaults={
        "period": period, "fee_percent": _decimal(fee_percent, "fee_percent", below=Decimal("100")),
        "fee_per_unit": _decimal(fee_per_unit, "fee_per_unit").quantize(Decimal("0.0001")),
        "contest_days": contest, "payment_days": payment})
    return policy


def terms_update(*, producer: Producer, agreed_on, fee_percent, fee_per_unit, bic: str) -> ProducerSettlementTerms:
    """Record the self-billing agreement (a date, not in the future) and the producer's own fees."""
    agreed = None
    if agreed_on:
        try:
            agreed = agreed_on if isinstance(agreed_on, date) else date.fromisoformat(str(agreed_on))
        except ValueError as exc:
            raise ValidationError({"self_billing_agreed_on": _("Enter the date as YYYY-MM-DD.")}) from exc
        if agreed > timezone.localdate():
            raise ValidationError({"self_billing_agreed_on": _("An agreement cannot be dated in the future.")})
    bic = std_bic.compact(bic or "")
    if bic and not std_bic.is_valid(bic):
        raise ValidationError({"bic": _("Not a valid BIC.")})
    per_unit = _decimal(fee_per_unit, "fee_per_unit", optional=True)
    with transaction.atomic():
        terms, _created = ProducerSettlementTerms.objects.update_or_create(producer=producer, defaults={
            "coop": producer.coop, "self_billing_agreed_on": agreed,
            "fee_percent": _decimal(fee_percent, "fee_percent", optional=True, below=Decimal("100")),
            "fee_per_unit": per_unit.quantize(Decimal("0.0001")) if per_unit is not None else None, "bic": bic})
    return terms
