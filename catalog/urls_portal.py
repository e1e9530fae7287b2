"""The producer portal, included at /<coop_slug>/producer/ (see catalog/portal/)."""

from django.urls import path

from catalog.portal import views_home, views_products, views_transfer

producer = "producers/<int:producer_id>/"
product = producer + "products/<int:product_id>/"

urlpatterns = [
    path("", views_home.portal_home, name="portal_home"),
    path("producers/", views_home.producer_list, name="portal_producer_list"),
    path(producer + "profile/", views_home.producer_profile, name="portal_profile"),
    path(producer + "products/", views_products.product_list, name="portal_product_list"),
    path(producer + "products/new/", views_products.product_edit, name="portal_product_create"),
    path(product, views_products.product_edit, name="portal_product_edit"),
    path(product + "deactivate/", views_products.product_deactivate, name="portal_product_deactivate"),
    path(product + "activate/", views_products.product_activate, name="portal_product_activate"),
    path(product + "prices/", views_products.product_prices, name="portal_product_prices"),
    path(producer + "products/export.csv", views_transfer.export_csv, name="portal_export_csv"),
    path(producer + "products/export.xlsx", views_transfer.export_xlsx, name="portal_export_xlsx"),
    path(producer + "products/import/", views_transfer.import_upload, name="portal_import"),
    path(producer + "products/import/preview/", views_transfer.import_preview, name="portal_import_preview"),
]
