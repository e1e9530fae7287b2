"""Hub API routes under /api/v1/<coop_slug>/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("purchase-orders", api.PurchaseOrderViewSet, basename="api_purchase_order")
router.register("deposit-movements", api.DepositMovementViewSet, basename="api_deposit_movement")

urlpatterns = [
    path("cycles/<int:cycle_id>/close/", api.CycleCloseAPI.as_view(), name="api_cycle_close"),
    path("cycles/<int:cycle_id>/hub/", api.CycleDocumentsAPI.as_view(), name="api_cycle_hub"),
    path("cycles/<int:cycle_id>/shortages/", api.ProductShortageAPI.as_view(), name="api_cycle_shortages"),
    path("documents/<int:document_id>/pdf/", api.DocumentPdfAPI.as_view(), name="api_document_pdf"),
    path("documents/<int:document_id>/retry/", api.DocumentRetryAPI.as_view(), name="api_document_retry"),
    path("order-lines/<int:order_line_id>/weight/", api.LineWeightAPI.as_view(), name="api_line_weight"),
    path("order-lines/<int:order_line_id>/shortage/", api.LineShortageAPI.as_view(), name="api_line_shortage"),
    *router.urls,
]
