"""Kitchen (B2B) pages under /<coop_slug>/: quick order, standing orders, the fixer's overview, and the
business account pages (members.views_business) with their prices."""

from django.urls import path

from members import views_business
from orders import views_b2b, views_b2b_manage

standing = "standing-orders/<int:standing_order_id>/"
account = "business-accounts/<int:business_account_id>/"

urlpatterns = [
    path("quick-order/", views_b2b.quick_order, name="b2b_quick_order"),
    path("quick-order/reorder/<int:order_id>/", views_b2b.quick_order_reorder, name="b2b_reorder"),
    path("standing-orders/", views_b2b.standing_list, name="b2b_standing_list"),
    path("standing-orders/new/", views_b2b.standing_edit, name="b2b_standing_create"),
    path(standing, views_b2b.standing_edit, name="b2b_standing_edit"),
    path(standing + "pauses/", views_b2b.standing_pause_add, name="b2b_standing_pause_add"),
    path(standing + "pauses/<int:standing_order_pause_id>/delete/", views_b2b.standing_pause_delete,
         name="b2b_standing_pause_delete"),
    path(standing + "runs/", views_b2b.standing_runs, name="b2b_standing_runs"),
    path("kitchens/", views_b2b_manage.overview, name="b2b_overview"),
    path("kitchens/runs/<int:standing_order_run_id>/retry/", views_b2b_manage.run_retry, name="b2b_run_retry"),
    path("kitchens/runs/<int:standing_order_run_id>/handled/", views_b2b_manage.run_resolve, name="b2b_run_resolve"),
    path("business-accounts/", views_business.business_account_list, name="business_account_list"),
    path("business-accounts/new/", views_business.business_account_edit, name="business_account_create"),
    path(account, views_business.business_account_edit, name="business_account_edit"),
    path(account + "people/", views_business.business_account_add_user, name="business_account_add_user"),
    path(account + "people/<int:member_id>/remove/", views_business.business_account_remove_user,
         name="business_account_remove_user"),
    path(account + "prices/", views_b2b_manage.account_prices, name="b2b_account_prices"),
    path(account + "prices/<int:contract_price_id>/end/", views_b2b_manage.contract_price_stop,
         name="b2b_contract_price_end"),
]
