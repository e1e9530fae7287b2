"""Hub API under /api/v1/<coop_slug>/: close a cycle, purchase orders, packing data and documents,
weights and shortages, crate movements (issue: cut-off and hub operations)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from coop.api import CoopAPIMixin
from coop.services import job_launch
from members.models import MANAGER_ROLES, Membership, Producer, Role
from orders.models import OrderCycle, OrderLine

from .models import CycleDocument, DepositMovement, OrderPacking, PurchaseOrder, PurchaseOrderLine
from .services import hub
from .services.cycle_documents import documents_retry
from .tasks import close_cycle

HUB_ROLES = (*MANAGER_ROLES, Role.DRIVER)


def _django_errors(exc: DjangoValidationError) -> ValidationError:
    return ValidationError({"detail": " ".join(exc.messages)})


class JobAcceptedSerializer(serializers.Serializer):
    job = serializers.IntegerField()
    status_url = serializers.CharField()


class CycleCloseAPI(CoopAPIMixin, APIView):
    """Close a cycle now (before or after its cut-off): 202 with the Job that reports progress."""

    required_roles = MANAGER_ROLES

    @extend_schema(request=None, responses={202: JobAcceptedSerializer})
    def post(self, request, coop_slug, cycle_id):
        cycle = get_object_or_404(OrderCycle.objects.all(), pk=cycle_id)
        if cycle.status not in (OrderCycle.Status.OPEN, OrderCycle.Status.CLOSING):
            raise ValidationError({"detail": f"This cycle is {cycle.status}; only an open cycle can be closed."})
        job = job_launch(coop=request.coop, kind="cycle_close", task=close_cycle, created_by=request.user,
                         cycle_id=cycle.pk)
        url = reverse("api_job_detail", kwargs={"coop_slug": coop_slug, "job_id": job.pk})
        return Response({"job": job.pk, "status_url": url}, status=status.HTTP_202_ACCEPTED)


class PurchaseOrderLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = PurchaseOrderLine
        fields = ["id", "product", "product_name", "sell_unit", "storage", "quantity", "estimated_kg", "orders_count",
                  "producer_price", "confirmed_quantity"]


class PurchaseOrderSerializer(serializers.ModelSerializer):
    producer_name = serializers.CharField(source="producer.farm_name", read_only=True)
    lines = PurchaseOrderLineSerializer(many=True, read_only=True)

    class Meta:
        model = PurchaseOrder
        fields = ["id", "number", "cycle", "producer", "producer_name", "status", "delivery_mode", "slot_from",
                  "slot_until", "respond_before", "responded_at", "producer_note", "total_producer_amount", "lines"]


class RespondSerializer(serializers.Serializer):
    confirmed = serializers.DictField(child=serializers.DecimalField(max_digits=12, decimal_places=3), required=False,
                                      help_text="purchase order line id -> quantity the producer can bring")
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


def _own_producer(request) -> Producer | None:
    membership = request._request.membership
    return Producer.objects.filter(membership=membership).first() if membership.has_role(Role.PRODUCER) else None


class PurchaseOrderViewSet(CoopAPIMixin, viewsets.ReadOnlyModelViewSet):
    """Purchase orders: managers see all, a producer only their own. `?cycle=<id>` filters."""

    serializer_class = PurchaseOrderSerializer
    lookup_url_kwarg = "purchase_order_id"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request member
            return PurchaseOrder.objects.none()
        orders = PurchaseOrder.objects.select_related("producer").prefetch_related("lines")
        if not self.request._request.membership.has_role(*MANAGER_ROLES):
            orders = orders.filter(producer=_own_producer(self.request))
        if self.request.query_params.get("cycle", "").isdigit():
            orders = orders.filter(cycle_id=self.request.query_params["cycle"])
        return orders.order_by("cycle", "producer__farm_name")

    @extend_schema(request=RespondSerializer, responses={200: PurchaseOrderSerializer})
    @action(detail=True, methods=["post"])
    def respond(self, request, coop_slug=None, purchase_order_id=None):
        po = self.get_object()
        producer = _own_producer(request)
        if producer is None or po.producer_id != producer.pk:
            raise NotFound()
        data = RespondSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        confirmed = {int(k): v for k, v in data.validated_data.get("confirmed", {}).items()}
        try:
            po = hub.purchase_order_respond(purchase_order_id=po.pk, producer=producer, confirmed=confirmed,
                                            note=data.validated_data.get("note", ""))
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc
        return Response(PurchaseOrderSerializer(self.get_queryset().get(pk=po.pk)).data)


class DocumentSerializer(serializers.ModelSerializer):
    """status: pending (queued or being rendered), ready (download_url set) or failed (tried `attempts` times and
    no longer tried by itself); error: why the last render failed, also while a retry is still to come."""

    download_url = serializers.SerializerMethodField()

    class Meta:
        model = CycleDocument
        fields = ["id", "cycle", "kind", "subject", "title", "language", "status", "error", "attempts",
                  "generated_at", "download_url"]

    def get_download_url(self, document) -> str | None:
        if document.status != CycleDocument.Status.READY:
            return None
        return reverse("api_document_pdf", kwargs={"coop_slug": document.coop.slug, "document_id": document.pk})


class DocumentPdfAPI(CoopAPIMixin, APIView):
    """The PDF of a rendered cycle document (managers and drivers; a producer only their own purchase order)."""

    @extend_schema(responses={(200, "application/pdf"): bytes})
    def get(self, request, coop_slug, document_id):
        document = get_object_or_404(CycleDocument.objects.filter(status=CycleDocument.Status.READY), pk=document_id)
        membership = request._request.membership
        if not membership.has_role(*HUB_ROLES):
            producer = _own_producer(request)
            own = {CycleDocument.Kind.PURCHASE_ORDER, CycleDocument.Kind.GOODS_IN}
            if producer is None or document.kind not in own or document.subject != f"producer:{producer.pk}":
                raise NotFound()
        return FileResponse(document.file.open("rb"), content_type="application/pdf",
                            filename=f"{document.title}.pdf")


class DocumentRetryAPI(CoopAPIMixin, APIView):
    """Try a failed document again: its attempts start over and one render is queued (202). A document that is
    not failed (pending again after a first retry, or ready) gets a 400 and nothing is queued."""

    required_roles = MANAGER_ROLES

    @extend_schema(request=None, responses={202: DocumentSerializer})
    def post(self, request, coop_slug, document_id):
        document = get_object_or_404(CycleDocument.objects.all(), pk=document_id)
        queued = documents_retry(cycle_id=document.cycle_id, document_id=document.pk)
        document.refresh_from_db()
        if not queued:
            raise ValidationError({"detail": f"Only a failed document can be tried again; this one is "
                                             f"{document.status}."})
        return Response(DocumentSerializer(document).data, status=status.HTTP_202_ACCEPTED)


class PackingSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True)
    lines = serializers.SerializerMethodField()

    class Meta:
        model = OrderPacking
        fields = ["id", "order", "order_number", "destination_key", "destination_label", "crates_ambient",
                  "crates_chilled", "crates_frozen", "weight_kg", "lines"]

    def get_lines(self, packing) -> list[dict]:
        return [{"id": line.pk, "product": line.product_name, "quantity": str(line.quantity),
                 "unit": line.sell_unit, "storage": line.product.storage, "is_weighed": line.is_weighed,
                 "weighed_quantity": None if line.weighed_quantity is None else str(line.weighed_quantity),
                 "short_quantity": str(line.short_quantity)} for line in packing.order.lines.all()]


class CycleDocumentsAPI(CoopAPIMixin, APIView):
    """The documents of a closed cycle (PDF links once rendered) and its packing data as JSON."""

    required_roles = HUB_ROLES

    @extend_schema(responses={200: inline_serializer("CycleHubData", {
        "documents": DocumentSerializer(many=True), "packing": PackingSerializer(many=True)})})
    def get(self, request, coop_slug, cycle_id):
        cycle = get_object_or_404(OrderCycle.objects.all(), pk=cycle_id)
        documents = CycleDocument.objects.filter(cycle=cycle).select_related("coop")
        packing = (OrderPacking.objects.filter(cycle=cycle).select_related("order")
                   .prefetch_related("order__lines__product"))
        return Response({"documents": DocumentSerializer(documents, many=True).data,
                         "packing": PackingSerializer(packing, many=True).data})


class WeightSerializer(serializers.Serializer):
    weighed_kg = serializers.DecimalField(max_digits=10, decimal_places=3, min_value=0)


class ShortageSerializer(serializers.Serializer):
    short_quantity = serializers.DecimalField(max_digits=10, decimal_places=3, min_value=0)


class ProductShortageSerializer(serializers.Serializer):
    product = serializers.IntegerField()
    short_quantity = serializers.DecimalField(max_digits=10, decimal_places=3, min_value=0)
    rule = serializers.ChoiceField(choices=[hub.ShortageRule.FIRST_COME, hub.ShortageRule.PRO_RATA])


class LineResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    billed_quantity = serializers.DecimalField(max_digits=10, decimal_places=3)
    line_amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    order_total_to_pay = serializers.DecimalField(max_digits=10, decimal_places=2)


def _line_result(line: OrderLine) -> dict:
    line.order.refresh_from_db(fields=["total_to_pay"])
    return {"id": line.pk, "billed_quantity": line.billed_quantity, "line_amount": line.line_amount,
            "order_total_to_pay": line.order.total_to_pay}


class LineWeightAPI(CoopAPIMixin, APIView):
    required_roles = HUB_ROLES

    @extend_schema(request=WeightSerializer, responses={200: LineResultSerializer})
    def post(self, request, coop_slug, order_line_id):
        get_object_or_404(OrderLine.objects.all(), pk=order_line_id)
        data = WeightSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            line = hub.line_record_weight(line_id=order_line_id, weighed_kg=data.validated_data["weighed_kg"])
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc
        return Response(LineResultSerializer(_line_result(line)).data)


class LineShortageAPI(CoopAPIMixin, APIView):
    required_roles = HUB_ROLES

    @extend_schema(request=ShortageSerializer, responses={200: LineResultSerializer})
    def post(self, request, coop_slug, order_line_id):
        get_object_or_404(OrderLine.objects.all(), pk=order_line_id)
        data = ShortageSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            line = hub.line_record_shortage(line_id=order_line_id,
                                            short_quantity=data.validated_data["short_quantity"])
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc
        return Response(LineResultSerializer(_line_result(line)).data)


class SpreadShareSerializer(serializers.Serializer):
    line_id = serializers.IntegerField()
    order_number = serializers.CharField()
    ordered = serializers.DecimalField(max_digits=10, decimal_places=3)
    short = serializers.DecimalField(max_digits=10, decimal_places=3)


class ProductShortageAPI(CoopAPIMixin, APIView):
    """A producer brought less: spread the shortage over the cycle's orders by the chosen rule."""

    required_roles = MANAGER_ROLES

    @extend_schema(request=ProductShortageSerializer, responses={200: SpreadShareSerializer(many=True)})
    def post(self, request, coop_slug, cycle_id):
        get_object_or_404(OrderCycle.objects.all(), pk=cycle_id)
        data = ProductShortageSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            shares = hub.product_record_shortage(cycle_id=cycle_id, product_id=data.validated_data["product"],
                                                 short_quantity=data.validated_data["short_quantity"],
                                                 rule=data.validated_data["rule"])
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc
        return Response(SpreadShareSerializer(shares, many=True).data)


