"""Payments of orders: marked by hand, paid at pickup, or part of a bank statement entry.

Bank statements are imported in one place, invoicing.services.matching (the Payments page and
POST /api/v1/<coop>/payments/import/): each entry is stored once as a BankTransaction and the money it brings
for an order is recorded here, one row per (entry, order).
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _

from orders.models import Order, Payment


def payment_status_for(paid: Decimal, total_to_pay: Decimal) -> str:
    if paid <= 0:
        return Order.PaymentStatus.UNPAID
    return Order.PaymentStatus.PARTLY_PAID if paid < total_to_pay else Order.PaymentStatus.PAID


def _refresh_payment_status(order: Order) -> Order:
    paid = Payment.objects.filter(order=order).aggregate(total=Sum("amount"))["total"] or Decimal("0.00")
    status = payment_status_for(paid, order.total_to_pay)
    Order.objects.filter(pk=order.pk).update(paid_amount=paid, payment_status=status)
    order.paid_amount, order.payment_status = paid, status
    return order


def payment_record(*, order_id: int, amount, received_on: date, source: str = Payment.Source.MANUAL,
                   transaction_id: int | None = None, invoice_id: int | None = None, bank_reference: str = "",
                   payer_name: str = "", payer_iban: str = "", user=None) -> Payment:
    """Record money received. Money of a bank entry (`transaction_id`) is one row per order: more of the same
    entry for the same order (the rest of a transfer matched by hand) is added to it."""
    amount = Decimal(str(amount))
    if amount <= 0:
        raise ValidationError(_("A payment must be more than zero."))
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        payment = (Payment.objects.filter(order=order, transaction_id=transaction_id).first()
                   if transaction_id else None)
        if payment is not None:
            Payment.objects.filter(pk=payment.pk).update(amount=F("amount") + amount)
            payment.refresh_from_db()
        else:
            payment = Payment.objects.create(coop=order.coop, order=order, amount=amount, received_on=received_on,
                                             source=source, transaction_id=transaction_id, invoice_id=invoice_id,
                                             bank_reference=bank_reference[:100], payer_name=payer_name[:200],
                                             payer_iban=payer_iban[:34], created_by=user)
        _refresh_payment_status(order)
    return payment
