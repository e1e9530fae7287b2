"""Forms of the fixer's business account pages (the rules are checked again in services_business)."""

from django import forms
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from members.models import BusinessAccount, Weekday

ACCOUNT_FORM_FIELDS = [
    "name", "kind", "enterprise_number", "vat_number", "peppol_id", "invoice_email", "invoicing_frequency",
    "payment_terms_days", "purchase_order_required", "minimum_order", "contact_phone", "street", "postcode", "city",
    "latitude", "longitude", "delivery_days", "delivery_from", "delivery_until", "entry_instructions",
    "cooled_delivery_required", "service_minutes", "is_active",
]


class BusinessAccountForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(BusinessAccount, fields=ACCOUNT_FORM_FIELDS))
        self.order_fields(ACCOUNT_FORM_FIELDS)
        self.fields["delivery_days"] = forms.MultipleChoiceField(
            label=_("Delivery days"), choices=Weekday.choices, required=False, widget=forms.CheckboxSelectMultiple)
        for name in ("delivery_from", "delivery_until"):
            self.fields[name].widget = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
        for name in ("latitude", "longitude"):
            self.fields[name].help_text = _("Leave empty to use the centre of the postcode.")
        self.fields["contact_phone"].widget.attrs.update(type="tel", autocomplete="tel")
        self.fields["entry_instructions"].widget.attrs["rows"] = 3

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in ACCOUNT_FORM_FIELDS}

    def add_service_errors(self, exc) -> None:
        items = exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]
        for field, messages in items:
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


class AccountUserForm(forms.Form):
    """Add a person to an account: an existing member is linked, anybody else is invited by e-mail."""

    email = forms.EmailField(label=_("E-mail address"))
