"""Paying the producers of a period with one SEPA credit transfer file (pain.001, shared/domain/payments.md
section 6), written by sepaxml (which validates it against the ISO 20022 XSD it ships) from the coop's account.

A batch takes every issued settlement of the period not yet in a batch, sums them per producer (a correction
nets against its original) and makes one transfer per producer owed more than zero with an IBAN. The file is
stored: downloading again returns the same file with the same message id, so the bank can refuse a duplicate
upload; a settlement is in at most one batch (unique), so nobody is paid twice. Producers left out (no IBAN,
nothing owed) stay unpaid and are listed.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import bic as std_bic
from stdnum import iban as std_iban

from coop import money
from members.models import Producer

from .models import ProducerSettlementTerms, Settlement, SettlementPayment, SettlementPaymentBatch
from .policy import Period, policy_for

SCHEMA = "pain.001.001.09"


@dataclass
class Transfer:
    producer: Producer
    settlements: list[Settlement]
    amount: Decimal
    iban: str
    bic: str = ""


@dataclass
class PaymentPlan:
    transfers: list[Transfer] = field(default_factory=list)
    skipped: dict = field(default_factory=dict)  # producer -> reason

    @property
    def total(self) -> Decimal:
        return sum((t.amount for t in self.transfers), money.ZERO)


def payment_plan(period: Period) -> PaymentPlan:
    unpaid = (Settlement.objects.filter(period_key=period.key, payment__isnull=True)
              .select_related("producer").order_by("producer__farm_name", "pk"))
    per_producer: dict[Producer, list[Settlement]] = defaultdict(list)
    for settlement in unpaid:
        per_producer[settlement.producer].append(settlement)
    bics = dict(ProducerSettlementTerms.objects.filter(producer__in=list(per_producer))
                .values_list("producer_id", "bic"))
    plan = PaymentPlan()
    for producer, settlements in per_producer.items():
        amount = sum((s.total for s in settlements), money.ZERO)
        iban = std_iban.compact(producer.iban or "")
        if amount <= 0:
            plan.skipped[producer] = _("nothing owed (€ %(amount)s)") % {"amount": amount}
        elif not iban or not std_iban.is_valid(iban):
            plan.skipped[producer] = _("no valid IBAN in the producer's profile")
        else:
            bic = std_bic.compact(bics.get(producer.pk) or "")
            plan.transfers.append(Transfer(producer=producer, settlements=settlements, amount=amount, iban=iban,
                                           bic=bic if bic and std_bic.is_valid(bic) else ""))
    return plan


def _remittance(transfer: Transfer, period: Period) -> str:
    numbers = ", ".join(s.legal_number for s in transfer.settlements)
    return (_("Settlement %(period)s: %(numbers)s") % {"period": period.label or period.key, "numbers": numbers})[:140]


def pain001_xml(*, coop, transfers: list[Transfer], period: Period, execution_date: date) -> tuple[bytes, str]:
    """The file and its message id (GrpHdr/MsgId)."""
    from sepaxml import SepaTransfer

    config = {"name": coop.legal_name or coop.name, "IBAN": std_iban.compact(coop.iban), "batch": True,
              "currency": "EUR"}
    if coop.bic:
        config["BIC"] = std_bic.compact(coop.bic)
    sepa = SepaTransfer(config, schema=SCHEMA, clean=True)
    for transfer in transfers:
        payment = {
            "name": transfer.producer.farm_name, "IBAN": transfer.iban,
            "amount": int((transfer.amount * 100).to_integral_value()),  # sepaxml takes integer cents
            "execution_date": execution_date, "description": _remittance(transfer, period),
            # EndToEndId (max 35): the first settlement's number identifies the transfer on both sides.
            "endtoend_id": f"{transfer.settlements[0].number}-{transfer.producer.pk}"[:35],
        }
        if transfer.bic:
            payment["BIC"] = transfer.bic
        sepa.add_payment(payment)
    return sepa.export(validate=True), sepa.msg_id


def payment_batch_for_period(*, coop, period: Period, execution_date: date | None = None,
                             created_by=None) -> SettlementPaymentBatch:
    """A new batch for what is unpaid in the period, or the latest batch when everything is in one already."""
    if not coop.iban:
        raise ValidationError(_("The coop has no IBAN to pay from."))
    today = timezone.localdate()
    execution_date = execution_date or today + timedelta(days=1)
    if execution_date < today:
        raise ValidationError(_("The execution date cannot be in the past."))
    with transaction.atomic():
        plan = payment_plan(period)
        if not plan.transfers:
            latest = SettlementPaymentBatch.objects.filter(period_key=period.key).first()
            if latest is not None:
                return latest
            raise ValidationError(_("Nothing to pay for this period."))
        xml, message_id = pain001_xml(coop=coop, transfers=plan.transfers, period=period,
                                      execution_date=execution_date)
        batch = SettlementPaymentBatch.objects.create(
            coop=coop, period_key=period.key, message_id=message_id, schema=SCHEMA,
            execution_date=execution_date, transactions=len(plan.transfers), total=plan.total,
            xml=xml.decode("utf-8"), created_by=created_by)
        try:
            with transaction.atomic():
                SettlementPayment.objects.bulk_create([
                    SettlementPayment(coop=coop, batch=batch, settlement=s)
                    for transfer in plan.transfers for s in transfer.settlements])
        except IntegrityError as exc:  # another batch took them meanwhile
            raise ValidationError(_("Another payment file was just made for this period; reload.")) from exc
    return batch


def default_execution_date(coop, period: Period) -> date:
    """The coop's payment delay after the period, but never in the past."""
    return max(period.end + timedelta(days=policy_for(coop).payment_days), timezone.localdate() + timedelta(days=1))
