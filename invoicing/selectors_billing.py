"""Reads about money owed: what is paid and still open per invoice, overdue invoices, unmatched bank entries.

Nothing is stored on the invoice (it is frozen once issued): the amount open is computed from the payments
allocated to it and the credit notes issued against it.
"""

from decimal import Decimal

from django.db.models import DecimalField, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from invoicing.models import BankTransaction, Invoice, InvoiceOrder, InvoicePayment
from orders.models import Order, Payment

ZERO = Value(Decimal("0.00"), output_field=DecimalField(max_digits=12, decimal_places=2))


class PaymentStatus:
    UNPAID = "unpaid"
    PARTLY_PAID = "partly_paid"
    PAID = "paid"


def with_payment_state(invoices: QuerySet) -> QuerySet:
    """Annotate paid_total, credited_total and open_amount (payable - paid - issued credit notes)."""
    paid = (InvoicePayment.objects.filter(invoice=OuterRef("pk")).order_by().values("invoice")
            .annotate(total=Sum("amount")).values("total"))
    credited = (Invoice.objects.filter(credited_invoice=OuterRef("pk"), status=Invoice.Status.ISSUED).order_by()
                .values("credited_invoice").annotate(total=Sum("payable_amount")).values("total"))
    return invoices.annotate(
        paid_total=Coalesce(Subquery(paid, output_field=DecimalField()), ZERO),
        credited_total=Coalesce(Subquery(credited, output_field=DecimalField()), ZERO),
    ).annotate(open_amount=F("payable_amount") - F("paid_total") - F("credited_total"))


def payment_status(invoice: Invoice) -> str | None:
    """unpaid / partly_paid / paid for an issued invoice annotated by with_payment_state; None otherwise."""
    if not invoice.is_issued or invoice.kind != Invoice.Kind.INVOICE:
        return None
    if invoice.open_amount <= 0:
        return PaymentStatus.PAID
    # Money paid on the order before the invoice (prepaid) is part of the invoice paid too.
    return PaymentStatus.PARTLY_PAID if invoice.paid_total > 0 or invoice.prepaid_amount > 0 else PaymentStatus.UNPAID


def open_invoices() -> QuerySet:
    """Issued invoices with money still open, oldest due first."""
    return (with_payment_state(Invoice.objects.filter(status=Invoice.Status.ISSUED, kind=Invoice.Kind.INVOICE))
            .filter(open_amount__gt=0).order_by("due_date", "pk"))


def invoice_payment_state(invoice_id: int) -> Invoice:
    return with_payment_state(Invoice.objects.filter(pk=invoice_id)).get()


def _sum_of(rows: QuerySet) -> Subquery:
    return Subquery(rows.order_by().values("transaction").annotate(total=Sum("amount")).values("total"),
                    output_field=DecimalField())


def transactions_to_review() -> QuerySet:
    """Bank entries nobody could match, and matched ones with money left over (paid too much). Money given to
    an order directly counts; an order's share of an invoice payment is that same money."""
    to_invoices = _sum_of(InvoicePayment.objects.filter(transaction=OuterRef("pk")))
    to_orders = _sum_of(Payment.objects.filter(transaction=OuterRef("pk"), invoice__isnull=True))
    return (BankTransaction.objects
            .annotate(allocated=Coalesce(to_invoices, ZERO) + Coalesce(to_orders, ZERO))
            .annotate(left_over=F("amount") - F("allocated"))
            .filter(Q(status=BankTransaction.Status.UNMATCHED)
                    | Q(status__in=[BankTransaction.Status.MATCHED, BankTransaction.Status.ORDER], left_over__gt=0))
            .order_by("-booking_date", "-pk"))


def open_orders() -> QuerySet:
    """Orders still owing money that are on no issued invoice (an invoiced order is paid through its invoice)."""
    invoiced = InvoiceOrder.objects.filter(order=OuterRef("pk"), invoice__status=Invoice.Status.ISSUED,
                                           invoice__kind=Invoice.Kind.INVOICE)
    return (Order.objects.exclude(status=Order.Status.CANCELLED).filter(total_to_pay__gt=F("paid_amount"))
            .exclude(Exists(invoiced))
            .select_related("customer__user", "business_account", "cycle").order_by("cycle__delivery_date", "pk"))
