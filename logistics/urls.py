"""Hub and producer pages of the cut-off, included at /<coop_slug>/hub/."""

from django.urls import path

from .views import crates, cycle, producer, weights

cycle_prefix = "cycles/<int:cycle_id>/"

urlpatterns = [
    path("", cycle.hub_home, name="hub_home"),
    path(cycle_prefix, cycle.cycle_dashboard, name="hub_cycle"),
    path(cycle_prefix + "close/", cycle.cycle_close_start, name="hub_cycle_close"),
    path(cycle_prefix + "documents/", cycle.cycle_documents, name="hub_cycle_documents"),
    path(cycle_prefix + "weights/", weights.weights, name="hub_weights"),
    path(cycle_prefix + "weights/lines/<int:order_line_id>/", weights.line_weight_save, name="hub_line_weight"),
    path(cycle_prefix + "weights/products/<int:product_id>/shortage/", weights.product_shortage,
         name="hub_product_shortage"),
    path("documents/<int:document_id>/", cycle.document_download, name="hub_document_download"),
    path("crates/", crates.crates, name="hub_crates"),
    path("purchase-orders/", producer.purchase_order_list, name="hub_purchase_order_list"),
    path("purchase-orders/<int:purchase_order_id>/", producer.purchase_order_detail,
         name="hub_purchase_order_detail"),
]
