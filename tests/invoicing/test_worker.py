"""Issuing queues the PDF on commit; a real worker listening only to the `documents` queue renders it."""

import time

import pytest
from django_scopes import scope, scopes_disabled

from invoicing.models import InvoiceDocument
from invoicing.services.drafts import invoice_draft_for_orders
from invoicing.services.issuing import invoice_issue
from tests import factories
from tests.celery_worker import running_worker

from .conftest import delivered_order, make_shop


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_documents_queue_renders_the_pdf_of_an_issued_invoice():
    with scopes_disabled():
        coop = factories.CooperativeFactory(slug="pdfqueue", name="PDF queue")
    shop = make_shop(coop)
    with running_worker(queues="documents"):
        with scope(coop=coop):
            invoice = invoice_issue(invoice_id=invoice_draft_for_orders(
                orders=[delivered_order(shop, [("wortelen", 2, {})])]).pk)
        deadline = time.monotonic() + 60
        with scopes_disabled():
            while time.monotonic() < deadline and not InvoiceDocument.objects.filter(invoice=invoice).exists():
                time.sleep(0.3)
            document = InvoiceDocument.objects.get(invoice=invoice)
            assert document.file.read().startswith(b"%PDF")
