"""Invoices API under /api/v1/<coop_slug>/invoices/: read-only (issued invoices never change; corrections are
credit notes). Managers see every invoice, business users their account's, others their own. PDF and UBL are
sub-resources of an invoice."""

from django.http import FileResponse, Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action

from coop.api import CoopAPIMixin
from invoicing import selectors
from invoicing.models import Invoice, InvoiceLine, InvoiceVatBreakdown
from invoicing.peppol.ubl import NotPeppolReady, invoice_ubl, peppol_ready
from invoicing.selectors_billing import payment_status, with_payment_state
from invoicing.services.documents import invoice_pdf_bytes, invoice_render_pdf


class InvoiceLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = ["position", "kind", "description", "line_note", "quantity", "unit", "unit_code", "unit_price",
                  "line_net", "vat_category", "vat_percent", "exemption_reason"]
        read_only_fields = fields


class VatBreakdownSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceVatBreakdown
        fields = ["category", "percent", "taxable_amount", "vat_amount", "exemption_reason"]
        read_only_fields = fields


class InvoiceSerializer(serializers.ModelSerializer):
    credited_invoice = serializers.CharField(source="credited_invoice.number", default=None, read_only=True,
                                             help_text="For a credit note: the number of the invoice it corrects.")
    buyer_name = serializers.CharField(source="buyer.name", default="", read_only=True)
    lines = InvoiceLineSerializer(many=True, read_only=True)
    vat_breakdown = VatBreakdownSerializer(many=True, read_only=True)
    pdf_url = serializers.SerializerMethodField()
    ubl_url = serializers.SerializerMethodField(help_text="Peppol UBL 2.1 XML; null for consumer invoices.")
    payment_status = serializers.SerializerMethodField(
        help_text="unpaid, partly_paid or paid; null for drafts and credit notes.")
    paid_amount = serializers.DecimalField(source="paid_total", max_digits=12, decimal_places=2, read_only=True,
                                           help_text="Payments received and matched to this invoice.")
    open_amount = serializers.SerializerMethodField(
        help_text="Amount due minus payments and issued credit notes; null for drafts and credit notes.")

    class Meta:
        model = Invoice
        fields = ["id", "number", "kind", "status", "issue_date", "due_date", "supply_from", "supply_until",
                  "currency", "language", "buyer_name", "buyer_reference", "order_reference", "payment_reference",
                  "credited_invoice", "total_net", "total_vat", "total_gross", "prepaid_amount", "rounding_amount",
                  "payable_amount", "payment_status", "paid_amount", "open_amount", "lines", "vat_breakdown",
                  "pdf_url", "ubl_url"]
        read_only_fields = fields

    def _url(self, name: str, invoice) -> str:
        request = self.context["request"]
        return request.build_absolute_uri(reverse(name, kwargs={"coop_slug": request._request.coop.slug,
                                                                "invoice_id": invoice.pk}))

    def get_pdf_url(self, invoice) -> str:
        return self._url("api_invoice-pdf", invoice)

    def get_ubl_url(self, invoice) -> str | None:
        return self._url("api_invoice-ubl", invoice) if peppol_ready(invoice) else None

    def get_payment_status(self, invoice) -> str | None:
        return payment_status(invoice)

    @extend_schema_field(OpenApiTypes.DECIMAL)
    def get_open_amount(self, invoice) -> str | None:
        return None if payment_status(invoice) is None else f"{invoice.open_amount:.2f}"


class InvoiceViewSet(CoopAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Invoices and credit notes you may see. Read-only: issued invoices cannot change."""

    serializer_class = InvoiceSerializer
    lookup_url_kwarg = "invoice_id"
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Invoice.objects.none()
        invoices = selectors.invoices_visible_to(self.request._request.membership)
        kind = self.request.query_params.get("kind", "")
        if kind in Invoice.Kind.values:
            invoices = invoices.filter(kind=kind)
        return with_payment_state(invoices).prefetch_related("lines", "vat_breakdown").order_by("-created_at", "-pk")

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)})
    @action(detail=True, methods=["get"])
    def pdf(self, request, **kwargs):
        invoice = self.get_object()
        if not invoice.is_issued:
            return HttpResponse(invoice_pdf_bytes(invoice), content_type="application/pdf")
        document = invoice_render_pdf(invoice_id=invoice.pk)
        return FileResponse(document.file.open("rb"), content_type="application/pdf",
                            filename=f"{invoice.number}.pdf")

    @extend_schema(responses={(200, "application/xml"): OpenApiResponse(OpenApiTypes.BINARY)})
    @action(detail=True, methods=["get"])
    def ubl(self, request, **kwargs):
        invoice = self.get_object()
        try:
            xml = invoice_ubl(invoice)
        except NotPeppolReady as exc:
            raise Http404(_("This invoice has no Peppol document.")) from exc
        return HttpResponse(xml, content_type="application/xml")
