"""Invoicing API routes under /api/v1/<coop_slug>/ (documented in /api/schema/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from invoicing.api import InvoiceViewSet
from invoicing.api_billing import BankTransactionViewSet, PaymentImportAPI

router = SimpleRouter()
router.register("invoices", InvoiceViewSet, basename="api_invoice")
router.register("payments", BankTransactionViewSet, basename="api_payment")

urlpatterns = [path("payments/import/", PaymentImportAPI.as_view(), name="api_payment_import"), *router.urls]
