"""Forms of the fixer's pages (/<coop>/manage/) and the producers' offer pages. Input shapes only: the rules
are checked in orders.services (cycles, cycle_edits, places)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from orders.models import CyclePickupPoint, CycleSchedule, DeliveryZone, PickupPoint

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_FORMAT, **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


def datetime_field(label, **kwargs) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, widget=DateTimeInput(), input_formats=[DATETIME_FORMAT,
                                                                                   "%Y-%m-%d %H:%M"], **kwargs)


# --- cycles ---------------------------------------------------------------------------------------------

class CycleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    opens_at = datetime_field(_("Opens at"))
    cutoff_at = datetime_field(_("Cut-off"))
    delivery_date = forms.DateField(label=_("Delivery date"), widget=DateInput())


class CycleEditForm(forms.Form):
    """Name and delivery day; the opening only while the cycle is a draft. The cut-off has its own form."""

    name = forms.CharField(label=_("Name"), max_length=100)
    opens_at = datetime_field(_("Opens at"), required=False,
                              help_text=_("Only a draft cycle's opening can be moved."))
    delivery_date = forms.DateField(label=_("Delivery date"), widget=DateInput())

    def __init__(self, *args, is_draft: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not is_draft:
            del self.fields["opens_at"]


class CycleExtendForm(forms.Form):
    cutoff_at = datetime_field(_("New cut-off"))


class ScheduleForm(forms.ModelForm):
    class Meta:
        model = CycleSchedule
        fields = ["name", "opens_weekday", "opens_time", "cutoff_weekday", "cutoff_time", "delivery_weekday",
                  "weeks_ahead", "is_active"]
        widgets = {"opens_time": TimeInput(), "cutoff_time": TimeInput()}


# --- where customers collect ----------------------------------------------------------------------------

class PickupPointForm(forms.ModelForm):
    class Meta:
        model = PickupPoint
        fields = ["name", "key", "kind", "street", "postcode", "city", "latitude", "longitude", "is_cooled",
                  "capacity_orders", "pickup_hours", "service_minutes", "is_active"]
        help_texts = {"key": _("A short code; made from the name when left empty."),
                      "latitude": _("Left empty: taken from the postcode."),
                      "longitude": _("Left empty: taken from the postcode.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].required = False

    def validate_unique(self):
        """The key is unique per cooperative; orders.services.places checks it with the coop."""


class CyclePickupForm(forms.Form):
    """One pickup point's settings in one cycle (one form per point, prefixed with the point's id)."""

    served = forms.BooleanField(label=_("Served this cycle"), required=False)
    pickup_from = datetime_field(_("Collect from"), required=False)
    pickup_until = datetime_field(_("Collect until"), required=False)
    capacity = forms.IntegerField(label=_("Maximum orders"), min_value=0, required=False)
    served_by = forms.ChoiceField(label=_("Served by"), choices=CyclePickupPoint.ServedBy.choices)

    def clean(self):
        data = super().clean()
        if data.get("served"):
            for name in ("pickup_from", "pickup_until", "capacity"):
                if data.get(name) in (None, ""):
                    self.add_error(name, _("Needed for a served pickup point."))
        return data


class DeliveryZoneForm(forms.ModelForm):
    class Meta:
        model = DeliveryZone
        fields = ["name", "postcodes", "fee", "free_from", "minimum_order", "delivery_weekday", "window_from",
                  "window_until", "is_active"]
        widgets = {"window_from": TimeInput(), "window_until": TimeInput()}
        help_texts = {"postcodes": _("Separated by commas, e.g. 3000,3001,3010.")}


# --- money ----------------------------------------------------------------------------------------------

class PaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount received"), max_digits=10, decimal_places=2, min_value=0.01)
    received_on = forms.DateField(label=_("Received on"), widget=DateInput())


class StatementUploadForm(forms.Form):
    statement = forms.FileField(label=_("Bank statement (CAMT.053 XML or CODA)"))

    MAX_BYTES = 10 * 1024 * 1024

    def clean_statement(self):
        upload = self.cleaned_data["statement"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return upload


# --- offers ---------------------------------------------------------------------------------------------

class OfferForm(forms.Form):
    product = forms.IntegerField(widget=forms.HiddenInput)
    quantity_cap = forms.DecimalField(label=_("Available"), max_digits=10, decimal_places=3, min_value=0,
                                      required=False, help_text=_("Empty: unlimited."))
    price = forms.DecimalField(label=_("Price this week (excl. VAT)"), max_digits=10, decimal_places=2,
                               min_value=0.01, required=False, help_text=_("Empty: your usual price."))
