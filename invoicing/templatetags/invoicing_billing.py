"""{% payment_card invoice %}: payment status, payments and reminders of an issued invoice (detail page)."""

from django import template
from django.utils import timezone

from invoicing.forms_billing import InvoicePaymentForm
from invoicing.models import Invoice
from invoicing.selectors_billing import invoice_payment_state, payment_status

register = template.Library()


@register.filter(name="payment_status")
def payment_status_filter(invoice: Invoice) -> str | None:
    """unpaid / partly_paid / paid for an invoice from a list annotated with its payment state."""
    return payment_status(invoice) if hasattr(invoice, "open_amount") else None


@register.inclusion_tag("invoicing/billing/_payment_card.html", takes_context=True)
def payment_card(context, invoice: Invoice):
    shown = {"coop": context.get("coop"), "invoice": invoice, "is_manager": context.get("is_manager"),
             "csrf_token": context.get("csrf_token"), "payment": None}
    if not invoice.is_issued or invoice.kind != Invoice.Kind.INVOICE:
        return shown
    state = invoice_payment_state(invoice.pk)
    shown["payment"] = {
        "invoice": state, "status": payment_status(state),
        "payments": list(state.payments.select_related("transaction")),
        "reminders": list(state.reminders.all()),
        "form": InvoicePaymentForm(initial={"amount": max(state.open_amount, 0), "received_on": timezone.localdate()}),
    }
    return shown


@register.inclusion_tag("invoicing/billing/_request_invoice.html", takes_context=True)
def request_invoice_list(context):
    """A consumer's delivered orders without an invoice, each with a button to ask for it."""
    from invoicing.services.runs import orders_to_request

    membership = context.get("membership")
    orders = list(orders_to_request(membership)) if membership is not None else []
    return {"coop": context.get("coop"), "csrf_token": context.get("csrf_token"), "orders": orders}
