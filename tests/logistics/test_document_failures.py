"""A cycle document that cannot be rendered: its attempts are counted and its error kept, after the last attempt it
is FAILED and the beat scan stops queueing it; the hub sees it with its error and a manager tries it again (once,
however often the button is pressed); a render that succeeds clears the error. The renderer is patched to raise:
what is tested is the bookkeeping around it, not WeasyPrint."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope

from logistics import documents
from logistics.models import CycleDocument
from logistics.services.cycle_documents import REQUEUE_AFTER, cycles_with_stuck_documents
from logistics.tasks import close_cycle, close_due, render_document, send_purchase_order

HTMX = {"HTTP_HX_REQUEST": "true"}
BROKEN = "Failed lookup for key [street] in None"


@pytest.fixture(autouse=True)
def _three_attempts(settings):
    settings.CYCLE_DOCUMENT_MAX_ATTEMPTS = 3


@pytest.fixture
def queued(monkeypatch):
    """Renders queued (document ids), instead of sent to a broker; purchase order mails are not sent."""
    ids = []
    monkeypatch.setattr(render_document, "apply_async", lambda args, kwargs: ids.append(args[1]))
    monkeypatch.setattr(send_purchase_order, "delay", lambda *args: None)
    return ids


@pytest.fixture
def broken(world_a, monkeypatch):
    """The packing list of the world's one order cannot be rendered (a template error with its data)."""
    real_pdf = documents.document_pdf

    def pdf(document):
        if document.kind == CycleDocument.Kind.PACKING_LIST:
            raise ValueError(BROKEN)
        return real_pdf(document)

    monkeypatch.setattr(documents, "document_pdf", pdf)


def _close(world, capture) -> int:
    with capture(execute=True):
        close_cycle.apply(args=(world.coop.pk, world.extra["cycle"].pk)).get()
    return world.extra["cycle"].pk


def _render(world, document_ids) -> list[str]:
    outcomes = []
    for document_id in document_ids:
        result = render_document.apply(args=(world.coop.pk, document_id))
        outcomes.append(type(result.result).__name__ if result.failed() else result.result)
    return outcomes


def _scan(world, cycle_id, capture) -> None:
    """The every-minute scan, REQUEUE_AFTER after the last renders were queued or finished."""
    earlier = timezone.now() - REQUEUE_AFTER - timedelta(minutes=1)
    CycleDocument.objects.filter(cycle_id=cycle_id, status="pending").update(requested_at=earlier)
    CycleDocument.objects.filter(cycle_id=cycle_id, generated_at__isnull=False).update(generated_at=earlier)
    with capture(execute=True):
        close_due.apply(args=(world.coop.pk,)).get()


