"""The webshop under /<coop_slug>/: shop front, cart, checkout and a customer's orders (names start with shop_)."""

from django.urls import path

from orders.shop import checkout, orders, views

urlpatterns = [
    path("shop/", views.shop, name="shop_home"),
    path("shop/cart/", views.cart_page, name="shop_cart"),
    path("shop/cart/add/", views.cart_add, name="shop_cart_add"),
    path("shop/cart/update/", views.cart_update, name="shop_cart_update"),
    path("shop/cart/remove/", views.cart_remove, name="shop_cart_remove"),
    path("shop/checkout/", checkout.checkout, name="shop_checkout"),
    path("orders/", orders.order_list, name="shop_order_list"),
    path("orders/<int:order_id>/", orders.order_detail, name="shop_order_detail"),
    path("orders/<int:order_id>/change/", orders.order_change, name="shop_order_change"),
    path("orders/<int:order_id>/cancel/", orders.order_cancel_view, name="shop_order_cancel"),
]
