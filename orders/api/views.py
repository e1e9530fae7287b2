"""Orders API under /api/v1/<coop_slug>/: cycles, offers, pickup points, orders. Thin: writes go through
orders.services; a django ValidationError answers 400 with `detail`, an OfferShortage 409 with the short line.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from catalog.models import Product
from coop.api import CoopAPIMixin
from members.models import MANAGER_ROLES, Role
from orders.models import CyclePickupPoint, Offer, Order, OrderCycle, PickupPoint
from orders.services.offers import offer_post, offer_withdraw
from orders.services.ordering import (
    Destination,
    OfferShortage,
    order_cancel,
    order_change_lines,
    order_place,
)

from . import reads
from .serializers import (
    CycleSerializer,
    OfferCreateSerializer,
    OfferSerializer,
    OfferShortageErrorSerializer,
    OfferUpdateSerializer,
    OrderCreateSerializer,
    OrderSerializer,
    OrdersErrorSerializer,
    OrderUpdateSerializer,
    PickupPointSerializer,
)


def _membership(request):
    return request._request.membership


def _bad_request(errors) -> serializers.ValidationError:
    """A 400 whose `detail` says in words what is wrong (DRF's field errors stay under `errors`)."""
    if isinstance(errors, DjangoValidationError):
        errors = errors.message_dict if hasattr(errors, "error_dict") else {"non_field_errors": errors.messages}

    def flatten(value):
        if isinstance(value, dict):
            return [m for v in value.values() for m in flatten(v)]
        if isinstance(value, list):
            return [m for v in value for m in flatten(v)]
        return [str(value)]

    return serializers.ValidationError({"detail": " ".join(flatten(errors)), "errors": errors})


def _validated(serializer_class, data, **kwargs):
    serializer = serializer_class(data=data, **kwargs)
    if not serializer.is_valid():
        raise _bad_request(serializer.errors)
    return serializer.validated_data


def _int_param(request, name: str) -> int | None:
    raw = (request.query_params.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise _bad_request({name: [_("'%(value)s' is not a valid id.") % {"value": raw}]})
    return int(raw)


def _shortage_response(exc: OfferShortage) -> Response:
    first = exc.shortages[0]
    return Response({
        "detail": exc.message, "offer": first.offer_id, "remaining": f"{first.remaining:.3f}",
        "shortages": [{"offer": s.offer_id, "product": s.product, "requested": f"{s.requested:.3f}",
                       "remaining": f"{s.remaining:.3f}"} for s in exc.shortages],
    }, status=status.HTTP_409_CONFLICT)


ERRORS_400 = OpenApiResponse(OrdersErrorSerializer, description="Bad input; `detail` says what is wrong.")
SHORTAGE_409 = OpenApiResponse(OfferShortageErrorSerializer, description="Not enough left; nothing was saved.")
CYCLE_PARAM = OpenApiParameter("cycle", OpenApiTypes.INT, description="An order cycle id.")


# --- cycles ---------------------------------------------------------------------------------------------

@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("status", OpenApiTypes.STR, enum=OrderCycle.Status.values, description="Only this state.")]))
class CycleViewSet(CoopAPIMixin, viewsets.ReadOnlyModelViewSet):
    """Order cycles, newest delivery first (draft cycles only for producers, fixers and admins)."""

    serializer_class = CycleSerializer
    lookup_url_kwarg = "cycle_id"
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return OrderCycle.objects.none()
        cycles = reads.cycles_visible_to(_membership(self.request))
        wanted = (self.request.query_params.get("status") or "").strip()
        if self.action == "list" and wanted:
            if wanted not in OrderCycle.Status.values:
                raise _bad_request({"status": [_("'%(value)s' is not one of: %(allowed)s")
                                               % {"value": wanted, "allowed": ", ".join(OrderCycle.Status.values)}]})
            cycles = cycles.filter(status=wanted)
        return cycles


# --- pickup points --------------------------------------------------------------------------------------

@extend_schema_view(list=extend_schema(parameters=[CYCLE_PARAM]))
class PickupPointViewSet(CoopAPIMixin, viewsets.ReadOnlyModelViewSet):
    """Pickup points; with ?cycle= only those serving that cycle, with its collection window and room left."""

    serializer_class = PickupPointSerializer
    lookup_url_kwarg = "pickup_point_id"
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PickupPoint.objects.none()
        return reads.pickup_points_for(_int_param(self.request, "cycle") if self.action == "list" else None)


# --- offers ---------------------------------------------------------------------------------------------

class OfferPagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


