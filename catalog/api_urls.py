"""Catalogue API routes under /api/v1/<coop_slug>/ (no API root view: /api/schema/ documents them)."""

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("products", api.ProductViewSet, basename="api_product")
router.register("producers", api.ProducerViewSet, basename="api_producer")
router.register("price-groups", api.PriceGroupViewSet, basename="api_price_group")

urlpatterns = router.urls
