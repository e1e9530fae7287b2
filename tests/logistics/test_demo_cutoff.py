"""The demo's closed cycle: orders.demo closes past cycles by a state update only; logistics.demo builds and
renders what the close would have, once."""

import io
from datetime import timedelta

from django_scopes import scope
from pypdf import PdfReader

from logistics.demo import closed_cycle_ensure_documents, hub_ensure, newest_closed_cycle
from logistics.models import CycleDocument, Hub, OrderPacking, PurchaseOrder
from orders.models import OrderCycle


def test_a_cycle_closed_without_documents_gets_them_once(world_a):
    coop, cycle = world_a.coop, world_a.extra["cycle"]
    with scope(coop=coop):
        # as orders.demo leaves a past cycle: closed by a conditional update, nothing built
        OrderCycle.objects.filter(pk=cycle.pk).update(status=OrderCycle.Status.CLOSED,
                                                      cutoff_at=cycle.opens_at + timedelta(hours=1))
        # the world's other closed cycle is older here
        OrderCycle.objects.filter(pk=world_a.extra["closed_cycle"].pk).update(
            delivery_date=cycle.delivery_date - timedelta(weeks=1))
        assert newest_closed_cycle().pk == cycle.pk
        rendered = closed_cycle_ensure_documents(newest_closed_cycle())
        documents = CycleDocument.objects.filter(cycle=cycle)
        assert rendered == documents.count() == 6 and not documents.exclude(status="ready").exists()
        assert PurchaseOrder.objects.filter(cycle=cycle).count() == 1
        assert OrderPacking.objects.filter(cycle=cycle).count() == 1
        packing = documents.get(kind=CycleDocument.Kind.PACKING_LIST)
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(packing.file.read())).pages)
        assert world_a.extra["order"].number in text
        before = sorted(CycleDocument.objects.filter(cycle=cycle).values_list("pk", "file"))
        assert closed_cycle_ensure_documents(cycle) == 0
        assert sorted(CycleDocument.objects.filter(cycle=cycle).values_list("pk", "file")) == before


def test_the_hub_comes_from_the_region_file(world_a):
    from coop.demo import data

    spec = data.regions()["coops"][0]["hub"]
    with scope(coop=world_a.coop):
        hub = hub_ensure(world_a.coop, spec)
        assert hub_ensure(world_a.coop, spec).pk == hub.pk and Hub.objects.count() == 1
        assert (hub.name, hub.postcode, hub.receiving_windows[0]["day"]) == (spec["name"], spec["postcode"], "thu")
