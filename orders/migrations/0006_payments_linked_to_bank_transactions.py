"""Order payments from a bank statement point to the statement entry (invoicing.BankTransaction).

1. Every payment imported by the former webshop import (source CAMT.053 or CODA, with the bank's reference)
   gets its BankTransaction: the one the invoicing import stored for the same entry, or a new one (status
   "order"), so importing that statement again through the one import left adds nothing.
2. Payments that were the order's share of an invoice payment get that invoice.
3. A transfer that paid several consumer invoices recorded only the first on its order (the old constraint
   allowed one payment per bank reference): the missing order payments are added and the orders' paid amount
   and status computed again.

Safe to run twice. Going back forgets the links (rows added by 1 and 3 stay).
"""

from decimal import Decimal

from django.db import migrations
from django.db.models import Sum

BANK_SOURCES = ("camt053", "coda")


def _refresh(Order, Payment, order_id):
    order = Order.objects.get(pk=order_id)
    paid = Payment.objects.filter(order_id=order_id).aggregate(total=Sum("amount"))["total"] or Decimal("0.00")
    status = "unpaid" if paid <= 0 else "partly_paid" if paid < order.total_to_pay else "paid"
    Order.objects.filter(pk=order_id).update(paid_amount=paid, payment_status=status)


def link(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    Payment = apps.get_model("orders", "Payment")
    BankTransaction = apps.get_model("invoicing", "BankTransaction")
    InvoicePayment = apps.get_model("invoicing", "InvoicePayment")

    unlinked = (Payment.objects.filter(transaction__isnull=True, source__in=BANK_SOURCES)
                .exclude(bank_reference="").select_related("order").order_by("pk"))
    for payment in unlinked:
        tx = BankTransaction.objects.filter(coop_id=payment.coop_id, source=payment.source,
                                            bank_reference=payment.bank_reference).first()
        if tx is None:
            tx = BankTransaction.objects.create(
                coop_id=payment.coop_id, source=payment.source, bank_reference=payment.bank_reference,
                booking_date=payment.received_on, amount=payment.amount, counterparty_name=payment.payer_name,
                counterparty_iban=payment.payer_iban, structured=payment.order.payment_reference,
                status="order", note=payment.order.number[:200], imported_by_id=payment.created_by_id)
        elif tx.status == "unmatched":
            BankTransaction.objects.filter(pk=tx.pk).update(status="order", note=payment.order.number[:200])
        invoice_id = (InvoicePayment.objects.filter(transaction=tx, invoice__order_links__order_id=payment.order_id)
                      .values_list("invoice_id", flat=True).first())
        Payment.objects.filter(pk=payment.pk).update(transaction=tx, invoice_id=invoice_id)

    # A consumer invoice for one order has the order's OGM: each of its bank payments belongs on the order too.
    repaired = set()
    allocations = (InvoicePayment.objects.filter(transaction__isnull=False, invoice__kind="invoice")
                   .exclude(invoice__payment_reference="").select_related("transaction", "invoice").order_by("pk"))
    for allocation in allocations:
        tx, invoice = allocation.transaction, allocation.invoice
        order = Order.objects.filter(coop_id=invoice.coop_id, payment_reference=invoice.payment_reference).first()
        if order is None or Payment.objects.filter(transaction=tx, order=order).exists():
            continue
        Payment.objects.create(coop_id=order.coop_id, order=order, transaction=tx, invoice=invoice,
                               amount=allocation.amount, received_on=allocation.received_on, source=tx.source,
                               bank_reference=tx.bank_reference, payer_name=tx.counterparty_name,
                               payer_iban=tx.counterparty_iban, created_by_id=allocation.created_by_id)
        repaired.add(order.pk)
    for order_id in sorted(repaired):
        _refresh(Order, Payment, order_id)


def unlink(apps, schema_editor):
    """Forget the links; the old constraint allows one payment per bank reference, so later ones lose theirs."""
    Payment = apps.get_model("orders", "Payment")
    seen = set()
    for payment in Payment.objects.exclude(bank_reference="").order_by("pk"):
        key = (payment.coop_id, payment.source, payment.bank_reference)
        if key in seen:
            Payment.objects.filter(pk=payment.pk).update(bank_reference="")
        seen.add(key)
    Payment.objects.update(transaction=None, invoice=None)


class Migration(migrations.Migration):

    dependencies = [
        ("orders", "0005_payment_per_bank_transaction_and_order"),
    ]

    operations = [migrations.RunPython(link, unlink)]
