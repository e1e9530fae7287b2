"""Invoice pages, included under /<coop_slug>/invoices/."""

from django.urls import include, path

from invoicing import views

urlpatterns = [
    path("", views.invoice_list, name="invoice_list"),
    path("mine/", views.my_invoices, name="my_invoices"),
    path("<int:invoice_id>/", views.invoice_detail, name="invoice_detail"),
    path("<int:invoice_id>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("<int:invoice_id>/ubl/", views.invoice_ubl_download, name="invoice_ubl"),
    path("<int:invoice_id>/issue/", views.invoice_issue_view, name="invoice_issue"),
    path("<int:invoice_id>/delete/", views.invoice_delete_view, name="invoice_delete"),
    path("<int:invoice_id>/credit/", views.invoice_credit_view, name="invoice_credit"),
    path("<int:invoice_id>/peppol/", views.invoice_peppol_send_view, name="invoice_peppol_send"),
    path("", include("invoicing.urls_billing")),
]
