"""Serializers of the orders API: shapes only. Validation of the order itself is the services' job."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coop.payments import ogm_display
from orders.models import Offer, Order, OrderCycle, OrderLine, PickupPoint
from orders.services.ordering import order_can_change

from .reads import localized

MONEY = {"max_digits": 10, "decimal_places": 2}
QUANTITY = {"max_digits": 10, "decimal_places": 3}


class OrdersErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


class OfferShortageSerializer(serializers.Serializer):
    offer = serializers.IntegerField()
    product = serializers.CharField()
    requested = serializers.DecimalField(**QUANTITY)
    remaining = serializers.DecimalField(**QUANTITY)


class OfferShortageErrorSerializer(serializers.Serializer):
    """409: not enough left; `offer` and `remaining` name the first short line, `shortages` all of them."""

    detail = serializers.CharField()
    offer = serializers.IntegerField()
    remaining = serializers.DecimalField(**QUANTITY)
    shortages = OfferShortageSerializer(many=True)


# --- cycles and pickup points ---------------------------------------------------------------------------

class CycleSerializer(serializers.ModelSerializer):
    accepts_orders = serializers.SerializerMethodField(help_text="Open and between opening and cut-off now.")

    class Meta:
        model = OrderCycle
        fields = ["id", "name", "status", "opens_at", "cutoff_at", "delivery_date", "accepts_orders"]
        read_only_fields = fields

    def get_accepts_orders(self, cycle) -> bool:
        from orders.services.cycles import cycle_accepts_orders

        return cycle_accepts_orders(cycle)


class PickupPointSerializer(serializers.ModelSerializer):
    pickup_from = serializers.DateTimeField(allow_null=True, help_text="With ?cycle=: when collection starts.")
    pickup_until = serializers.DateTimeField(allow_null=True, help_text="With ?cycle=: when collection ends.")
    places_left = serializers.IntegerField(allow_null=True, help_text="With ?cycle=: orders that still fit.")

    class Meta:
        model = PickupPoint
        fields = ["id", "key", "name", "kind", "street", "postcode", "city", "latitude", "longitude", "is_cooled",
                  "pickup_hours", "pickup_from", "pickup_until", "places_left"]
        read_only_fields = fields


# --- offers ---------------------------------------------------------------------------------------------

class OfferSerializer(serializers.ModelSerializer):
    product_name = serializers.SerializerMethodField()
    producer_name = serializers.CharField(source="producer.farm_name", read_only=True)
    unit = serializers.CharField(source="product.sell_unit", read_only=True, help_text="What one quantity is.")
    step = serializers.DecimalField(source="product.order_step", read_only=True, **QUANTITY,
                                    help_text="Quantities must be a multiple of this.")
    min_quantity = serializers.DecimalField(source="product.min_quantity", read_only=True, **QUANTITY)
    price_unit = serializers.CharField(source="product.price_unit", read_only=True,
                                       help_text="`price` is per this unit (kg for weighed goods).")
    price = serializers.SerializerMethodField(
        help_text="What the requesting member pays per price unit: incl. VAT for consumers, excl. VAT for "
                  "business customers (see `vat_included`). Null when the product has no price.")
    vat_included = serializers.SerializerMethodField()
    deposit = serializers.SerializerMethodField(help_text="Deposit per sell unit (no VAT), charged on top.")
    weekly_price = serializers.DecimalField(source="price", read_only=True, allow_null=True, **MONEY,
                                            help_text="The producer's price for this cycle (excl. VAT), if set.")

    class Meta:
        model = Offer
        fields = ["id", "cycle", "product", "product_name", "producer", "producer_name", "unit", "step",
                  "min_quantity", "price_unit", "price", "vat_included", "deposit", "remaining", "quantity_cap",
                  "ordered", "weekly_price", "is_withdrawn"]
        read_only_fields = fields
        extra_kwargs = {"remaining": {"help_text": "Null when unlimited."},
                        "quantity_cap": {"help_text": "Null when unlimited."}}

    def _price(self, offer):
        cache = self.context.setdefault("_prices", {})
        if offer.pk not in cache:
            cache[offer.pk] = self.context["pricer"].price(offer)
        return cache[offer.pk]

    def get_product_name(self, offer) -> str:
        return localized(offer.product, "name")

    @extend_schema_field(serializers.DecimalField(**MONEY, allow_null=True))
    def get_price(self, offer):
        price = self._price(offer)
        if price is None:
            return None
        return f"{price.for_customer(business=self.context['pricer'].business):.2f}"

    def get_vat_included(self, offer) -> bool:
        return not self.context["pricer"].business

    @extend_schema_field(serializers.DecimalField(**MONEY, allow_null=True))
    def get_deposit(self, offer):
        price = self._price(offer)
        return None if price is None else f"{price.deposit:.2f}"


class OfferCreateSerializer(serializers.Serializer):
    cycle = serializers.IntegerField()
    product = serializers.IntegerField()
    quantity_cap = serializers.DecimalField(**QUANTITY, min_value=0, allow_null=True, required=False,
                                            help_text="How much you can supply; null or left out: unlimited.")
    weekly_price = serializers.DecimalField(**MONEY, allow_null=True, required=False,
                                            help_text="Your price (excl. VAT) for this cycle only; null: the "
                                                      "product's price.")


class OfferUpdateSerializer(serializers.Serializer):
    quantity_cap = serializers.DecimalField(**QUANTITY, min_value=0, allow_null=True, required=False,
                                            help_text="Not below what customers already ordered; null: unlimited.")
    weekly_price = serializers.DecimalField(**MONEY, allow_null=True, required=False)
    is_withdrawn = serializers.BooleanField(required=False, help_text="true: stop selling (orders stay); "
                                                                      "false: offer again.")


# --- orders ---------------------------------------------------------------------------------------------

class OrderLineInputSerializer(serializers.Serializer):
    offer = serializers.IntegerField()
    quantity = serializers.CharField(help_text="A decimal in the product's sell unit, e.g. \"2\" or \"0.5\".")


class DeliveryAddressSerializer(serializers.Serializer):
    street = serializers.CharField(max_length=200)
    postcode = serializers.CharField(max_length=10)
    city = serializers.CharField(max_length=100)


class OrderCreateSerializer(serializers.Serializer):
    cycle = serializers.IntegerField()
    pickup_point = serializers.IntegerField(required=False, help_text="A pickup point serving the cycle.")
    delivery = DeliveryAddressSerializer(required=False, help_text="Home delivery instead of a pickup point.")
    lines = OrderLineInputSerializer(many=True)
    payment_method = serializers.ChoiceField(choices=[Order.PaymentMethod.TRANSFER, Order.PaymentMethod.AT_PICKUP],
                                             default=Order.PaymentMethod.TRANSFER)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if "pickup_point" in attrs and "delivery" in attrs:
            raise serializers.ValidationError(_("Choose a pickup point or home delivery, not both."))
        return attrs


class OrderUpdateSerializer(serializers.Serializer):
    lines = OrderLineInputSerializer(many=True, help_text="The complete new list of lines.")


class OrderLineSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="sell_unit")
    unit_price = serializers.SerializerMethodField(help_text="Per price unit, as charged (incl. VAT for consumers).")
    deposit = serializers.DecimalField(source="line_deposit", **MONEY)

    class Meta:
        model = OrderLine
        fields = ["id", "offer", "product", "product_name", "quantity", "unit", "price_unit", "billed_quantity",
                  "unit_price", "vat_percent", "line_amount", "deposit"]
        read_only_fields = fields

    @extend_schema_field(serializers.DecimalField(**MONEY))
    def get_unit_price(self, line):
        return f"{line.unit_gross if line.order.prices_include_vat else line.unit_net:.2f}"


class OrderSerializer(serializers.ModelSerializer):
    customer_name = serializers.SerializerMethodField()
    pickup_point = serializers.SerializerMethodField(help_text="The pickup point id, null for a delivery.")
    delivery = serializers.SerializerMethodField()
    lines = serializers.SerializerMethodField()
    total = serializers.DecimalField(source="total_to_pay", read_only=True, **MONEY,
                                     help_text="What to pay: goods, delivery fee and deposits.")
    payment_reference_display = serializers.SerializerMethodField(help_text="The OGM as +++123/4567/89012+++.")
    can_change = serializers.SerializerMethodField(help_text="Lines can change and it can be cancelled now.")

    class Meta:
        model = Order
        fields = ["id", "number", "cycle", "customer", "customer_name", "status", "fulfilment", "pickup_point",
                  "delivery", "lines", "total_gross", "delivery_fee", "total_deposit", "total",
                  "prices_include_vat", "payment_method", "payment_reference", "payment_reference_display",
                  "payment_status", "paid_amount", "can_change", "placed_at"]
        read_only_fields = fields

    def get_customer_name(self, order) -> str:
        user = order.customer.user
        return user.get_full_name() or user.email

    def get_pickup_point(self, order) -> int | None:
        return order.pickup.pickup_point_id if order.pickup_id else None

    @extend_schema_field(DeliveryAddressSerializer(allow_null=True))
    def get_delivery(self, order):
        if order.fulfilment != Order.Fulfilment.DELIVERY:
            return None
        return {"street": order.delivery_street, "postcode": order.delivery_postcode, "city": order.delivery_city}

    @extend_schema_field(OrderLineSerializer(many=True))
    def get_lines(self, order):
        lines = order.lines.all()
        for line in lines:
            line.order = order  # the prefetched lines point back without another query
        return OrderLineSerializer(lines, many=True).data

    def get_payment_reference_display(self, order) -> str:
        return ogm_display(order.payment_reference)

    def get_can_change(self, order) -> bool:
        return order_can_change(order)
