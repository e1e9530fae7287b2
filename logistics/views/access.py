"""Who may see what on the hub pages: managers everything, drivers what they need on the road, a producer
only their own purchase orders and goods-in lists. Every refusal is the same 404 as a missing object."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from coop.tenancy.access import has_coop_role, require_roles
from members.models import MANAGER_ROLES, Producer, Role

from ..models import CycleDocument, PurchaseOrder

HUB_ROLES = (*MANAGER_ROLES, Role.DRIVER)
hub_page = require_roles(*HUB_ROLES)
manager_page = require_roles(*MANAGER_ROLES)
purchase_order_page = require_roles(Role.PRODUCER, *MANAGER_ROLES)

# what a driver takes on the round; everything else (prices, purchase orders) stays with the office
DRIVER_KINDS = {CycleDocument.Kind.DESTINATION_LIST, CycleDocument.Kind.CRATE_LABELS}
PRODUCER_KINDS = {CycleDocument.Kind.PURCHASE_ORDER, CycleDocument.Kind.GOODS_IN}


def own_producer(request) -> Producer | None:
    membership = request.membership
    if membership is None or not membership.has_role(Role.PRODUCER):
        return None
    return Producer.objects.filter(membership=membership).first()


def document_allowed(request, document: CycleDocument) -> bool:
    if has_coop_role(request, *MANAGER_ROLES):
        return True
    if has_coop_role(request, Role.DRIVER) and document.kind in DRIVER_KINDS:
        return True
    producer = own_producer(request)
    return producer is not None and document.kind in PRODUCER_KINDS and document.subject == f"producer:{producer.pk}"


def visible_document(request, document_id: int) -> CycleDocument:
    document = get_object_or_404(CycleDocument.objects.select_related("cycle"), pk=document_id)
    if not document_allowed(request, document):
        raise Http404(_("Not found."))
    return document


def visible_purchase_orders(request):
    """Managers see every purchase order; a producer only their own (none without a farm profile)."""
    orders = PurchaseOrder.objects.all()
    if has_coop_role(request, *MANAGER_ROLES):
        return orders
    producer = own_producer(request)
    return orders.filter(producer=producer) if producer else orders.none()
