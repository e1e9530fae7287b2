"""Platform superusers' view of invoices: drafts may be edited or deleted, issued invoices only read."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from invoicing.models import Invoice, InvoiceLine, InvoiceSeries, InvoiceVatBreakdown, PeppolDelivery


class _ReadOnlyWhenIssued:
    def _issued(self, obj) -> bool:
        invoice = getattr(obj, "invoice", obj)
        return invoice is not None and invoice.status == Invoice.Status.ISSUED

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._issued(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._issued(obj)


class InvoiceLineInline(_ReadOnlyWhenIssued, admin.TabularInline):
    model = InvoiceLine
    extra = 0
    fields = ["position", "kind", "description", "quantity", "unit", "unit_price", "line_net", "vat_category",
              "vat_percent"]


class VatBreakdownInline(_ReadOnlyWhenIssued, admin.TabularInline):
    model = InvoiceVatBreakdown
    extra = 0


@admin.register(Invoice)
class InvoiceAdmin(_ReadOnlyWhenIssued, admin.ModelAdmin):
    list_display = ["__str__", "coop", "kind", "status", "issue_date", "payable_amount"]
    list_filter = ["coop", "kind", "status"]
    search_fields = ["number", "buyer__name"]
    inlines = [InvoiceLineInline, VatBreakdownInline]
    raw_id_fields = ["customer", "business_account", "producer", "credited_invoice", "created_by"]

    def delete_queryset(self, request, queryset):
        """The bulk "delete selected" action: drafts only; issued invoices stay (corrections are credit notes)."""
        issued = queryset.filter(status=Invoice.Status.ISSUED)
        if issued.exists():
            self.message_user(request, _("Issued invoices cannot be deleted; nothing was deleted."), messages.ERROR)
            return
        super().delete_queryset(request, queryset)


@admin.register(InvoiceSeries)
class InvoiceSeriesAdmin(admin.ModelAdmin):
    list_display = ["coop", "code", "year", "last_number"]
    list_filter = ["coop", "year"]

    def has_add_permission(self, request):
        return False  # counters are created by invoice_issue; one made by hand could start with a gap

    def has_change_permission(self, request, obj=None):
        return False  # changing a counter by hand would break gapless numbering

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PeppolDelivery)
class PeppolDeliveryAdmin(admin.ModelAdmin):
    list_display = ["invoice", "coop", "transport", "status", "attempts", "updated_at"]
    list_filter = ["coop", "status", "transport"]
    readonly_fields = ["invoice", "xml", "attempts", "claimed_at", "sent_at"]


from invoicing.settlements import admin as settlement_admin  # noqa: E402, F401  (registers them)
