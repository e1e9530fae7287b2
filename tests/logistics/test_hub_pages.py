"""Hub and producer pages: who sees what, close now (a Job), weights by htmx and plain POST, shortages with the
spread shown, crates, producers answering their purchase orders, and the purchase order e-mail."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scope

from coop.models import Job
from logistics.models import CycleDocument, DepositMovement, PurchaseOrder
from logistics.services.closing import cycle_close
from logistics.tasks import close_cycle, render_document, send_purchase_order
from orders.models import OrderLine
from orders.services.ordering import Destination, order_place
from tests import factories

HTMX = {"HTTP_HX_REQUEST": "true"}


def hub(world, name="", **ids):
    url = f"/{world.coop.slug}/hub/"
    if "cycle" in ids:
        url += f"cycles/{ids['cycle'].pk}/"
    return url + name


@pytest.fixture
def weighed(world_a):
    """The world's open cycle with cheese sold by weight (3 orders) and a crate item, then closed."""
    coop = world_a.coop
    with scope(coop=coop):
        cycle = world_a.extra["cycle"]
        factories.deposit_item(coop, code="veg_crate", value="3.00", kind="crate")
        cheese = factories.ProductFactory(coop=coop, producer=world_a.extra["producer"], price="16.00",
                                          category=world_a.extra["category"], price_unit="kg", is_weighed=True,
                                          est_weight_kg="0.500", name_nl="Hoevekaas")
        offer = factories.offer_for(cycle, cheese)
        buyers = [factories.MembershipFactory(coop=coop) for _ in range(3)]
        slot = cycle.pickup_points.get()
        orders = [order_place(customer=b, cycle_id=cycle.pk, lines=[{"offer": offer.pk, "quantity": q}],
                              destination=Destination("pickup", pickup_id=slot.pk)) for b, q in zip(buyers, [2, 1, 1])]
        cycle_close(cycle_id=cycle.pk)
        lines = [OrderLine.objects.get(order=o) for o in orders]
        yield {"coop": coop, "cycle": cycle, "cheese": cheese, "orders": orders, "lines": lines, "buyers": buyers}


def test_managers_see_the_hub_pages(client, world_a, django_assert_max_num_queries):
    client.force_login(world_a.admin)
    cycle, po = world_a.extra["closed_cycle"], world_a.extra["purchase_order"]
    assert client.get(hub(world_a)).status_code == 200
    with django_assert_max_num_queries(20):
        page = client.get(hub(world_a, cycle=cycle))
    body = page.content.decode()
    assert page.status_code == 200
    assert po.number in body and "<svg" in body and world_a.extra["pickup_point"].name in body
    assert f"/hub/documents/{world_a.extra['document'].pk}/" in body  # the ready purchase order PDF
    assert "/close/" not in body  # already closed: no close button
    open_page = client.get(hub(world_a, cycle=world_a.extra["cycle"])).content.decode()
    assert f"/cycles/{world_a.extra['cycle'].pk}/close/" in open_page
    for path in ("weights/", "documents/", "documents/?kind=packing_list"):
        assert client.get(hub(world_a, path, cycle=cycle)).status_code == 200
    assert client.get(hub(world_a, "crates/")).status_code == 200
    listed = client.get(hub(world_a, "purchase-orders/")).content.decode()
    assert po.number in listed
    pdf = client.get(hub(world_a, f"documents/{world_a.extra['document'].pk}/"))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_consumers_get_404_everywhere(client, world_a):
    client.force_login(world_a.member.user)
    cycle = world_a.extra["closed_cycle"]
    for path in [hub(world_a), hub(world_a, cycle=cycle), hub(world_a, "weights/", cycle=cycle),
                 hub(world_a, "documents/", cycle=cycle), hub(world_a, "crates/"), hub(world_a, "purchase-orders/"),
                 hub(world_a, f"purchase-orders/{world_a.extra['purchase_order'].pk}/"),
                 hub(world_a, f"documents/{world_a.extra['document'].pk}/")]:
        assert client.get(path).status_code == 404, path
    assert client.post(hub(world_a, "close/", cycle=world_a.extra["cycle"])).status_code == 404
    with scope(coop=world_a.coop):  # a customer's own packing list is not for customers either
        packing = CycleDocument.objects.get(cycle=cycle, kind=CycleDocument.Kind.PACKING_LIST)
    assert client.get(hub(world_a, f"documents/{packing.pk}/")).status_code == 404


