"""Economics API under /api/v1/<coop_slug>/ (managers only): cost entries (CRUD), the dashboard's figures per
month with the cost shares, and the CSV exports (12 months of figures, cost shares, sales and purchase journals).
Thin: the services compute; every write goes through invoicing.services.costs."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from coop.api import CoopAPIMixin
from invoicing.models_costs import AllocationKey, CostCategory, CostEntry
from members.models import MANAGER_ROLES

from .downloads import csv_response, month_export_response
from .services import accounting_export, costs
from .services.allocation import month_allocation
from .services.economics import economics_months, month_from, parse_month

MONTH_PARAMETER = OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM (default: this month)")
PERIOD_PARAMETERS = [
    OpenApiParameter("period", OpenApiTypes.STR, description="YYYY-MM or YYYY-Q1..Q4 (default: last month)"),
    OpenApiParameter("start", OpenApiTypes.DATE, description="with `end`, instead of `period`"),
    OpenApiParameter("end", OpenApiTypes.DATE),
]
CSV_RESPONSE = {(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY)}


def _month(request):
    try:
        return month_from(request.query_params.get("month"), today=timezone.localdate())
    except ValueError as exc:
        raise ValidationError({"detail": str(exc)}) from exc


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-03"})
class MonthField(serializers.Field):
    default_error_messages = {"invalid": "Give the month as YYYY-MM."}

    def to_representation(self, value):
        return f"{value:%Y-%m}"

    def to_internal_value(self, data):
        month = parse_month(str(data))
        if month is None:
            self.fail("invalid")
        return month


class CostEntrySerializer(serializers.ModelSerializer):
    month = MonthField(help_text="YYYY-MM")
    category = serializers.ChoiceField(choices=CostCategory.choices)
    allocation_key = serializers.ChoiceField(choices=AllocationKey.choices, required=False, allow_blank=True,
                                             help_text="Empty: the category's usual key.")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True,
                                      help_text="Excl. VAT. For per-unit categories it is quantity x unit_cost "
                                                "and need not be given.")

    class Meta:
        model = CostEntry
        fields = ["id", "month", "category", "description", "quantity", "unit_cost", "amount",
                  "quantity_from_planning", "vehicle", "allocation_key", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        # the service checks everything across fields, with one message per field
        extra_kwargs = {"quantity": {"min_value": None}, "unit_cost": {"min_value": None}}


def _service(call):
    try:
        return call()
    except DjangoValidationError as exc:
        raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}) \
            from exc


class CostEntryViewSet(CoopAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                       mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The coop's monthly costs (managers). `?month=YYYY-MM` lists one month."""

    serializer_class = CostEntrySerializer
    required_roles = MANAGER_ROLES
    lookup_url_kwarg = "cost_entry_id"
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CostEntry.objects.none()
        entries = CostEntry.objects.select_related("vehicle").order_by("month", "category", "pk")
        if "month" in self.request.query_params:
            entries = entries.filter(month=_month(self.request))
        return entries

    @extend_schema(parameters=[MONTH_PARAMETER])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = _service(lambda: costs.cost_entry_create(
            coop=self.request._request.coop, created_by=self.request.user, **data))

    def perform_update(self, serializer):
        data = serializer.validated_data
        serializer.instance = _service(lambda: costs.cost_entry_update(entry_id=serializer.instance.pk, **data))

    def perform_destroy(self, instance):
        _service(lambda: costs.cost_entry_delete(entry_id=instance.pk))


class MonthFiguresSerializer(serializers.Serializer):
    month = MonthField()
    orders = serializers.IntegerField()
    turnover = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Excl. VAT, delivered orders.")
    purchase = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="At producer prices.")
    margin = serializers.DecimalField(max_digits=14, decimal_places=2)
    margin_percent = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    costs = serializers.DecimalField(max_digits=14, decimal_places=2)
    result = serializers.DecimalField(max_digits=14, decimal_places=2)
    break_even_turnover = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True,
        help_text="costs / margin rate; null when the margin is not positive.")
    cost_per_order = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)


class KeyShareSerializer(serializers.Serializer):
    key = serializers.CharField()
    vehicle_id = serializers.IntegerField(allow_null=True)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    used_key = serializers.CharField(allow_null=True, help_text="The key actually used (a fallback when the "
                                                                "chosen one had nothing to go by).")


class GroupShareSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="consumers, price_group:<id> or business:<kind>")
    label = serializers.CharField()
    orders = serializers.IntegerField()
    turnover = serializers.DecimalField(max_digits=14, decimal_places=2)
    margin = serializers.DecimalField(max_digits=14, decimal_places=2)
    cost = serializers.DecimalField(max_digits=14, decimal_places=2)
    cost_per_order = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    cost_percent = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True)


class ProducerShareSerializer(serializers.Serializer):
    producer_id = serializers.IntegerField()
    name = serializers.CharField()
    kg = serializers.DecimalField(max_digits=14, decimal_places=3)
    purchase = serializers.DecimalField(max_digits=14, decimal_places=2)
    cost = serializers.DecimalField(max_digits=14, decimal_places=2)
    cost_percent = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True)


