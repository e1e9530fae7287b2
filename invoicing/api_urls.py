"""Invoicing API routes under /api/v1/<coop_slug>/ (documented in /api/schema/)."""

from rest_framework.routers import SimpleRouter

from invoicing.api import InvoiceViewSet

router = SimpleRouter()
router.register("invoices", InvoiceViewSet, basename="api_invoice")

urlpatterns = router.urls
