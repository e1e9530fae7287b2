from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from members.models import Role


class RolesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(choices=Role.choices, label=_("Roles"), **kwargs)


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    roles = RolesField(initial=[Role.CONSUMER])


class MembershipRolesForm(forms.Form):
    roles = RolesField()


class InvitationSignupForm(forms.Form):
    """Create an account straight from an invitation link (the address is the invited one)."""

    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Password (again)"), widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("password1") != data.get("password2"):
            raise forms.ValidationError(_("The two passwords differ."))
        if data.get("password1"):
            validate_password(data["password1"])
        return data


PRODUCER_FORM_FIELDS = [
    "farm_name", "description", "street", "postcode", "city", "latitude", "longitude", "enterprise_number",
    "vat_status", "iban", "organic_control_body", "organic_certificate_valid_until", "contact_name",
    "contact_phone", "contact_email", "delivery_mode", "delivery_days", "delivery_earliest", "delivery_latest",
    "service_minutes",
]


class ProducerProfileForm(forms.Form):
    """A farm's profile. Identifiers are checked here (form errors) and again in members.services."""

    photo = forms.ImageField(label=_("Photo"), required=False)
    remove_photo = forms.BooleanField(label=_("Remove the photo"), required=False)

    def __init__(self, *args, **kwargs):
        from django.forms.models import fields_for_model

        from members.models import Producer, Weekday

        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(Producer, fields=PRODUCER_FORM_FIELDS))
        self.order_fields(PRODUCER_FORM_FIELDS)
        self.fields["delivery_days"] = forms.MultipleChoiceField(
            label=_("Delivery days"), choices=Weekday.choices, required=False, widget=forms.CheckboxSelectMultiple)
        for name in ("delivery_earliest", "delivery_latest"):
            self.fields[name].widget = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
        self.fields["organic_certificate_valid_until"].widget = forms.DateInput(attrs={"type": "date"},
                                                                                format="%Y-%m-%d")
        for name in ("latitude", "longitude"):
            self.fields[name].help_text = _("Leave empty to use the centre of the postcode.")
        self.fields["contact_phone"].widget.attrs.update(type="tel", autocomplete="tel")
        self.fields["description"].widget.attrs["rows"] = 4

    def clean_enterprise_number(self):
        from coop.validators import format_enterprise_number, validate_enterprise_number

        value = self.cleaned_data["enterprise_number"].strip()
        if value:
            validate_enterprise_number(value)
            value = format_enterprise_number(value)
        return value

    def clean_iban(self):
        from coop.validators import compact_iban, validate_iban

        value = self.cleaned_data["iban"].strip()
        if value:
            validate_iban(value)
            value = compact_iban(value)
        return value

    def service_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in PRODUCER_FORM_FIELDS}
        if self.cleaned_data.get("remove_photo"):
            data["photo"] = False
        elif self.cleaned_data.get("photo"):
            data["photo"] = self.cleaned_data["photo"]
        return data

    def add_service_errors(self, exc) -> None:
        items = exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]
        for field, messages in items:
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
