"""Orders API routes under /api/v1/<coop_slug>/ (documented in /api/schema/)."""

from rest_framework.routers import SimpleRouter

from orders.api import views

router = SimpleRouter()
router.register("cycles", views.CycleViewSet, basename="api_cycle")
router.register("offers", views.OfferViewSet, basename="api_offer")
router.register("pickup-points", views.PickupPointViewSet, basename="api_pickup_point")
router.register("orders", views.OrderViewSet, basename="api_order")

urlpatterns = router.urls