def test_drivers_see_the_round_not_the_office(client, world_a):
    driver = factories.MembershipFactory(coop=world_a.coop, roles=["driver"])
    client.force_login(driver.user)
    cycle = world_a.extra["closed_cycle"]
    body = client.get(hub(world_a, cycle=cycle)).content.decode()
    assert world_a.extra["pickup_point"].name in body and world_a.extra["purchase_order"].number not in body
    assert client.get(hub(world_a, "crates/")).status_code == 200
    assert client.get(hub(world_a, f"documents/{world_a.extra['document'].pk}/")).status_code == 404
    assert client.post(hub(world_a, "close/", cycle=world_a.extra["cycle"])).status_code == 404
    assert client.get(hub(world_a, "purchase-orders/")).status_code == 404


def test_a_producer_sees_only_their_own_purchase_orders_and_documents(client, world_a):
    coop, cycle = world_a.coop, world_a.extra["closed_cycle"]
    own_po = world_a.extra["purchase_order"]
    with scope(coop=coop):
        other = factories.ProducerFactory(coop=coop, farm_name="Andere Hoeve")
        other_po = PurchaseOrder.objects.create(coop=coop, cycle=cycle, producer=other, number="IB-OTHER",
                                                delivery_mode=other.delivery_mode,
                                                respond_before=timezone.now() + timedelta(hours=5))
        other_doc = CycleDocument.objects.create(coop=coop, cycle=cycle, kind=CycleDocument.Kind.PURCHASE_ORDER,
                                                 subject=f"producer:{other.pk}", title="IB-OTHER",
                                                 status=CycleDocument.Status.READY, file="x.pdf")
        goods_in = CycleDocument.objects.get(cycle=cycle, kind=CycleDocument.Kind.GOODS_IN)
    client.force_login(world_a.extra["producer"].membership.user)
    listed = client.get(hub(world_a, "purchase-orders/")).content.decode()
    assert own_po.number in listed and "IB-OTHER" not in listed
    detail = client.get(hub(world_a, f"purchase-orders/{own_po.pk}/")).content.decode()
    assert world_a.extra["product"].name_nl in detail and f"/hub/documents/{world_a.extra['document'].pk}/" in detail
    assert client.get(hub(world_a, f"purchase-orders/{other_po.pk}/")).status_code == 404
    assert client.get(hub(world_a, f"documents/{world_a.extra['document'].pk}/")).status_code == 200
    assert client.get(hub(world_a, f"documents/{other_doc.pk}/")).status_code == 404
    assert client.get(hub(world_a, f"documents/{goods_in.pk}/")).status_code == 404  # not rendered yet
    assert client.get(hub(world_a, cycle=cycle)).status_code == 404  # the hub itself is not theirs


