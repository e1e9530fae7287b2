"""An order and its invoice tell the same story about money.

Once an order is on an issued invoice, the invoice is what the customer owes: money for it (from a statement,
matched by hand, or recorded on the invoice or on the order by hand) is an InvoicePayment, and its order side
is recorded on the invoice's orders (orders.Payment with `invoice` set) so their paid amount adds up. The
orders' payment status is the invoice's (paid, partly paid, unpaid), which also counts what was already paid
before the invoice (prepaid) and credit notes, so an order never shows "partly paid" next to a paid invoice.
"""

from datetime import date
from decimal import Decimal

from django.db.models import Max

from invoicing.models import BankTransaction, Invoice, InvoiceOrder, InvoicePayment
from invoicing.selectors_billing import payment_status, with_payment_state
from orders.models import Order, Payment
from orders.services.payments import payment_record


def invoices_of_orders(order_ids) -> dict[int, int]:
    """{order id: id of its latest issued invoice} for the orders that are on one (credit notes aside)."""
    rows = (InvoiceOrder.objects.filter(order_id__in=list(order_ids), invoice__status=Invoice.Status.ISSUED,
                                        invoice__kind=Invoice.Kind.INVOICE)
            .values("order_id").annotate(latest=Max("invoice_id")).values_list("order_id", "latest"))
    return dict(rows)


def orders_follow_invoices(invoice_ids) -> None:
    """Give the orders of these invoices the invoice's payment status (only the orders for which it is their
    latest invoice: an order credited and invoiced again follows the new one)."""
    invoice_ids = set(invoice_ids)
    if not invoice_ids:
        return
    links = InvoiceOrder.objects.filter(invoice_id__in=invoice_ids).values_list("order_id", flat=True)
    latest = invoices_of_orders(links)
    states = {i.pk: i for i in with_payment_state(Invoice.objects.filter(pk__in=set(latest.values()) & invoice_ids))}
    for invoice_id, invoice in states.items():
        status = payment_status(invoice)
        if status is not None:
            orders = [order_id for order_id, latest_id in latest.items() if latest_id == invoice_id]
            Order.objects.filter(pk__in=orders).exclude(payment_status=status).update(payment_status=status)


def share_on_orders(*, invoice: Invoice, amount: Decimal, received_on: date, tx: BankTransaction | None = None,
                    named_order_id: int | None = None, user=None) -> None:
    """Record money given to an invoice on its orders: the order the payer named first, then the others (oldest
    first), each up to what it still owes, anything beyond on the last one, so the orders' paid amounts add up to
    the invoice's payments. Then the orders take the invoice's status."""
    orders = list(Order.objects.filter(invoice_links__invoice=invoice).order_by("pk"))
    orders.sort(key=lambda o: o.pk != named_order_id)
    left = amount
    for position, order in enumerate(orders):
        last = position == len(orders) - 1
        share = left if last else min(left, max(order.total_to_pay - order.paid_amount, Decimal("0.00")))
        if share <= 0:
            continue
        payment_record(order_id=order.pk, amount=share, received_on=received_on, invoice_id=invoice.pk,
                       source=tx.source if tx else Payment.Source.MANUAL, transaction_id=tx.pk if tx else None,
                       bank_reference=tx.bank_reference if tx else "", payer_name=tx.counterparty_name if tx else "",
                       payer_iban=tx.counterparty_iban if tx else "", user=user)
        left -= share
        if left <= 0:
            break
    orders_follow_invoices([invoice.pk])


def invoice_payment_add(*, invoice: Invoice, amount: Decimal, received_on: date, how: str,
                        tx: BankTransaction | None = None, named_order_id: int | None = None,
                        user=None) -> InvoicePayment:
    """Money given to an issued invoice, and its order side. The caller holds the invoice's row lock."""
    payment = InvoicePayment.objects.create(coop=invoice.coop, invoice=invoice, transaction=tx, amount=amount,
                                            received_on=received_on, matched_by=how, created_by=user)
    share_on_orders(invoice=invoice, amount=amount, received_on=received_on, tx=tx, named_order_id=named_order_id,
                    user=user)
    return payment
