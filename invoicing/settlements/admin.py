"""Platform superusers' view of settlements: policies and producer terms may be edited, settlements only read."""

from django.contrib import admin

from .models import ProducerSettlementTerms, Settlement, SettlementLine, SettlementPolicy


@admin.register(SettlementPolicy)
class SettlementPolicyAdmin(admin.ModelAdmin):
    list_display = ["coop", "period", "fee_percent", "fee_per_unit", "contest_days", "payment_days"]


@admin.register(ProducerSettlementTerms)
class ProducerSettlementTermsAdmin(admin.ModelAdmin):
    list_display = ["producer", "coop", "self_billing_agreed_on", "fee_percent", "fee_per_unit"]
    list_filter = ["coop"]
    raw_id_fields = ["producer"]


class SettlementLineInline(admin.TabularInline):
    model = SettlementLine
    extra = 0
    can_delete = False
    fields = ["position", "kind", "delivery_date", "description", "quantity", "unit", "unit_price", "line_net",
              "vat_percent", "compensation_percent"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Settlement)
class SettlementAdmin(admin.ModelAdmin):
    list_display = ["number", "coop", "producer", "period_key", "document", "total"]
    list_filter = ["coop", "document", "kind"]
    search_fields = ["number", "producer__farm_name"]
    inlines = [SettlementLineInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
