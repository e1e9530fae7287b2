"""Access-point adapters: how a UBL document leaves the platform.

- OutboxTransport: keeps the XML with the status "ready for manual upload", for a coop that uploads its
  invoices by hand in its access point's portal (the fixer downloads the XML and marks it sent).
- HttpTransport: POSTs the XML to an access point's REST API, configured by the environment:
  PEPPOL_AP_URL (the endpoint that accepts a document) and PEPPOL_AP_TOKEN (sent as a Bearer token).
  Network errors, 429 and 5xx are retried here a few times with backoff, then reported as TransientError
  (the Celery task retries later); other 4xx answers are PermanentError (a person must look).
  Every request carries an Idempotency-Key (the coop and invoice number) so an access point that honours
  it never delivers a document twice, even when a worker died after sending and the task runs again.

The transport only moves bytes; PeppolDelivery (one per invoice) records what happened.
"""

import json
import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings


@dataclass(frozen=True)
class SendResult:
    status: str  # a PeppolDelivery.Status value: "outbox", "sent" or "delivered"
    external_id: str = ""
    message: str = ""


class TransientError(Exception):
    """Try again later (network, rate limit, server error)."""


class PermanentError(Exception):
    """The access point refused the document; retrying will not help."""


class Transport(Protocol):
    name: str

    def send(self, *, document_id: str, sender: str, receiver: str, xml: bytes) -> SendResult: ...


class OutboxTransport:
    name = "outbox"

    def send(self, *, document_id: str, sender: str, receiver: str, xml: bytes) -> SendResult:
        return SendResult(status="outbox", message="stored for manual upload")


class HttpTransport:
    name = "http"
    RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}

    def __init__(self, *, url: str, token: str = "", timeout: float = 30, attempts: int = 3,
                 backoff: float = 1.0):
        if not url.startswith(("https://", "http://")):
            raise ValueError("PEPPOL_AP_URL must be an http(s) URL")
        self.url, self.token, self.timeout = url, token, timeout
        self.attempts, self.backoff = max(1, attempts), backoff

    def _request(self, *, document_id: str, sender: str, receiver: str, xml: bytes) -> urllib.request.Request:
        headers = {"Content-Type": "application/xml", "Accept": "application/json", "Idempotency-Key": document_id,
                   "X-Peppol-Sender": sender, "X-Peppol-Receiver": receiver}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return urllib.request.Request(self.url, data=xml, headers=headers, method="POST")  # noqa: S310

    def send(self, *, document_id: str, sender: str, receiver: str, xml: bytes) -> SendResult:
        last_error = ""
        for attempt in range(self.attempts):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            request = self._request(document_id=document_id, sender=sender, receiver=receiver, xml=xml)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (checked above)
                    return self._result(response.status, response.read(), response.headers)
            except urllib.error.HTTPError as exc:
                body = exc.read().decode("utf-8", "replace")[:500]
                last_error = f"HTTP {exc.code}: {body}"
                if exc.code not in self.RETRY_STATUS:
                    raise PermanentError(last_error) from exc
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                last_error = f"{type(exc).__name__}: {exc}"
        raise TransientError(last_error)

    @staticmethod
    def _result(status: int, body: bytes, headers) -> SendResult:
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            data = {}
        data = data if isinstance(data, dict) else {}
        external = str(data.get("id") or data.get("messageId") or headers.get("Location") or "")
        delivered = str(data.get("status", "")).lower() == "delivered"
        return SendResult(status="delivered" if delivered else "sent", external_id=external[:120],
                          message=f"HTTP {status}")


def _setting(name: str) -> str:
    return getattr(settings, name, "") or os.environ.get(name, "")


def transport_from_env() -> Transport:
    """The HTTP adapter when PEPPOL_AP_URL is set, else the outbox."""
    url = _setting("PEPPOL_AP_URL")
    if url:
        return HttpTransport(url=url, token=_setting("PEPPOL_AP_TOKEN"))
    return OutboxTransport()