class OrderShareSerializer(serializers.Serializer):
    order_id = serializers.IntegerField(source="figures.order_id")
    number = serializers.CharField(source="figures.number")
    group = serializers.CharField(source="figures.group")
    turnover = serializers.DecimalField(max_digits=14, decimal_places=2, source="figures.turnover")
    kg = serializers.DecimalField(max_digits=14, decimal_places=3, source="figures.kg")
    crates = serializers.IntegerField(source="figures.crates")
    km = serializers.DecimalField(max_digits=14, decimal_places=2)
    cost = serializers.DecimalField(max_digits=14, decimal_places=2)


class CostSharesSerializer(serializers.Serializer):
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    allocated = serializers.DecimalField(max_digits=14, decimal_places=2)
    unallocated = serializers.DecimalField(max_digits=14, decimal_places=2)
    cost_per_order = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    without_producer = serializers.DecimalField(max_digits=14, decimal_places=2)
    keys = KeyShareSerializer(many=True)
    groups = GroupShareSerializer(many=True)
    producers = ProducerShareSerializer(many=True)
    orders = OrderShareSerializer(many=True)


class EconomicsSerializer(serializers.Serializer):
    month = MonthFiguresSerializer()
    history = MonthFiguresSerializer(many=True, help_text="The 12 months up to `month`, oldest first.")
    allocation = CostSharesSerializer()


class EconomicsAPI(CoopAPIMixin, APIView):
    """The dashboard per month: turnover, margin, costs, result, break-even, and who carries the costs."""

    required_roles = MANAGER_ROLES

    @extend_schema(parameters=[MONTH_PARAMETER], responses={200: EconomicsSerializer})
    def get(self, request, coop_slug):
        month = _month(request)
        history = economics_months(last=month, count=12)
        data = {"month": history[-1], "history": history, "allocation": month_allocation(month=month)}
        return Response(EconomicsSerializer(data).data)


class MonthExportAPI(CoopAPIMixin, APIView):
    required_roles = MANAGER_ROLES
    export = "economics"

    @extend_schema(parameters=[MONTH_PARAMETER], responses=CSV_RESPONSE)
    def get(self, request, coop_slug):
        return month_export_response(self.export, month=_month(request), coop_slug=coop_slug)


class EconomicsExportAPI(MonthExportAPI):
    """The 12 months up to `month` as CSV (`;`-separated, UTF-8)."""

    export = "economics"


class CostSharesExportAPI(MonthExportAPI):
    """The month's cost shares per order, customer group and producer as CSV."""

    export = "cost-shares"


def _period(request):
    try:
        return accounting_export.period_from(request.query_params, today=timezone.localdate())
    except accounting_export.PeriodError as exc:
        raise ValidationError({"detail": str(exc)}) from exc


class JournalExportAPI(CoopAPIMixin, APIView):
    """A journal for the accountant as CSV: one row per document per VAT rate, with the VAT return grids."""

    required_roles = MANAGER_ROLES
    journal = accounting_export.SALES

    @extend_schema(parameters=PERIOD_PARAMETERS, responses=CSV_RESPONSE)
    def get(self, request, coop_slug):
        start, end = _period(request)
        text = accounting_export.journal_csv(journal=self.journal, start=start, end=end)
        return csv_response(text, f"{self.journal}-{coop_slug}-{start:%Y%m%d}-{end:%Y%m%d}.csv")


class SalesJournalAPI(JournalExportAPI):
    """The sales journal (invoices and their credit notes) as CSV."""

    journal = accounting_export.SALES


class PurchaseJournalAPI(JournalExportAPI):
    """The purchase journal (self-billing invoices, purchase slips, settlement statements, their credit notes)
    as CSV."""

    journal = accounting_export.PURCHASES


class JournalCheckSerializer(serializers.Serializer):
    journal = serializers.CharField()
    documents = serializers.IntegerField()
    rows = serializers.IntegerField()
    base = serializers.DecimalField(max_digits=14, decimal_places=2)
    vat = serializers.DecimalField(max_digits=14, decimal_places=2)
    rounding = serializers.DecimalField(max_digits=14, decimal_places=2)
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    ok = serializers.BooleanField(help_text="The rows add up to the documents' own totals.")
    grids = serializers.DictField(child=serializers.DecimalField(max_digits=14, decimal_places=2),
                                  help_text="VAT return grid -> amount to enter.")


class AccountingSummaryAPI(CoopAPIMixin, APIView):
    """Both journals of a period at a glance: sums, the totals check and the VAT return grids."""

    required_roles = MANAGER_ROLES

    @extend_schema(parameters=PERIOD_PARAMETERS, responses={200: JournalCheckSerializer(many=True)})
    def get(self, request, coop_slug):
        start, end = _period(request)
        rows = []
        for journal in accounting_export.JOURNALS:
            documents = accounting_export.journal_documents(journal=journal, start=start, end=end)
            check = accounting_export.journal_check(journal=journal, start=start, end=end, documents=documents)
            rows.append({"journal": journal, "documents": check.documents, "rows": check.rows, "base": check.base,
                         "vat": check.vat, "rounding": check.rounding, "total": check.total, "ok": check.ok,
                         "grids": accounting_export.grid_totals(documents)})
        return Response(JournalCheckSerializer(rows, many=True).data, status=status.HTTP_200_OK)
