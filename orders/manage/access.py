"""Who may use the management pages: fixers and admins; the offer pages also producers (their own farm)."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from coop.tenancy.access import has_coop_role, require_roles
from members.models import MANAGER_ROLES, Producer, Role

manager_page = require_roles(*MANAGER_ROLES)
offers_page = require_roles(Role.PRODUCER, *MANAGER_ROLES)


def own_producer(request) -> Producer | None:
    membership = request.membership
    if membership is None or not membership.has_role(Role.PRODUCER):
        return None
    return Producer.objects.filter(membership=membership).first()


def producer_for(request, producer_id: int) -> Producer:
    """The farm a page acts for: any for fixers and admins, only their own for a producer (else 404)."""
    if has_coop_role(request, *MANAGER_ROLES):
        return get_object_or_404(Producer, pk=producer_id)
    producer = own_producer(request)
    if producer is None or producer.pk != producer_id:
        raise Http404(_("Not found."))
    return producer
