"""Peppol sending: outbox for manual upload, an HTTP access point with retries, never twice, failures visible."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django_scopes import scope

from invoicing import tasks
from invoicing.models import PeppolDelivery
from invoicing.peppol.delivery import peppol_delivery_mark, peppol_delivery_send
from invoicing.peppol.transport import (
    HttpTransport,
    OutboxTransport,
    PermanentError,
    TransientError,
    transport_from_env,
)
from invoicing.services.drafts import invoice_draft_for_orders
from invoicing.services.issuing import invoice_issue

from .conftest import delivered_order


class FakeAccessPoint:
    """A local HTTP server answering with the given status codes in turn, recording the requests."""

    def __init__(self, statuses):
        self.statuses, self.requests = list(statuses), []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append((dict(self.headers), body))
                status = outer.statuses.pop(0) if outer.statuses else 202
                payload = json.dumps({"id": f"msg-{len(outer.requests)}"} if status < 300 else {"error": "no"})
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(payload.encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/documents"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def access_point():
    points = []

    def make(*statuses):
        points.append(FakeAccessPoint(statuses))
        return points[-1]

    yield make
    for point in points:
        point.close()


@pytest.fixture
def invoice(shop):
    with scope(coop=shop.coop):
        return invoice_issue(invoice_id=invoice_draft_for_orders(orders=[delivered_order(
            shop, [("wortelen", 2, {"unit_net": "1.85"})], business=True, po="PO-1")]).pk, dispatch=False)


def test_the_outbox_keeps_the_xml_for_a_manual_upload(invoice):
    with scope(coop=invoice.coop):
        delivery = peppol_delivery_send(invoice_id=invoice.pk, transport=OutboxTransport())
        assert (delivery.status, delivery.transport, delivery.receiver) == ("outbox", "outbox", "0208:0765432146")
        assert invoice.number in delivery.xml
        again = peppol_delivery_send(invoice_id=invoice.pk, transport=OutboxTransport())
        assert again.attempts == 1  # not handed over twice
        uploaded = peppol_delivery_mark(delivery_id=delivery.pk, status="sent")
        assert uploaded.status == "sent" and uploaded.sent_at is not None


def test_http_retries_a_busy_access_point_and_sends_once(invoice, access_point):
    ap = access_point(503, 502)
    transport = HttpTransport(url=ap.url, token="secret", backoff=0)
    with scope(coop=invoice.coop):
        delivery = peppol_delivery_send(invoice_id=invoice.pk, transport=transport)
        assert (delivery.status, delivery.external_id, delivery.attempts) == ("sent", "msg-3", 1)
        peppol_delivery_send(invoice_id=invoice.pk, transport=transport)  # a second task run: nothing sent
    assert len(ap.requests) == 3
    headers, body = ap.requests[-1]
    assert headers["Authorization"] == "Bearer secret"
    assert headers["Idempotency-Key"] == f"{invoice.coop.slug}:{invoice.number}"
    assert body.startswith(b"<?xml") and invoice.number.encode() in body


def test_a_failure_stays_visible_and_is_retried_later(invoice, access_point):
    down = HttpTransport(url=access_point(503, 503).url, backoff=0, attempts=2)
    with scope(coop=invoice.coop):
        with pytest.raises(TransientError):
            peppol_delivery_send(invoice_id=invoice.pk, transport=down)
        failed = PeppolDelivery.objects.get(invoice=invoice)
        assert failed.status == "failed" and "HTTP 503" in failed.last_error
        up = HttpTransport(url=access_point().url, backoff=0)
        delivered = peppol_delivery_send(invoice_id=invoice.pk, transport=up)
        assert (delivered.status, delivered.attempts, delivered.last_error) == ("sent", 2, "")


def test_a_refused_document_is_not_retried(invoice, access_point):
    ap = access_point(400, 400)
    with scope(coop=invoice.coop):
        delivery = peppol_delivery_send(invoice_id=invoice.pk, transport=HttpTransport(url=ap.url, backoff=0))
    assert delivery.status == "failed" and "HTTP 400" in delivery.last_error and len(ap.requests) == 1  # no retry
    with pytest.raises(PermanentError):
        HttpTransport(url=ap.url, backoff=0).send(document_id="x", sender="", receiver="", xml=b"<x/>")


def test_the_environment_picks_the_adapter(monkeypatch):
    monkeypatch.delenv("PEPPOL_AP_URL", raising=False)
    assert isinstance(transport_from_env(), OutboxTransport)
    monkeypatch.setenv("PEPPOL_AP_URL", "https://ap.example/api/documents")
    monkeypatch.setenv("PEPPOL_AP_TOKEN", "t0ken")
    transport = transport_from_env()
    assert isinstance(transport, HttpTransport) and transport.token == "t0ken"


def test_the_send_task_is_idempotent(invoice, monkeypatch):
    monkeypatch.delenv("PEPPOL_AP_URL", raising=False)
    assert tasks.invoice_send_peppol.apply(args=(invoice.coop_id, invoice.pk)).get() == "outbox"
    assert tasks.invoice_send_peppol.apply(args=(invoice.coop_id, invoice.pk)).get() == "outbox"
    with scope(coop=invoice.coop):
        assert PeppolDelivery.objects.get(invoice=invoice).attempts == 1
