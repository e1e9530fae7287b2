"""Reads: which invoices a member may see, and the lists the pages and the API show."""

from django.db.models import Q, QuerySet

from invoicing.models import Invoice
from invoicing.selectors_billing import with_payment_state
from members.models import Membership, Role


def invoices_visible_to(membership: Membership, *, own_only: bool = False) -> QuerySet:
    """Managers see every invoice of the coop (drafts too); a business user the issued invoices of their
    account; anyone their own issued consumer invoices. `own_only` applies the last two rules to managers too
    (their "my invoices" page)."""
    invoices = Invoice.objects.select_related("business_account", "customer__user", "credited_invoice")
    if membership.is_manager and not own_only:
        return invoices
    mine = Q(customer=membership, business_account__isnull=True)
    if membership.business_account_id and membership.has_role(Role.BUSINESS):
        mine |= Q(business_account_id=membership.business_account_id)
    return invoices.filter(mine, status=Invoice.Status.ISSUED)


def invoice_list(membership: Membership, *, status: str = "", kind: str = "", own_only: bool = False) -> QuerySet:
    invoices = with_payment_state(invoices_visible_to(membership, own_only=own_only).select_related("peppol_delivery"))
    if status in Invoice.Status.values:
        invoices = invoices.filter(status=status)
    if kind in Invoice.Kind.values:
        invoices = invoices.filter(kind=kind)
    return invoices.order_by("-created_at", "-pk")


def invoice_with_parts(membership: Membership, invoice_id: int) -> Invoice | None:
    return (invoices_visible_to(membership).select_related("peppol_delivery")
            .prefetch_related("lines", "vat_breakdown", "credit_notes", "order_links__order")
            .filter(pk=invoice_id).first())
