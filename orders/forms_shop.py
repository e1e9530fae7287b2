"""Forms of the webshop: adding to the cart and checking out."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from orders.models import Order
from orders.services.ordering import Destination


class CartLineForm(forms.Form):
    offer = forms.IntegerField(min_value=1)
    quantity = forms.CharField(max_length=20, required=False)


class CheckoutForm(forms.Form):
    """Where and how: a pickup point of the cycle, home delivery or delivery at the business; how to pay.

    The hidden idempotency key makes a double submit return the order the first submit made."""

    fulfilment = forms.ChoiceField(label=_("How do you get your order?"), widget=forms.RadioSelect)
    pickup = forms.TypedChoiceField(label=_("Pickup point"), coerce=int, required=False, widget=forms.RadioSelect,
                                    empty_value=None)
    street = forms.CharField(label=_("Street and number"), max_length=200, required=False)
    postcode = forms.CharField(label=_("Postcode"), max_length=10, required=False)
    city = forms.CharField(label=_("Municipality"), max_length=100, required=False)
    payment_method = forms.ChoiceField(
        label=_("Payment"), widget=forms.RadioSelect, initial=Order.PaymentMethod.TRANSFER,
        choices=[(Order.PaymentMethod.TRANSFER, _("Bank transfer (with the structured reference)")),
                 (Order.PaymentMethod.AT_PICKUP, _("Pay when collecting at the pickup point"))])
    note = forms.CharField(label=_("Note for the coop (optional)"), max_length=300, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, slots, business: bool, delivery: bool, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("idempotency_key", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.slots = {slot.pk: slot for slot in slots}
        choices = [(Order.Fulfilment.PICKUP, _("Collect at a pickup point"))]
        if delivery:
            choices.append((Order.Fulfilment.DELIVERY, _("Home delivery")))
        if business:
            choices.append((Order.Fulfilment.BUSINESS, _("Delivery at our business")))
        self.fields["fulfilment"].choices = choices
        self.fields["fulfilment"].initial = Order.Fulfilment.PICKUP
        self.fields["pickup"].choices = [(slot.pk, str(slot.pickup_point)) for slot in slots]

    def clean(self):
        data = super().clean()
        fulfilment = data.get("fulfilment")
        if fulfilment == Order.Fulfilment.PICKUP:
            slot = self.slots.get(data.get("pickup"))
            if slot is None:
                self.add_error("pickup", _("Choose a pickup point."))
            elif slot.orders_count >= slot.capacity:
                self.add_error("pickup", _("%(point)s is full this week; choose another pickup point.")
                               % {"point": slot.pickup_point.name})
        elif fulfilment == Order.Fulfilment.DELIVERY:
            for name in ("street", "postcode", "city"):
                if not (data.get(name) or "").strip():
                    self.add_error(name, _("Needed for home delivery."))
        if fulfilment != Order.Fulfilment.PICKUP and data.get("payment_method") == Order.PaymentMethod.AT_PICKUP:
            self.add_error("payment_method", _("Paying at pickup is only possible when you collect your order."))
        return data

    def destination(self) -> Destination:
        data = self.cleaned_data
        return Destination(fulfilment=data["fulfilment"], pickup_id=data.get("pickup"),
                           street=data.get("street", "").strip(), postcode=data.get("postcode", "").strip(),
                           city=data.get("city", "").strip())
