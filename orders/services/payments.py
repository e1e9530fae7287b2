"""Payments of orders: marked by hand, paid at pickup, or matched from a bank statement on the OGM."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from coop.bank import StatementEntry
from orders.models import Order, Payment


def _refresh_payment_status(order: Order) -> Order:
    paid = Payment.objects.filter(order=order).aggregate(total=Sum("amount"))["total"] or Decimal("0.00")
    if paid <= 0:
        status = Order.PaymentStatus.UNPAID
    elif paid < order.total_to_pay:
        status = Order.PaymentStatus.PARTLY_PAID
    else:
        status = Order.PaymentStatus.PAID
    Order.objects.filter(pk=order.pk).update(paid_amount=paid, payment_status=status)
    order.paid_amount, order.payment_status = paid, status
    return order


def payment_record(*, order_id: int, amount, received_on: date, source: str = Payment.Source.MANUAL,
                   bank_reference: str = "", payer_name: str = "", payer_iban: str = "", user=None) -> Payment | None:
    """Record money received. A bank entry (source + reference) is recorded once, however often imported."""
    amount = Decimal(str(amount))
    if amount <= 0:
        raise ValidationError(_("A payment must be more than zero."))
    try:
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=order_id)
            payment = Payment.objects.create(coop=order.coop, order=order, amount=amount, received_on=received_on,
                                             source=source, bank_reference=bank_reference[:100],
                                             payer_name=payer_name[:200], payer_iban=payer_iban[:34], created_by=user)
            _refresh_payment_status(order)
    except IntegrityError:
        return None  # this bank entry was imported before
    return payment


@dataclass
class MatchReport:
    matched: list[tuple[StatementEntry, Order]] = field(default_factory=list)
    already_imported: list[StatementEntry] = field(default_factory=list)
    unmatched: list[StatementEntry] = field(default_factory=list)


def payments_import_statement(*, entries: list[StatementEntry], source: str, user=None) -> MatchReport:
    """Match incoming credits on the OGM (structured first, then 12 valid digits in free text)."""
    report = MatchReport()
    for entry in entries:
        if not entry.is_credit or not entry.ogm:
            report.unmatched.append(entry)
            continue
        order = Order.objects.filter(payment_reference=entry.ogm).first()
        if order is None:
            report.unmatched.append(entry)
            continue
        payment = payment_record(order_id=order.pk, amount=entry.amount, received_on=entry.booking_date,
                                 source=source, bank_reference=entry.reference, payer_name=entry.counterparty_name,
                                 payer_iban=entry.counterparty_iban, user=user)
        (report.matched.append((entry, order)) if payment else report.already_imported.append(entry))
    return report
