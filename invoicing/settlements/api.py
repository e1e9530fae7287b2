"""Settlements API under /api/v1/<coop_slug>/: settlements (read-only; a producer sees only their own, managers
all) with their PDF, and the managers' SEPA payment files (pain.001) per period."""

from django.http import FileResponse, HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.response import Response

from coop.api import CoopAPIMixin
from members.models import MANAGER_ROLES, Role

from . import documents, selectors
from .models import Settlement, SettlementLine, SettlementPaymentBatch
from .payments import payment_batch_for_period
from .policy import period_from_key


class SettlementLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = SettlementLine
        fields = ["id", "position", "kind", "delivery_date", "description", "quantity", "unit", "unit_price",
                  "line_net", "vat_percent", "compensation_percent"]
        read_only_fields = fields


class SettlementSerializer(serializers.ModelSerializer):
    producer = serializers.CharField(source="producer.farm_name", read_only=True)
    legal_number = serializers.CharField(read_only=True, help_text="Number of the self-billing invoice or purchase "
                                                                   "slip; the settlement's own for a statement.")
    corrects = serializers.CharField(source="corrects.number", default=None, read_only=True)
    lines = SettlementLineSerializer(many=True, read_only=True)
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Settlement
        fields = ["id", "number", "legal_number", "kind", "corrects", "producer", "period_key", "period_start",
                  "period_end", "document", "statement_reason", "vat_status", "language", "issue_date",
                  "contest_until", "fee_percent", "fee_per_unit", "goods_net", "fees", "net", "vat", "compensation",
                  "total", "crates", "lines", "pdf_url"]
        read_only_fields = fields

    def get_pdf_url(self, settlement) -> str:
        request = self.context["request"]
        return request.build_absolute_uri(reverse("api_settlement-pdf", kwargs={
            "coop_slug": request._request.coop.slug, "settlement_id": settlement.pk}))


class SettlementViewSet(CoopAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Producer settlements: a producer sees their own, fixers and admins every one. Filter with `?period=2026-10`."""

    serializer_class = SettlementSerializer
    required_roles = (Role.PRODUCER, *MANAGER_ROLES)
    lookup_url_kwarg = "settlement_id"
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Settlement.objects.none()
        settlements = selectors.settlements_visible_to(self.request._request.membership)
        period = self.request.query_params.get("period", "")
        if period:
            settlements = settlements.filter(period_key=period)
        return settlements.prefetch_related("lines").order_by("-issue_date", "-pk")

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)})
    @action(detail=True, methods=["get"])
    def pdf(self, request, **kwargs):
        settlement = self.get_object()
        document = documents.settlement_render_pdf(settlement_id=settlement.pk)
        return FileResponse(document.file.open("rb"), content_type="application/pdf",
                            filename=f"{settlement.legal_number}.pdf")


class PaymentBatchSerializer(serializers.ModelSerializer):
    period = serializers.CharField(write_only=True, help_text="2026-10, or cycle-<id> when settling per cycle.")
    execution_date = serializers.DateField(required=False)
    xml_url = serializers.SerializerMethodField()

    class Meta:
        model = SettlementPaymentBatch
        fields = ["id", "period", "period_key", "message_id", "schema", "execution_date", "transactions", "total",
                  "created_at", "xml_url"]
        read_only_fields = ["id", "period_key", "message_id", "schema", "transactions", "total", "created_at",
                            "xml_url"]

    def get_xml_url(self, batch) -> str:
        request = self.context["request"]
        return request.build_absolute_uri(reverse("api_settlement_payment-pain001", kwargs={
            "coop_slug": request._request.coop.slug, "settlement_payment_batch_id": batch.pk}))


class PaymentBatchViewSet(CoopAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                          viewsets.GenericViewSet):
    """SEPA credit transfer files paying the producers of a period (managers). POST {period} makes a file for what
    is still unpaid (or returns the latest one when nothing is); `pain001` downloads it."""

    serializer_class = PaymentBatchSerializer
    required_roles = MANAGER_ROLES
    lookup_url_kwarg = "settlement_payment_batch_id"
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return SettlementPaymentBatch.objects.order_by("-created_at", "-pk")

    def create(self, request, *args, **kwargs):
        from django.core.exceptions import ValidationError

        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            period = period_from_key(serializer.validated_data["period"])
            existing = set(SettlementPaymentBatch.objects.filter(period_key=period.key).values_list("pk", flat=True))
            batch = payment_batch_for_period(coop=request._request.coop, period=period,
                                             execution_date=serializer.validated_data.get("execution_date"),
                                             created_by=request.user)
        except ValidationError as exc:
            raise APIValidationError({"detail": " ".join(exc.messages)}) from exc
        created = batch.pk not in existing  # nothing new to pay: the period's latest file, unchanged
        return Response(self.get_serializer(batch).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(responses={(200, "application/xml"): OpenApiResponse(OpenApiTypes.BINARY)})
    @action(detail=True, methods=["get"])
    def pain001(self, request, **kwargs):
        batch = self.get_object()
        return HttpResponse(batch.xml.encode("utf-8"), content_type="application/xml")