class DepositMovementSerializer(serializers.ModelSerializer):
    item_code = serializers.SlugRelatedField(source="item", slug_field="code", read_only=True)

    class Meta:
        model = DepositMovement
        fields = ["id", "item_code", "customer", "producer", "direction", "quantity", "cycle", "order", "note",
                  "created_at"]


class DepositReturnSerializer(serializers.Serializer):
    item_code = serializers.SlugField()
    quantity = serializers.IntegerField(min_value=1)
    customer = serializers.IntegerField(required=False, help_text="membership id of the customer")
    producer = serializers.IntegerField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class DepositMovementViewSet(CoopAPIMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The crate and deposit ledger; POST records items coming back. `?customer=` / `?producer=` filter."""

    serializer_class = DepositMovementSerializer
    required_roles = HUB_ROLES

    def get_queryset(self):
        movements = DepositMovement.objects.select_related("item")
        for key in ("customer", "producer"):
            if self.request.query_params.get(key, "").isdigit():
                movements = movements.filter(**{f"{key}_id": self.request.query_params[key]})
        return movements

    @extend_schema(request=DepositReturnSerializer, responses={201: DepositMovementSerializer})
    def create(self, request, coop_slug=None):
        data = DepositReturnSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        customer = (get_object_or_404(Membership.objects.all(), pk=values["customer"])
                    if values.get("customer") else None)
        producer = get_object_or_404(Producer.objects.all(), pk=values["producer"]) if values.get("producer") else None
        try:
            movement = hub.deposit_record_return(item_code=values["item_code"], quantity=values["quantity"],
                                                 customer=customer, producer=producer, note=values.get("note", ""),
                                                 user=request.user)
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc
        return Response(DepositMovementSerializer(movement).data, status=status.HTTP_201_CREATED)
