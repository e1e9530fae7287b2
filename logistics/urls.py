"""Hub and producer pages of the cut-off, included at /<coop_slug>/hub/."""

from django.urls import path

from .views import crates, cycle, documents, impact, planning, planning_edits, producer, stop_proof, weights

cycle_prefix = "cycles/<int:cycle_id>/"
plan_prefix = "plans/<int:planning_run_id>/"

urlpatterns = [
    path("", cycle.hub_home, name="hub_home"),
    path(cycle_prefix, cycle.cycle_dashboard, name="hub_cycle"),
    path(cycle_prefix + "close/", cycle.cycle_close_start, name="hub_cycle_close"),
    path(cycle_prefix + "documents/", cycle.cycle_documents, name="hub_cycle_documents"),
    path(cycle_prefix + "documents/retry/", documents.cycle_documents_retry, name="hub_cycle_documents_retry"),
    path(cycle_prefix + "weights/", weights.weights, name="hub_weights"),
    path(cycle_prefix + "weights/lines/<int:order_line_id>/", weights.line_weight_save, name="hub_line_weight"),
    path(cycle_prefix + "weights/products/<int:product_id>/shortage/", weights.product_shortage,
         name="hub_product_shortage"),
    path(cycle_prefix + "plans/", planning.cycle_runs, name="planning_cycle"),
    path(cycle_prefix + "plans/start/", planning.run_start, name="planning_run_start"),
    path(plan_prefix, planning.run_detail, name="planning_run"),
    path(plan_prefix + "progress/", planning.run_progress, name="planning_run_progress"),
    path(plan_prefix + "check/", planning.run_check, name="planning_run_check"),
    path(plan_prefix + "live/", planning.run_live, name="planning_run_live"),
    path(plan_prefix + "reoptimise/", planning_edits.run_reoptimise, name="planning_run_reoptimise"),
    path(plan_prefix + "publish/", planning_edits.run_publish, name="planning_run_publish"),
    path("plans/stops/<int:stop_id>/move/", planning_edits.stop_move, name="planning_stop_move"),
    path("plans/stops/<int:stop_id>/pin/", planning_edits.stop_pin, name="planning_stop_pin"),
    path("plans/routes/<int:route_id>/pin/", planning_edits.route_pin, name="planning_route_pin"),
    path("plans/stops/<int:stop_id>/", stop_proof.stop_detail, name="planning_stop_detail"),
    path("plans/events/<int:stop_event_id>/signature/", stop_proof.stop_event_file, {"field": "signature"},
         name="planning_stop_event_signature"),
    path("plans/events/<int:stop_event_id>/photo/", stop_proof.stop_event_file, {"field": "photo"},
         name="planning_stop_event_photo"),
    path("documents/<int:document_id>/", cycle.document_download, name="hub_document_download"),
    path("documents/<int:document_id>/retry/", documents.document_retry, name="hub_document_retry"),
    path("crates/", crates.crates, name="hub_crates"),
    path("impact/", impact.impact_dashboard, name="hub_impact"),
    path("purchase-orders/", producer.purchase_order_list, name="hub_purchase_order_list"),
    path("purchase-orders/<int:purchase_order_id>/", producer.purchase_order_detail,
         name="hub_purchase_order_detail"),
]
