"""Which rules apply: the coop's settlement policy, a producer's terms, the period, and the document the
producer's VAT status calls for (shared/domain/vat.md section 6)."""

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from members.models import Producer
from orders.models import OrderCycle

from .models import ProducerSettlementTerms, Settlement, SettlementPeriod, SettlementPolicy

LANGUAGES = ("nl", "fr", "en")


def policy_for(coop) -> SettlementPolicy:
    """The coop's policy row, or an unsaved one with the defaults."""
    return SettlementPolicy.objects.filter(coop=coop).first() or SettlementPolicy(coop=coop)


def terms_for(producer: Producer) -> ProducerSettlementTerms:
    return (ProducerSettlementTerms.objects.filter(producer=producer).first()
            or ProducerSettlementTerms(coop_id=producer.coop_id, producer=producer))


@dataclass(frozen=True)
class Fees:
    percent: Decimal
    per_unit: Decimal


def fees_for(policy: SettlementPolicy, terms: ProducerSettlementTerms) -> Fees:
    """The producer's own fees where agreed, else the coop's."""
    return Fees(
        percent=terms.fee_percent if terms.fee_percent is not None else policy.fee_percent,
        per_unit=terms.fee_per_unit if terms.fee_per_unit is not None else policy.fee_per_unit,
    )


@dataclass(frozen=True)
class Period:
    kind: str
    key: str  # "2026-10" or "cycle-<id>": one original settlement per producer and key
    start: date
    end: date
    cycle_id: int | None = None
    label: str = ""


def month_period(year: int, month: int) -> Period:
    if not 1 <= month <= 12 or year < 2000:
        raise ValidationError(_("Not a month: %(year)s-%(month)s.") % {"year": year, "month": month})
    last = calendar.monthrange(year, month)[1]
    return Period(kind=SettlementPeriod.MONTH, key=f"{year:04d}-{month:02d}", start=date(year, month, 1),
                  end=date(year, month, last), label=f"{month:02d}/{year:04d}")


def cycle_period(cycle: OrderCycle) -> Period:
    return Period(kind=SettlementPeriod.CYCLE, key=f"cycle-{cycle.pk}", start=cycle.delivery_date,
                  end=cycle.delivery_date, cycle_id=cycle.pk, label=cycle.name)


def period_from_key(key: str) -> Period:
    """'2026-10' or 'cycle-12' (the cycle must be this coop's: the scope sees to that)."""
    key = (key or "").strip()
    if key.startswith("cycle-"):
        cycle = OrderCycle.objects.filter(pk=int(key[6:]) if key[6:].isdigit() else 0).first()
        if cycle is None:
            raise ValidationError(_("Unknown cycle."))
        return cycle_period(cycle)
    try:
        year, month = (int(part) for part in key.split("-"))
    except ValueError as exc:
        raise ValidationError(_("Choose a period as YYYY-MM or a cycle.")) from exc
    return month_period(year, month)


def previous_month(today: date) -> Period:
    first = today.replace(day=1)
    year, month = (first.year, first.month - 1) if first.month > 1 else (first.year - 1, 12)
    return month_period(year, month)


@dataclass(frozen=True)
class Regime:
    document: str
    reason: str
    agreed_on: date | None


def regime_for(producer: Producer, terms: ProducerSettlementTerms, on: date) -> Regime:
    """The document a producer gets (vat.md section 6): a flat-rate farmer a purchase slip (never self-billing),
    an exempt small business a statement, a VAT-registered producer a self-billing invoice only with a prior
    agreement (KB no. 1 art. 6), else a statement and they invoice the coop."""
    agreed = terms.self_billing_agreed_on
    if producer.vat_status == Producer.VatStatus.FLAT_RATE:
        return Regime(Settlement.Document.PURCHASE_SLIP, Settlement.Reason.NONE, None)
    if producer.vat_status == Producer.VatStatus.SMALL_BUSINESS:
        return Regime(Settlement.Document.STATEMENT, Settlement.Reason.SMALL_BUSINESS, None)
    if agreed is not None and agreed <= on:
        return Regime(Settlement.Document.SELF_BILLING, Settlement.Reason.NONE, agreed)
    return Regime(Settlement.Document.STATEMENT, Settlement.Reason.NO_AGREEMENT, None)


def producer_language(producer: Producer) -> str:
    candidates = [producer.membership.user.language, producer.coop.default_language]
    return next((c for c in candidates if c in LANGUAGES), "nl")
