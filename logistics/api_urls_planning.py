"""Rounds API routes under /api/v1/<coop_slug>/ (included from coop/urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api_planning as api

router = SimpleRouter()
router.register("vehicles", api.VehicleViewSet, basename="api_vehicle")
router.register("planning-runs", api.PlanningRunViewSet, basename="api_planning_run")
router.register("routes", api.RouteViewSet, basename="api_route")
router.register("stops", api.StopViewSet, basename="api_stop")

urlpatterns = [
    path("stops/<int:stop_id>/events/", api.StopEventAPI.as_view(), name="api_stop_events"),
    path("cycles/<int:cycle_id>/impact/", api.CycleImpactAPI.as_view(), name="api_cycle_impact"),
    path("impact/", api.MonthImpactAPI.as_view(), name="api_impact_month"),
    *router.urls,
]
