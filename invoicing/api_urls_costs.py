"""Economics API routes under /api/v1/<coop_slug>/ (managers only; documented in /api/schema/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from invoicing import api_costs as api

router = SimpleRouter()
router.register("cost-entries", api.CostEntryViewSet, basename="api_cost_entry")

urlpatterns = [
    *router.urls,
    path("economics/", api.EconomicsAPI.as_view(), name="api_economics"),
    path("economics/export.csv", api.EconomicsExportAPI.as_view(), name="api_economics_export"),
    path("economics/cost-shares.csv", api.CostSharesExportAPI.as_view(), name="api_cost_shares_export"),
    path("accounting/", api.AccountingSummaryAPI.as_view(), name="api_accounting"),
    path("accounting/sales.csv", api.SalesJournalAPI.as_view(), name="api_sales_journal"),
    path("accounting/purchases.csv", api.PurchaseJournalAPI.as_view(), name="api_purchases_journal"),
]
