"""Standing orders API routes under /api/v1/<coop_slug>/ (documented in /api/schema/)."""

from rest_framework.routers import SimpleRouter

from orders.api_b2b import StandingOrderViewSet

router = SimpleRouter()
router.register("standing-orders", StandingOrderViewSet, basename="api_standing_order")

urlpatterns = router.urls
