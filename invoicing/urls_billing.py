"""Billing pages, included by invoicing/urls.py under /<coop_slug>/invoices/."""

from django.urls import path

from invoicing import views_billing as views

urlpatterns = [
    path("billing/", views.billing_home, name="invoice_billing"),
    path("billing/settings/", views.billing_settings_save, name="invoice_billing_settings"),
    path("payments/", views.payments_home, name="invoice_payments"),
    path("payments/<int:transaction_id>/", views.transaction_detail, name="invoice_transaction"),
    path("payments/<int:transaction_id>/ignore/", views.transaction_ignore, name="invoice_transaction_ignore"),
    path("reminders/", views.reminders_list, name="invoice_reminders"),
    path("<int:invoice_id>/payment/", views.invoice_payment_record, name="invoice_payment_record"),
    path("request/<int:order_id>/", views.invoice_request, name="invoice_request"),
]
