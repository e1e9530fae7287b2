"""Reads: which settlements a member may see (managers all; a producer only their own), contests, batches."""

from django.db.models import QuerySet

from members.models import Membership, Producer, Role

from .models import Settlement, SettlementContest


def own_producer(membership: Membership | None) -> Producer | None:
    if membership is None or not membership.has_role(Role.PRODUCER):
        return None
    return Producer.objects.filter(membership=membership).first()


def settlements_visible_to(membership: Membership | None, *, own_only: bool = False) -> QuerySet:
    settlements = Settlement.objects.select_related("producer", "invoice", "corrects")
    if membership is not None and membership.is_manager and not own_only:
        return settlements
    producer = own_producer(membership)
    return settlements.filter(producer=producer) if producer is not None else settlements.none()


def settlement_with_parts(membership: Membership | None, settlement_id: int) -> Settlement | None:
    return (settlements_visible_to(membership).prefetch_related("lines", "contests__line")
            .select_related("pdf", "payment__batch").filter(pk=settlement_id).first())


def open_contests() -> QuerySet:
    return (SettlementContest.objects.filter(status=SettlementContest.Status.OPEN)
            .select_related("settlement__producer", "line", "created_by").order_by("created_at", "pk"))
