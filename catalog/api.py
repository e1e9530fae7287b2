"""Catalogue API: products (read for members; producers write their own, managers all), producers, price groups.

Writes go through catalog.services.product_save, so validation and price history are the same as in the
producer portal. Prices are those of the requesting member (one PricingContext per request).
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

from coop.api import CoopAPIMixin
from members.models import MANAGER_ROLES, Producer, Role

from . import selectors
from .allergens import UNDECLARED, Allergen, AllergenStatus
from .models import PriceGroup, Product, Unit
from .services import product_is_sellable, product_save

# --- serializers ----------------------------------------------------------------------------------------


class AllergenEntrySerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=Allergen.choices)
    status = serializers.ChoiceField(choices=[*AllergenStatus.choices, (UNDECLARED, "not yet declared")])


class DepositEntrySerializer(serializers.Serializer):
    code = serializers.SlugField(help_text="Code of a deposit item of the cooperative (e.g. a crate).")
    count = serializers.IntegerField(min_value=1, help_text="How many go with one sell unit.")
    name = serializers.CharField(read_only=True)
    value = serializers.DecimalField(max_digits=8, decimal_places=2, read_only=True)


class PriceSerializer(serializers.Serializer):
    """The price for the requesting member, per price unit; the deposit is per sell unit, without VAT."""

    producer_price = serializers.DecimalField(max_digits=10, decimal_places=2)
    margin_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    margin = serializers.DecimalField(max_digits=10, decimal_places=2)
    unit_net = serializers.DecimalField(max_digits=10, decimal_places=2)
    vat_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    vat = serializers.DecimalField(max_digits=10, decimal_places=2)
    unit_gross = serializers.DecimalField(max_digits=10, decimal_places=2)
    deposit = serializers.DecimalField(max_digits=10, decimal_places=2)
    price_unit = serializers.CharField()
    source = serializers.ChoiceField(choices=["margin", "contract"])
    vat_included = serializers.BooleanField(help_text="Whether `amount` includes VAT (consumers) or not (business).")
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, help_text="What this member pays per unit.")


@extend_schema_field(AllergenEntrySerializer(many=True))
class AllergensField(serializers.Field):
    """All 14 allergens as {code, status}; on write, "undeclared" entries are skipped (answers stay)."""

    def get_attribute(self, instance):
        return instance

    def to_representation(self, product):
        return selectors.allergen_entries(product)

    def to_internal_value(self, data):
        entries = AllergenEntrySerializer(data=data, many=True)
        entries.is_valid(raise_exception=True)
        codes = [e["code"] for e in entries.validated_data]
        if len(codes) != len(set(codes)):
            raise serializers.ValidationError(_("Each allergen may be given once."))
        return {e["code"]: e["status"] for e in entries.validated_data if e["status"] != UNDECLARED}


@extend_schema_field(DepositEntrySerializer(many=True))
class DepositsField(serializers.Field):
    """Deposit items per sell unit; on write the list replaces the product's deposits."""

    def get_attribute(self, instance):
        return instance

    def to_representation(self, product):
        return [{"code": d.item.code, "count": d.count, "name": selectors.localized(d.item, "name"),
                 "value": f"{d.item.value:.2f}"} for d in product.deposits.all()]

    def to_internal_value(self, data):
        entries = DepositEntrySerializer(data=data, many=True)
        entries.is_valid(raise_exception=True)
        return {e["code"]: e["count"] for e in entries.validated_data}


@extend_schema_field(OpenApiTypes.STR)
class PriceUnitField(serializers.ChoiceField):
    """Same choices as sell_unit; documented as a plain string so the schema has one enum for units."""


class ProductSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField(help_text="The name in the request's language (Dutch fallback).")
    producer_name = serializers.CharField(source="producer.farm_name", read_only=True)
    allergens = AllergensField(required=False)
    allergens_declared = serializers.BooleanField(read_only=True)
    is_sellable = serializers.SerializerMethodField()
    deposits = DepositsField(required=False)
    producer_price = serializers.DecimalField(
        max_digits=10, decimal_places=2, required=False, source="producer_price_at",
        help_text="The producer's own price per price unit, excl. VAT. A change applies from the next cycle.")
    price_unit = PriceUnitField(choices=Unit.choices, required=False,
                                help_text="The unit the price is per (a sell unit); kg for weighed goods. "
                                          "Default: kg for weighed goods, else the sell unit.")
    price = serializers.SerializerMethodField()
    photo_url = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = [
            "id", "sku", "producer", "producer_name", "name", "name_nl", "name_fr", "name_en", "description_nl",
            "description_fr", "description_en", "category", "sell_unit", "price_unit", "order_step",
            "min_quantity", "is_weighed", "est_weight_kg", "net_content", "net_content_unit", "vat_class",
            "storage", "labels", "ingredients", "origin", "shelf_life_days", "season_months", "is_active",
            "allergens_declared", "is_sellable", "allergens", "deposits", "producer_price", "price", "photo_url",
        ]
        extra_kwargs = {
            "producer": {"required": False, "help_text": "Managers: the producer of a new product. Producers: "
                                                         "leave out (always your own). Cannot change later."},
        }

    def get_name(self, product) -> str:
        return selectors.localized(product, "name")

    def get_is_sellable(self, product) -> bool:
        return product_is_sellable(product)[0]

    @extend_schema_field(PriceSerializer(allow_null=True))
    def get_price(self, product):
        pricing = self.context["pricing"]
        price = pricing.price(product)
        if price is None:
            return None
        amount = price.for_customer(business=pricing.business)
        data = {name: getattr(price, name) for name in ("producer_price", "margin_percent", "margin", "unit_net",
                                                         "vat_percent", "vat", "unit_gross", "deposit")}
        data.update(price_unit=price.price_unit, source=price.source, vat_included=not pricing.business,
                    amount=amount)
        return PriceSerializer(data).data

    def get_photo_url(self, product) -> str | None:
        image = product.thumbnail or product.photo
        return self.context["request"].build_absolute_uri(image.url) if image else None


class ProducerSerializer(serializers.ModelSerializer):
    product_count = serializers.IntegerField(read_only=True, help_text="Products this member can see.")

    class Meta:
        model = Producer
        fields = ["id", "key", "farm_name", "description", "street", "postcode", "city", "latitude", "longitude",
                  "is_organic", "organic_control_body", "organic_certificate_valid_until", "is_active",
                  "product_count"]
        read_only_fields = fields


class CategoryMarginSerializer(serializers.Serializer):
    category = serializers.IntegerField(source="category_id")
    category_name = serializers.CharField(source="category.name_nl")
    margin_percent = serializers.DecimalField(max_digits=5, decimal_places=2)


class PriceGroupSerializer(serializers.ModelSerializer):
    category_margins = CategoryMarginSerializer(many=True, read_only=True)

    class Meta:
        model = PriceGroup
        fields = ["id", "code", "name", "margin_percent", "category_margins"]
        read_only_fields = fields


# --- permissions ----------------------------------------------------------------------------------------

def _membership(request):
    return request._request.membership


class ProductWriteAccess(BasePermission):
    """Every member reads; producers write their own products, managers every product."""

    message = _("Only the product's producer or a coordinator may change it.")

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or _membership(request).has_role(Role.PRODUCER, *MANAGER_ROLES)

    def has_object_permission(self, request, view, product):
        membership = _membership(request)
        if request.method in SAFE_METHODS or membership.has_role(*MANAGER_ROLES):
            return True
        return product.producer.membership_id == membership.pk


# --- views ----------------------------------------------------------------------------------------------

