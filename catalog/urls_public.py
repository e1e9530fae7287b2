"""Public catalogue pages under /<coop_slug>/ (names start with catalog_)."""

from django.urls import path

from . import views_public

urlpatterns = [
    path("products/", views_public.product_list, name="catalog_product_list"),
    path("products/<int:product_id>/", views_public.product_detail, name="catalog_product_detail"),
    path("producers/", views_public.producer_list, name="catalog_producer_list"),
    path("producers/<int:producer_id>/", views_public.producer_detail, name="catalog_producer_detail"),
]
