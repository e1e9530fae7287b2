"""Who may act for which producer in the portal: a producer for themselves, a fixer/admin for anyone."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from catalog.models import Product
from coop.tenancy.access import has_coop_role, require_roles
from members.models import MANAGER_ROLES, Producer, Role

portal_page = require_roles(Role.PRODUCER, *MANAGER_ROLES)


def own_producer(request) -> Producer | None:
    """The farm profile of the member asking, if they have one in this coop."""
    membership = request.membership
    if membership is None or not membership.has_role(Role.PRODUCER):
        return None
    return Producer.objects.filter(membership=membership).first()


def portal_producer(request, producer_id: int) -> Producer:
    """The producer the page is about; the same 404 for another producer's pages as for a missing one."""
    if has_coop_role(request, *MANAGER_ROLES):
        return get_object_or_404(Producer, pk=producer_id)
    producer = own_producer(request)
    if producer is None or producer.pk != producer_id:
        raise Http404(_("Not found."))
    return producer


def portal_product(producer: Producer, product_id: int) -> Product:
    return get_object_or_404(Product.objects.select_related("category"), pk=product_id, producer=producer)


def acting_for_other(request, producer: Producer) -> bool:
    """True when a fixer/admin works on someone else's farm (shown in the page header)."""
    own = own_producer(request)
    return own is None or own.pk != producer.pk
