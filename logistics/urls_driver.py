"""The driver's pages, included at /<coop_slug>/driver/."""

from django.urls import path

from .views import driver

urlpatterns = [
    path("", driver.driver_today, name="driver_today"),
    path("sw.js", driver.driver_service_worker, name="driver_service_worker"),
    path("routes/<int:route_id>/", driver.driver_route, name="driver_route"),
    path("routes/<int:route_id>/sheet/", driver.driver_route_sheet, name="driver_route_sheet"),
    path("stops/<int:stop_id>/events/", driver.driver_stop_event, name="driver_stop_event"),
    path("changes/<int:change_id>/seen/", driver.driver_route_change_seen, name="driver_route_change_seen"),
]