@extend_schema_view(
    list=extend_schema(parameters=[CYCLE_PARAM, OpenApiParameter("producer", OpenApiTypes.INT)]),
    create=extend_schema(request=OfferCreateSerializer,
                         responses={201: OfferSerializer, 400: ERRORS_400, 403: OrdersErrorSerializer}),
    partial_update=extend_schema(request=OfferUpdateSerializer,
                                 responses={200: OfferSerializer, 400: ERRORS_400, 403: OrdersErrorSerializer}),
)
class OfferViewSet(CoopAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """What producers supply per cycle, priced for the requesting member. Producers post and change offers
    of their own products; fixers and admins for any producer."""

    serializer_class = OfferSerializer
    pagination_class = OfferPagination
    lookup_url_kwarg = "offer_id"
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    @cached_property
    def pricer(self):
        return reads.OfferPricer(coop=self.request._request.coop, membership=_membership(self.request))

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["pricer"] = self.pricer
        return context

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Offer.objects.none()
        offers = reads.offers_visible_to(_membership(self.request))
        if self.action == "list":
            cycle_id, producer_id = _int_param(self.request, "cycle"), _int_param(self.request, "producer")
            if cycle_id is not None:
                offers = offers.filter(cycle_id=cycle_id)
            else:  # without a cycle: what can be ordered now
                offers = offers.filter(cycle__status=OrderCycle.Status.OPEN)
            if producer_id is not None:
                offers = offers.filter(producer_id=producer_id)
        return reads.offers_for_display(offers)

    def _check_may_write(self, product: Product) -> None:
        membership = _membership(self.request)
        if membership.is_manager:
            return
        if not membership.has_role(Role.PRODUCER) or product.producer.membership_id != membership.pk:
            raise PermissionDenied(_("Producers post offers for their own products only."))

    def _respond(self, offer_id: int, code=status.HTTP_200_OK) -> Response:
        offer = reads.offers_for_display(Offer.objects.filter(pk=offer_id)).get()
        return Response(self.get_serializer(offer).data, status=code)

    def create(self, request, *args, **kwargs):
        if not _membership(request).has_role(Role.PRODUCER, *MANAGER_ROLES):
            raise PermissionDenied(_("Only producers, fixers and admins post offers."))
        data = _validated(OfferCreateSerializer, request.data)
        cycle = OrderCycle.objects.filter(pk=data["cycle"]).first()
        product = Product.objects.select_related("producer").filter(pk=data["product"]).first()
        if cycle is None or product is None:
            raise _bad_request({"cycle" if cycle is None else "product": [_("Unknown id.")]})
        self._check_may_write(product)
        try:
            offer = offer_post(cycle=cycle, product=product, quantity_cap=data.get("quantity_cap"),
                               price=data.get("weekly_price"), user=request.user)
        except DjangoValidationError as exc:
            raise _bad_request(exc) from exc
        return self._respond(offer.pk, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        offer = self.get_object()
        self._check_may_write(offer.product)
        data = _validated(OfferUpdateSerializer, request.data)
        try:
            if data.get("is_withdrawn"):
                offer_withdraw(offer_id=offer.pk)
            elif data:
                offer_post(cycle=offer.cycle, product=offer.product,
                           quantity_cap=data.get("quantity_cap", offer.quantity_cap),
                           price=data.get("weekly_price", offer.price), user=request.user)
        except DjangoValidationError as exc:
            raise _bad_request(exc) from exc
        return self._respond(offer.pk)


# --- orders ---------------------------------------------------------------------------------------------

@extend_schema_view(
    list=extend_schema(parameters=[CYCLE_PARAM]),
    create=extend_schema(request=OrderCreateSerializer, parameters=[OpenApiParameter(
        "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER,
        description="Sending the same key again returns the first order instead of placing a second.")],
        responses={201: OrderSerializer, 400: ERRORS_400, 409: SHORTAGE_409}),
    partial_update=extend_schema(request=OrderUpdateSerializer,
                                 responses={200: OrderSerializer, 400: ERRORS_400, 409: SHORTAGE_409}),
    cancel=extend_schema(request=None, responses={200: OrderSerializer, 400: ERRORS_400}),
)
class OrderViewSet(CoopAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Orders: your own (fixers and admins see every order). Change lines or cancel until the cut-off."""

    serializer_class = OrderSerializer
    lookup_url_kwarg = "order_id"
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Order.objects.none()
        orders = reads.orders_visible_to(_membership(self.request))
        if self.action == "list":
            cycle_id = _int_param(self.request, "cycle")
            if cycle_id is not None:
                orders = orders.filter(cycle_id=cycle_id)
        return orders

    def _customer_filter(self):
        """Managers may change anyone's order; a customer only their own (the service checks it too)."""
        membership = _membership(self.request)
        return None if membership.is_manager else membership

    def _respond(self, order_id: int, code=status.HTTP_200_OK) -> Response:
        order = get_object_or_404(reads.orders_visible_to(_membership(self.request)), pk=order_id)
        return Response(self.get_serializer(order).data, status=code)

    def create(self, request, *args, **kwargs):
        data = _validated(OrderCreateSerializer, request.data)
        membership = _membership(request)
        if "delivery" in data:
            address = data["delivery"]
            destination = Destination(Order.Fulfilment.DELIVERY, street=address["street"],
                                      postcode=address["postcode"], city=address["city"])
        elif "pickup_point" in data:
            slot_id = (CyclePickupPoint.objects.filter(cycle_id=data["cycle"], pickup_point_id=data["pickup_point"])
                       .values_list("pk", flat=True).first())
            destination = Destination(Order.Fulfilment.PICKUP, pickup_id=slot_id)
        elif membership.business_account_id:
            destination = Destination(Order.Fulfilment.BUSINESS)
        else:
            raise _bad_request({"pickup_point": [_("Choose a pickup point or home delivery.")]})
        try:
            order = order_place(customer=membership, cycle_id=data["cycle"], lines=data["lines"],
                                destination=destination, payment_method=data["payment_method"],
                                note=data["note"], idempotency_key=request.headers.get("Idempotency-Key", "")[:64])
        except OfferShortage as exc:
            return _shortage_response(exc)
        except DjangoValidationError as exc:
            raise _bad_request(exc) from exc
        return self._respond(order.pk, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        order = self.get_object()
        data = _validated(OrderUpdateSerializer, request.data)
        try:
            order_change_lines(order_id=order.pk, lines=data["lines"], customer=self._customer_filter())
        except OfferShortage as exc:
            return _shortage_response(exc)
        except DjangoValidationError as exc:
            raise _bad_request(exc) from exc
        return self._respond(order.pk)

    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        order = self.get_object()
        try:
            order_cancel(order_id=order.pk, customer=self._customer_filter())
        except DjangoValidationError as exc:
            raise _bad_request(exc) from exc
        return self._respond(order.pk)