def test_a_document_that_always_fails_is_failed_after_three_attempts_and_not_queued_again(
        world_a, queued, broken, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    with scope(coop=world_a.coop):
        cycle_id = _close(world_a, capture)
        packing = CycleDocument.objects.get(cycle_id=cycle_id, kind=CycleDocument.Kind.PACKING_LIST)
        assert len(queued) == CycleDocument.objects.filter(cycle_id=cycle_id).count() == 6
        assert _render(world_a, queued).count("ValueError") == 1  # the other five are ready
        for attempt in (1, 2):
            packing.refresh_from_db()
            assert (packing.status, packing.attempts) == ("pending", attempt)
            assert packing.error == f"ValueError: {BROKEN}"  # why, already while a retry is still to come
            queued.clear()
            _scan(world_a, cycle_id, capture)
            assert queued == [packing.pk]
            assert _render(world_a, queued) == ["ValueError"]
        packing.refresh_from_db()
        assert (packing.status, packing.attempts, packing.error) == ("failed", 3, f"ValueError: {BROKEN}")
        queued.clear()
        _scan(world_a, cycle_id, capture)
        assert queued == [] and cycle_id not in cycles_with_stuck_documents()
        assert set(CycleDocument.objects.filter(cycle_id=cycle_id).exclude(pk=packing.pk)
                   .values_list("status", flat=True)) == {"ready"}


def test_a_last_attempt_that_never_reports_back_is_failed_by_the_scan(world_a, queued,
                                                                      django_capture_on_commit_callbacks):
    """Its worker died every time (killed while rendering): no error to record, but no endless queueing."""
    capture = django_capture_on_commit_callbacks
    with scope(coop=world_a.coop):
        cycle_id = _close(world_a, capture)
        others = [pk for pk in queued if CycleDocument.objects.get(pk=pk).kind != CycleDocument.Kind.HUB_SUMMARY]
        _render(world_a, others)
        hub = CycleDocument.objects.get(cycle_id=cycle_id, kind=CycleDocument.Kind.HUB_SUMMARY)
        for _lost in (2, 3):
            queued.clear()
            _scan(world_a, cycle_id, capture)
            assert queued == [hub.pk]
        queued.clear()
        _scan(world_a, cycle_id, capture)
        hub.refresh_from_db()
        assert queued == [] and (hub.status, hub.attempts, hub.error) == ("failed", 3, "")
        assert cycle_id not in cycles_with_stuck_documents()


def test_a_render_that_succeeds_after_a_failure_clears_the_error(world_a, queued, broken, monkeypatch,
                                                                 django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    with scope(coop=world_a.coop):
        cycle_id = _close(world_a, capture)
        _render(world_a, queued)
        packing = CycleDocument.objects.get(cycle_id=cycle_id, kind=CycleDocument.Kind.PACKING_LIST)
        assert packing.error and packing.status == "pending"
        monkeypatch.undo()  # the customer's address is corrected
        monkeypatch.setattr(render_document, "apply_async", lambda args, kwargs: queued.append(args[1]))
        monkeypatch.setattr(send_purchase_order, "delay", lambda *args: None)
        queued.clear()
        _scan(world_a, cycle_id, capture)
        assert _render(world_a, queued) == ["rendered"]
        packing.refresh_from_db()
        assert (packing.status, packing.error, packing.attempts) == ("ready", "", 2) and packing.file


def _failed_packing_list(world, queued, capture) -> CycleDocument:
    cycle_id = _close(world, capture)
    _render(world, queued)
    for _attempt in (2, 3):
        queued.clear()
        _scan(world, cycle_id, capture)
        _render(world, queued)
    packing = CycleDocument.objects.get(cycle_id=cycle_id, kind=CycleDocument.Kind.PACKING_LIST)
    assert packing.status == "failed"
    queued.clear()
    return packing


def test_the_hub_shows_failed_documents_and_a_manager_tries_one_again_once(
        client, world_a, queued, broken, monkeypatch, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    with scope(coop=world_a.coop):
        packing = _failed_packing_list(world_a, queued, capture)
    cycle_url = f"/{world_a.coop.slug}/hub/cycles/{packing.cycle_id}/"
    retry_url = f"/{world_a.coop.slug}/hub/documents/{packing.pk}/retry/"
    client.force_login(world_a.admin)
    dashboard = client.get(cycle_url).content.decode()
    assert 'id="documents-failed"' in dashboard and f"{cycle_url}documents/#failed" in dashboard
    page = client.get(cycle_url + "documents/").content.decode()
    assert 'id="failed"' in page and BROKEN in page and retry_url in page and packing.title in page

    with capture(execute=True):
        first = client.post(retry_url, **HTMX)
        second = client.post(retry_url, **HTMX)  # a double click
    assert first.status_code == second.status_code == 200
    assert f'id="document-{packing.pk}"' in first.content.decode() and retry_url not in first.content.decode()
    assert queued == [packing.pk]
    with scope(coop=world_a.coop):
        packing.refresh_from_db()
        assert (packing.status, packing.attempts, packing.error) == ("pending", 1, "")
    assert 'id="documents-failed"' not in client.get(cycle_url).content.decode()

    with capture(execute=True):  # without JavaScript: back to the documents page
        plain = client.post(retry_url)
    assert plain.status_code == 302 and plain["Location"].endswith(f"{cycle_url}documents/#failed")
    assert queued == [packing.pk]  # still pending: nothing queued again

    monkeypatch.undo()  # the cause is fixed; the queued render now succeeds
    with scope(coop=world_a.coop):
        assert _render(world_a, queued) == ["rendered"]
        packing.refresh_from_db()
        assert (packing.status, packing.error) == ("ready", "")


def test_try_all_again_queues_every_failed_document_of_the_cycle_once(
        client, world_a, queued, broken, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    with scope(coop=world_a.coop):
        packing = _failed_packing_list(world_a, queued, capture)
        hub = CycleDocument.objects.get(cycle_id=packing.cycle_id, kind=CycleDocument.Kind.HUB_SUMMARY)
        CycleDocument.objects.filter(pk=hub.pk).update(status="failed", attempts=3, error="OSError: disk full")
    url = f"/{world_a.coop.slug}/hub/cycles/{packing.cycle_id}/documents/retry/"
    client.force_login(world_a.admin)
    assert url in client.get(f"/{world_a.coop.slug}/hub/cycles/{packing.cycle_id}/documents/").content.decode()
    with capture(execute=True):
        response = client.post(url, **HTMX)
        client.post(url)
    assert response.status_code == 200 and 'id="failed"' in response.content.decode()
    assert sorted(queued) == sorted([packing.pk, hub.pk])
    with scope(coop=world_a.coop):
        assert set(CycleDocument.objects.filter(pk__in=queued).values_list("status", "attempts", "error")) == {
            ("pending", 1, "")}


def test_only_managers_try_again(client, world_a, queued, broken, django_capture_on_commit_callbacks):
    from tests import factories

    with scope(coop=world_a.coop):
        packing = _failed_packing_list(world_a, queued, django_capture_on_commit_callbacks)
        labels = CycleDocument.objects.get(cycle_id=packing.cycle_id, kind=CycleDocument.Kind.CRATE_LABELS)
        CycleDocument.objects.filter(pk=labels.pk).update(status="failed", attempts=3, error="KeyError: 'qr'")
        driver = factories.MembershipFactory(coop=world_a.coop, roles=["driver"])
    client.force_login(driver.user)
    page = client.get(f"/{world_a.coop.slug}/hub/cycles/{packing.cycle_id}/documents/").content.decode()
    assert "KeyError" in page and BROKEN not in page  # their round's labels, not the office's packing lists
    assert "/retry/" not in page
    for url in (f"/{world_a.coop.slug}/hub/documents/{labels.pk}/retry/",
                f"/{world_a.coop.slug}/hub/cycles/{packing.cycle_id}/documents/retry/"):
        assert client.post(url).status_code == 404
    client.force_login(world_a.member.user)
    assert client.post(f"/{world_a.coop.slug}/hub/documents/{packing.pk}/retry/").status_code == 404
    assert queued == []


def test_the_api_shows_status_and_error_and_tries_again(client, world_a, queued, broken,
                                                        django_capture_on_commit_callbacks):
    with scope(coop=world_a.coop):
        packing = _failed_packing_list(world_a, queued, django_capture_on_commit_callbacks)
    client.force_login(world_a.admin)
    api = f"/api/v1/{world_a.coop.slug}/"
    listed = {d["id"]: d for d in client.get(f"{api}cycles/{packing.cycle_id}/hub/").json()["documents"]}
    assert listed[packing.pk]["status"] == "failed" and listed[packing.pk]["error"] == f"ValueError: {BROKEN}"
    assert listed[packing.pk]["attempts"] == 3 and listed[packing.pk]["download_url"] is None
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{api}documents/{packing.pk}/retry/")
        again = client.post(f"{api}documents/{packing.pk}/retry/")
    assert response.status_code == 202 and response.json()["status"] == "pending" and response.json()["error"] == ""
    assert again.status_code == 400 and "pending" in again.json()["detail"]
    assert queued == [packing.pk]
    client.force_login(world_a.member.user)
    assert client.post(f"{api}documents/{packing.pk}/retry/").status_code == 403