FILTER_PARAMETERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="Full-text search (Dutch stemming) with partial words."),
    OpenApiParameter("category", OpenApiTypes.INT, description="A category id; includes its subcategories."),
    OpenApiParameter("producer", OpenApiTypes.INT, description="A producer id."),
    OpenApiParameter("label", OpenApiTypes.STR, enum=Product.Label.values),
    OpenApiParameter("storage", OpenApiTypes.STR, enum=Product.Storage.values),
    OpenApiParameter("without_allergen", OpenApiTypes.STR, enum=[a.value for a in Allergen],
                     description="Only products with declared allergens that answered this one as absent."),
]


@extend_schema_view(list=extend_schema(parameters=FILTER_PARAMETERS))
class ProductViewSet(CoopAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                     mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Products with allergens, deposits and the price for the requesting member."""

    serializer_class = ProductSerializer
    permission_classes = [*CoopAPIMixin.permission_classes, ProductWriteAccess]
    lookup_url_kwarg = "product_id"
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    @cached_property
    def pricing(self):
        return selectors.pricing_context_for(coop=self.request._request.coop, membership=_membership(self.request))

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["pricing"] = self.pricing
        return context

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Product.objects.none()
        products = selectors.products_visible_to(_membership(self.request))
        if self.action == "list":
            filters, errors = selectors.product_filter_parse(self.request.query_params)
            if errors:
                raise serializers.ValidationError({"detail": " ".join(errors.values()), "errors": errors})
            products = selectors.product_search(products, filters)
        return selectors.products_for_display(products)

    def _reload(self, product):
        return selectors.products_for_display(Product.objects.filter(pk=product.pk)).get()

    def _save(self, *, product, producer, data):
        data = dict(data)
        if "producer_price_at" in data:
            data["price"] = data.pop("producer_price_at")
        try:
            return product_save(product=product, producer=producer, data=data, user=self.request.user)
        except DjangoValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
            detail = " ".join(message for messages in errors.values() for message in messages)
            raise serializers.ValidationError({"detail": detail, "errors": errors}) from exc
        except IntegrityError as exc:
            # product_save's full_clean skips constraints that include `coop`, so a duplicate product code
            # (or a concurrent write) ends here; the transaction has been rolled back.
            if "product_sku_unique_per_coop" not in str(exc):
                raise
            message = _("Another product of this cooperative already has this product code.")
            raise serializers.ValidationError({"detail": message, "errors": {"sku": [message]}}) from exc

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        producer = data.pop("producer", None)
        membership = _membership(self.request)
        own = Producer.objects.filter(membership=membership).first()
        if membership.has_role(*MANAGER_ROLES):
            producer = producer or own
            if producer is None:
                raise serializers.ValidationError({"detail": _("Name the producer of the new product."),
                                                   "errors": {"producer": [_("This field is required.")]}})
        elif own is None or (producer is not None and producer != own):
            raise PermissionDenied(_("Producers add products to their own farm only."))
        else:
            producer = own
        serializer.instance = self._reload(self._save(product=None, producer=producer, data=data))

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        product = serializer.instance
        producer = data.pop("producer", None)
        if producer is not None and producer != product.producer:
            raise serializers.ValidationError({"detail": _("A product cannot move to another producer."),
                                               "errors": {"producer": [_("Cannot be changed.")]}})
        serializer.instance = self._reload(self._save(product=product, producer=product.producer, data=data))


class ProducerViewSet(CoopAPIMixin, viewsets.ReadOnlyModelViewSet):
    """The cooperative's producers (managers also see inactive ones)."""

    serializer_class = ProducerSerializer
    lookup_url_kwarg = "producer_id"
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Producer.objects.none()
        return selectors.producers_with_product_counts(_membership(self.request)).order_by("farm_name")


class PriceGroupViewSet(CoopAPIMixin, viewsets.ReadOnlyModelViewSet):
    """Price groups with their margins: managers see all, a business member the group they buy in."""

    serializer_class = PriceGroupSerializer
    required_roles = (*MANAGER_ROLES, Role.BUSINESS)
    lookup_url_kwarg = "price_group_id"
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PriceGroup.objects.none()
        return selectors.price_groups_visible_to(_membership(self.request))
