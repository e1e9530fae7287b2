"""Settlement pages, included under /<coop_slug>/settlements/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.settlement_period, name="settlement_period"),
    path("issue/", views.settlement_issue_period_view, name="settlement_issue_period"),
    path("pay/", views.settlement_pay_view, name="settlement_pay"),
    path("payments/<int:settlement_payment_batch_id>/pain001.xml", views.payment_batch_download,
         name="settlement_payment_download"),
    path("terms/", views.settlement_terms, name="settlement_terms"),
    path("terms/<int:producer_id>/", views.producer_terms, name="settlement_producer_terms"),
    path("mine/", views.my_settlements, name="my_settlements"),
    path("contests/", views.contest_list, name="settlement_contest_list"),
    path("contests/<int:settlement_contest_id>/resolve/", views.contest_resolve, name="settlement_contest_resolve"),
    path("<int:settlement_id>/", views.settlement_detail, name="settlement_detail"),
    path("<int:settlement_id>/pdf/", views.settlement_pdf, name="settlement_pdf"),
    path("<int:settlement_id>/contest/", views.settlement_contest, name="settlement_contest"),
]
