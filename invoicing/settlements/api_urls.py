"""Settlement API routes under /api/v1/<coop_slug>/ (documented in /api/schema/)."""

from rest_framework.routers import SimpleRouter

from .api import PaymentBatchViewSet, SettlementViewSet

router = SimpleRouter()
router.register("settlements", SettlementViewSet, basename="api_settlement")
router.register("settlement-payments", PaymentBatchViewSet, basename="api_settlement_payment")

urlpatterns = router.urls
