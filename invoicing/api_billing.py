"""Payments API under /api/v1/<coop_slug>/payments/ (managers): upload a bank statement (CAMT.053 or CODA) and
get what was matched; list the stored bank entries, e.g. those still to match (?status=unmatched). The one
statement import of the platform: invoices and webshop orders alike."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from coop.api import CoopAPIMixin
from coop.bank import StatementError, parse_statement
from invoicing.models import BankTransaction
from invoicing.services.matching import statement_import
from members.models import MANAGER_ROLES

MAX_BYTES = 10 * 1024 * 1024


class AllocationSerializer(serializers.Serializer):
    invoice = serializers.CharField(source="invoice.number")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)


class OrderPaymentSerializer(serializers.Serializer):
    order = serializers.CharField(source="order.number")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    invoice = serializers.CharField(source="invoice.number", allow_null=True,
                                    help_text="Set when the money went to the order's invoice (this is its share).")


class BankTransactionSerializer(serializers.ModelSerializer):
    allocations = AllocationSerializer(many=True, read_only=True)
    order_payments = OrderPaymentSerializer(many=True, read_only=True)

    class Meta:
        model = BankTransaction
        fields = ["id", "source", "bank_reference", "booking_date", "amount", "counterparty_name",
                  "counterparty_iban", "structured", "free_text", "status", "note", "allocations", "order_payments"]
        read_only_fields = fields


class StatementUploadSerializer(serializers.Serializer):
    statement = serializers.FileField(help_text="A CAMT.053 (XML) or CODA statement, at most 10 MB.")


class BankTransactionViewSet(CoopAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                             viewsets.GenericViewSet):
    """Incoming bank entries and the invoices they were matched to."""

    serializer_class = BankTransactionSerializer
    required_roles = tuple(MANAGER_ROLES)
    lookup_url_kwarg = "transaction_id"
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return BankTransaction.objects.none()
        transactions = (BankTransaction.objects.prefetch_related("allocations__invoice", "order_payments__order",
                                                                 "order_payments__invoice")
                        .order_by("-booking_date", "-pk"))
        wanted = self.request.query_params.get("status", "")
        return transactions.filter(status=wanted) if wanted in BankTransaction.Status.values else transactions


class PaymentImportAPI(CoopAPIMixin, APIView):
    """Import a statement: incoming credits are stored once and matched to invoices (OGM, several OGMs, IBAN and
    amount) or webshop orders; the answer lists what was matched and what was not. Importing again adds nothing."""

    required_roles = tuple(MANAGER_ROLES)
    parser_classes = [MultiPartParser]

    @extend_schema(request={"multipart/form-data": StatementUploadSerializer},
                   responses={200: inline_serializer("PaymentImportReport", {
                       "format": serializers.CharField(), "matched": serializers.ListField(),
                       "orders": serializers.ListField(), "unmatched": serializers.ListField(),
                       "already_imported": serializers.IntegerField(),
                       "debits_skipped": serializers.IntegerField()})})
    def post(self, request, coop_slug):
        upload = StatementUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["statement"]
        if file.size > MAX_BYTES:
            return Response({"detail": _("The file is larger than 10 MB.")}, status=status.HTTP_400_BAD_REQUEST)
        try:
            source, entries = parse_statement(file.read())
        except StatementError as exc:
            message = _("This file cannot be read: %(reason)s.") % {"reason": exc}
            return Response({"detail": message}, status=status.HTTP_400_BAD_REQUEST)
        report = statement_import(entries=entries, source=source, user=request.user, coop=request._request.coop)
        return Response({"format": source, **report.as_dict()})