def test_close_now_launches_a_job_and_shows_its_progress(client, world_a, django_capture_on_commit_callbacks,
                                                         monkeypatch):
    queued = []
    monkeypatch.setattr(close_cycle, "apply_async", lambda args, kwargs: queued.append((args, kwargs)))
    client.force_login(world_a.admin)
    cycle = world_a.extra["cycle"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(hub(world_a, "close/", cycle=cycle))
    with scope(coop=world_a.coop):
        job = Job.objects.get(kind="cycle_close")
    assert response.status_code == 302 and response["Location"].endswith(f"/cycles/{cycle.pk}/?job={job.pk}")
    assert queued == [((world_a.coop.pk,), {"job_id": job.pk, "cycle_id": cycle.pk})]
    page = client.get(response["Location"]).content.decode()
    assert f"/jobs/{job.pk}/progress/" in page and 'hx-trigger="every 1s"' in page
    close_cycle.apply(args=queued[0][0], kwargs=queued[0][1])
    done = client.get(response["Location"]).content.decode()
    assert "/close/" not in done and "status-succeeded" in done
    with scope(coop=world_a.coop):
        assert Job.objects.get(pk=job.pk).status == Job.Status.SUCCEEDED
        assert PurchaseOrder.objects.filter(cycle=cycle).exists()
    # htmx gets the progress fragment; a closed cycle cannot be closed again
    again = client.post(hub(world_a, "close/", cycle=cycle), **HTMX)
    assert again.status_code == 400 and "msg-error" in again.content.decode()


def test_the_close_button_answers_htmx_with_the_job_fragment(client, world_a, monkeypatch):
    monkeypatch.setattr(close_cycle, "apply_async", lambda args, kwargs: None)
    client.force_login(world_a.admin)
    response = client.post(hub(world_a, "close/", cycle=world_a.extra["cycle"]), **HTMX)
    assert response.status_code == 200 and 'class="job"' in response.content.decode()


def test_weights_by_htmx_save_the_line_and_answer_inline(client, world_a, weighed):
    client.force_login(world_a.admin)
    cycle, line = weighed["cycle"], weighed["lines"][0]
    page = client.get(hub(world_a, "weights/", cycle=cycle)).content.decode()
    assert "Hoevekaas" in page and f'id="line-{line.pk}"' in page
    response = client.post(hub(world_a, f"weights/lines/{line.pk}/", cycle=cycle), {"weighed_kg": "1,130"}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and body.startswith('<li id="line-')
    assert "23,96" in body  # 1.130 kg x 21.20, and the order total
    line.refresh_from_db()
    assert (line.weighed_quantity, line.line_amount) == (Decimal("1.130"), Decimal("23.96"))
    bad = client.post(hub(world_a, f"weights/lines/{line.pk}/", cycle=cycle), {"weighed_kg": "veel"}, **HTMX)
    assert bad.status_code == 400 and 'role="alert"' in bad.content.decode() and "veel" in bad.content.decode()
    line.refresh_from_db()
    assert line.weighed_quantity == Decimal("1.130")


def test_weights_by_plain_post_redirect_back_or_show_the_error(client, world_a, weighed):
    client.force_login(world_a.admin)
    cycle, line = weighed["cycle"], weighed["lines"][1]
    url = hub(world_a, f"weights/lines/{line.pk}/", cycle=cycle)
    response = client.post(url, {"weighed_kg": "0.480", "product": ""})
    assert response.status_code == 302 and response["Location"].endswith(f"/weights/#line-{line.pk}")
    assert "0,48 kg" in client.get(response["Location"]).content.decode()
    line.refresh_from_db()
    assert line.weighed_quantity == Decimal("0.480")
    bad = client.post(url, {"weighed_kg": "-1"})
    assert bad.status_code == 400 and f'id="line-{line.pk}"' in bad.content.decode()
    # a line of another cycle cannot be aimed at through this cycle
    other = world_a.extra["closed_line"]
    assert client.post(hub(world_a, f"weights/lines/{other.pk}/", cycle=cycle), {"weighed_kg": "1"}).status_code == 404


def test_a_product_shortage_is_previewed_then_applied(client, world_a, weighed):
    client.force_login(world_a.admin)
    cycle, cheese = weighed["cycle"], weighed["cheese"]
    url = hub(world_a, f"weights/products/{cheese.pk}/shortage/", cycle=cycle)
    preview = client.post(url, {"short_quantity": "2", "rule": "first_come", "preview": "1"}, **HTMX)
    body = preview.content.decode()
    assert preview.status_code == 200 and 'data-applied="0"' in body
    assert all(o.number in body for o in weighed["orders"])
    assert not OrderLine.objects.filter(order__cycle=cycle, short_quantity__gt=0).exists()
    applied = client.post(url, {"short_quantity": "2", "rule": "first_come", "apply": "1"})
    assert applied.status_code == 200 and 'data-applied="1"' in applied.content.decode()
    shorts = [OrderLine.objects.get(pk=line.pk).short_quantity for line in weighed["lines"]]
    assert shorts == [Decimal("0"), Decimal("1"), Decimal("1")]  # the latest orders lose first
    too_much = client.post(url, {"short_quantity": "9", "rule": "pro_rata", "preview": "1"}, **HTMX)
    assert too_much.status_code == 400 and 'role="alert"' in too_much.content.decode()


def test_crate_balances_and_a_return(client, world_a, weighed):
    client.force_login(world_a.admin)
    buyer = weighed["buyers"][0]
    out = DepositMovement.objects.get(customer=buyer, direction="out").quantity
    page = client.get(hub(world_a, "crates/")).content.decode()
    assert str(buyer.user) in page
    response = client.post(hub(world_a, "crates/"), {"party": f"customer:{buyer.pk}", "item": "veg_crate",
                                                     "quantity": "1", "note": "aan de deur"})
    assert response.status_code == 302
    back = DepositMovement.objects.get(customer=buyer, direction="back")
    assert back.quantity == 1 and back.recorded_by == world_a.admin and out >= 1
    bad = client.post(hub(world_a, "crates/"), {"party": f"customer:{buyer.pk}", "item": "veg_crate",
                                                "quantity": "0"})
    assert bad.status_code == 400
    stranger = client.post(hub(world_a, "crates/"), {"party": "customer:999999", "item": "veg_crate",
                                                     "quantity": "1"})
    assert stranger.status_code == 400


def test_the_producer_answers_before_the_deadline(client, world_a):
    po = world_a.extra["purchase_order"]
    with scope(coop=world_a.coop):
        line = po.lines.get()
    url = hub(world_a, f"purchase-orders/{po.pk}/")
    client.force_login(world_a.admin)
    assert client.post(url, {f"line_{line.pk}": "0"}).status_code == 403  # managers read, producers answer
    client.force_login(world_a.extra["producer"].membership.user)
    assert client.post(url, {f"line_{line.pk}": "5"}).status_code == 400  # more than ordered
    response = client.post(url, {f"line_{line.pk}": "0", "note": "hagel"})
    assert response.status_code == 302
    with scope(coop=world_a.coop):
        po.refresh_from_db()
        line.refresh_from_db()
        assert (po.status, po.producer_note, line.confirmed_quantity) == ("shortage", "hagel", Decimal("0"))
        PurchaseOrder.objects.filter(pk=po.pk).update(respond_before=timezone.now() - timedelta(minutes=1))
    late = client.post(url, {f"line_{line.pk}": "1"})
    assert late.status_code == 302
    after = client.get(url).content.decode()
    assert "msg-error" in after and f'name="line_{line.pk}"' not in after  # no form after the deadline
    with scope(coop=world_a.coop):
        line.refresh_from_db()
    assert line.confirmed_quantity == Decimal("0")


def test_the_purchase_order_is_mailed_once_with_its_pdf(world_a, monkeypatch):
    coop, cycle = world_a.coop, world_a.extra["closed_cycle"]
    with scope(coop=coop):
        document = CycleDocument.objects.get(cycle=cycle, kind=CycleDocument.Kind.PURCHASE_ORDER)
        CycleDocument.objects.filter(pk=document.pk).update(status=CycleDocument.Status.PENDING, file="")
    queued = []
    monkeypatch.setattr(send_purchase_order, "delay", lambda *args: queued.append(args))
    render_document.apply(args=(coop.pk, document.pk)).get()
    assert queued == [(coop.pk, document.pk)]
    assert send_purchase_order.apply(args=queued[0]).get() == "sent"
    assert send_purchase_order.apply(args=queued[0]).get() == "already-sent"
    (message,) = mail.outbox
    po = world_a.extra["purchase_order"]
    assert po.number in message.subject and message.to == [world_a.extra["producer"].membership.user.email]
    (name, content, mimetype) = message.attachments[0]
    assert mimetype == "application/pdf" and content.startswith(b"%PDF") and name == f"{po.number}.pdf"
    with scope(coop=coop):
        assert PurchaseOrder.objects.get(pk=po.pk).sent_at is not None
        # a packing list renders without a mail
        packing = CycleDocument.objects.get(cycle=cycle, kind=CycleDocument.Kind.PACKING_LIST)
    render_document.apply(args=(coop.pk, packing.pk)).get()
    assert len(queued) == 1
