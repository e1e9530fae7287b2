"""The hub API: close (202 + job), purchase orders per role, weights and shortages, crates, document PDFs."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django_scopes import scope

from coop.models import Job
from logistics.models import DepositMovement
from logistics.tasks import close_cycle
from orders.models import OrderCycle
from tests import factories


@pytest.fixture(autouse=True)
def _english_messages(settings):
    """These tests check the wording of error and status messages, written in English in the code; the platform's
    default language is Dutch, so they run in English (tests/test_translations.py covers the Dutch and French)."""
    settings.LANGUAGE_CODE = "en"


def test_close_answers_202_with_a_job_and_queues_on_commit(client, world_a, django_capture_on_commit_callbacks,
                                                            monkeypatch):
    queued = []
    monkeypatch.setattr(close_cycle, "apply_async", lambda args, kwargs: queued.append((args, kwargs)))
    client.force_login(world_a.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/{world_a.coop.slug}/cycles/{world_a.extra['cycle'].pk}/close/")
    assert response.status_code == 202
    job_id = response.json()["job"]
    assert queued == [((world_a.coop.pk,), {"job_id": job_id, "cycle_id": world_a.extra["cycle"].pk})]
    close_cycle.apply(args=queued[0][0], kwargs=queued[0][1])
    job = client.get(response.json()["status_url"]).json()
    assert job["status"] == "succeeded" and job["result"]["purchase_orders"] == 1
    with scope(coop=world_a.coop):
        assert Job.objects.get(pk=job_id).progress == 100
        assert OrderCycle.objects.get(pk=world_a.extra["cycle"].pk).status == "closed"
    again = client.post(f"/api/v1/{world_a.coop.slug}/cycles/{world_a.extra['cycle'].pk}/close/")
    assert again.status_code == 400 and "only an open cycle" in again.json()["detail"]


def test_close_is_for_managers(client, world_a):
    client.force_login(world_a.member.user)
    assert client.post(f"/api/v1/{world_a.coop.slug}/cycles/{world_a.extra['cycle'].pk}/close/").status_code == 403


def test_producers_see_and_answer_only_their_own_purchase_orders(client, world_a):
    coop = world_a.coop
    po = world_a.extra["purchase_order"]
    client.force_login(world_a.extra["producer"].membership.user)
    listed = client.get(f"/api/v1/{coop.slug}/purchase-orders/").json()["results"]
    assert [p["id"] for p in listed] == [po.pk]
    with scope(coop=coop):
        line = po.lines.get()
    response = client.post(f"/api/v1/{coop.slug}/purchase-orders/{po.pk}/respond/",
                           {"confirmed": {str(line.pk): "0"}, "note": "hagel"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "shortage"
    with scope(coop=coop):
        other = factories.ProducerFactory(coop=coop)
    client.force_login(other.membership.user)
    assert client.get(f"/api/v1/{coop.slug}/purchase-orders/").json()["results"] == []
    assert client.get(f"/api/v1/{coop.slug}/purchase-orders/{po.pk}/").status_code == 404
    assert client.get(f"/api/v1/{coop.slug}/documents/{world_a.extra['document'].pk}/pdf/").status_code == 404
    client.force_login(world_a.extra["producer"].membership.user)
    pdf = client.get(f"/api/v1/{coop.slug}/documents/{world_a.extra['document'].pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_weight_and_shortage_endpoints(client, world_a):
    coop = world_a.coop
    line = world_a.extra["closed_line"]
    client.force_login(world_a.admin)
    response = client.post(f"/api/v1/{coop.slug}/order-lines/{line.pk}/shortage/", {"short_quantity": "1"},
                           content_type="application/json")
    assert response.status_code == 200
    assert Decimal(response.json()["line_amount"]) == Decimal("0.00")
    assert Decimal(response.json()["order_total_to_pay"]) == Decimal("0.00")
    bad = client.post(f"/api/v1/{coop.slug}/order-lines/{line.pk}/weight/", {"weighed_kg": "1"},
                      content_type="application/json")
    assert bad.status_code == 400 and "not sold by weight" in bad.json()["detail"]
    with scope(coop=coop):
        open_line = world_a.extra["order"].lines.get()  # its cycle is still open
    early = client.post(f"/api/v1/{coop.slug}/order-lines/{open_line.pk}/shortage/", {"short_quantity": "1"},
                        content_type="application/json")
    assert early.status_code == 400 and "after the cut-off" in early.json()["detail"]
    spread = client.post(f"/api/v1/{coop.slug}/cycles/{world_a.extra['closed_cycle'].pk}/shortages/",
                         {"product": world_a.extra["product"].pk, "short_quantity": "1", "rule": "pro_rata"},
                         content_type="application/json")
    assert spread.status_code == 200 and [s["short"] for s in spread.json()] == ["1.000"]


def test_hub_data_and_crate_returns(client, world_a):
    coop = world_a.coop
    client.force_login(world_a.admin)
    data = client.get(f"/api/v1/{coop.slug}/cycles/{world_a.extra['closed_cycle'].pk}/hub/").json()
    assert {d["kind"] for d in data["documents"]} >= {"purchase_order", "packing_list", "crate_labels"}
    assert data["packing"][0]["order_number"] == world_a.extra["closed_order"].number
    with scope(coop=coop):
        factories.deposit_item(coop, code="veg_crate", kind="crate", value="3.00")
    response = client.post(f"/api/v1/{coop.slug}/deposit-movements/",
                           {"item_code": "veg_crate", "quantity": 2, "customer": world_a.member.pk},
                           content_type="application/json")
    assert response.status_code == 201
    bad = client.post(f"/api/v1/{coop.slug}/deposit-movements/", {"item_code": "veg_crate", "quantity": 2},
                      content_type="application/json")
    assert bad.status_code == 400
    with scope(coop=coop):
        assert DepositMovement.objects.filter(direction="back").count() == 1


def test_close_cycle_command(world_a, capsys):
    call_command("close_cycle", world_a.coop.slug, str(world_a.extra["cycle"].pk), "--render-here")
    assert "closed: 1 purchase orders" in capsys.readouterr().out
    with scope(coop=world_a.coop):
        from logistics.models import CycleDocument

        assert not CycleDocument.objects.filter(cycle=world_a.extra["cycle"]).exclude(status="ready").exists()
    import pytest
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("close_cycle", "nope", "1")
