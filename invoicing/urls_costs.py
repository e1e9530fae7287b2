"""The coop's economics pages, included under /<coop_slug>/economics/ (managers only)."""

from django.urls import path

from invoicing import views_costs as views

urlpatterns = [
    path("", views.economics_dashboard, name="economics_dashboard"),
    path("export.csv", views.economics_export, name="economics_export"),
    path("cost-shares.csv", views.allocation_export, name="economics_allocation_export"),
    path("costs/", views.costs_month, name="economics_costs"),
    path("costs/planning/", views.costs_refresh_planning, name="economics_costs_refresh"),
    path("costs/<int:cost_entry_id>/", views.cost_entry_edit, name="economics_cost_edit"),
    path("costs/<int:cost_entry_id>/delete/", views.cost_entry_delete, name="economics_cost_delete"),
    path("accounting/", views.accounting_home, name="economics_accounting"),
    path("accounting/sales.csv", views.sales_journal, name="economics_sales_journal"),
    path("accounting/purchases.csv", views.purchase_journal, name="economics_purchases_journal"),
]
