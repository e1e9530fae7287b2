"""Pages under /<coop_slug>/manage/: the fixer's week (fixers and admins) and the offer pages (producers too)."""

from django.urls import path

from orders.manage import views_cycles, views_offers, views_orders, views_places

urlpatterns = [
    path("", views_cycles.manage_home, name="manage_home"),
    path("cycles/", views_cycles.cycle_list, name="manage_cycle_list"),
    path("cycles/<int:cycle_id>/", views_cycles.cycle_detail, name="manage_cycle_detail"),
    path("cycles/<int:cycle_id>/extend/", views_cycles.cycle_extend_view, name="manage_cycle_extend"),
    path("cycles/<int:cycle_id>/open/", views_cycles.cycle_open_view, name="manage_cycle_open"),
    path("cycles/<int:cycle_id>/cancel/", views_cycles.cycle_cancel_view, name="manage_cycle_cancel"),
    path("cycles/<int:cycle_id>/pickup-points/", views_cycles.cycle_pickup, name="manage_cycle_pickup"),
    path("cycles/<int:cycle_id>/orders/", views_orders.cycle_orders, name="manage_cycle_orders"),
    path("orders/<int:order_id>/payment/", views_orders.order_payment, name="manage_order_payment"),
    path("payments/import/", views_orders.statement_import, name="manage_statement_import"),
    path("schedules/", views_places.schedule_list, name="manage_schedule_list"),
    path("schedules/<int:cycle_schedule_id>/", views_places.schedule_edit, name="manage_schedule_edit"),
    path("schedules/<int:cycle_schedule_id>/generate/", views_places.schedule_generate,
         name="manage_schedule_generate"),
    path("pickup-points/", views_places.pickup_point_list, name="manage_pickup_point_list"),
    path("pickup-points/<int:pickup_point_id>/", views_places.pickup_point_edit, name="manage_pickup_point_edit"),
    path("pickup-points/<int:pickup_point_id>/remove/", views_places.pickup_point_remove,
         name="manage_pickup_point_remove"),
    path("delivery-zones/", views_places.delivery_zone_list, name="manage_delivery_zone_list"),
    path("delivery-zones/<int:delivery_zone_id>/", views_places.delivery_zone_edit, name="manage_delivery_zone_edit"),
    path("delivery-zones/<int:delivery_zone_id>/remove/", views_places.delivery_zone_remove,
         name="manage_delivery_zone_remove"),
    path("offers/", views_offers.offer_home, name="manage_offer_home"),
    path("offers/<int:cycle_id>/producers/<int:producer_id>/", views_offers.offer_edit, name="manage_offer_edit"),
    path("offers/<int:cycle_id>/producers/<int:producer_id>/copy/", views_offers.offer_copy,
         name="manage_offer_copy"),
    path("offers/<int:offer_id>/withdraw/", views_offers.offer_withdraw_view, name="manage_offer_withdraw"),
]
