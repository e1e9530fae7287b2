"""Forms of the billing pages: settings, the month of a run, a payment recorded by hand."""

from datetime import date
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from invoicing.models import BillingSettings
from invoicing.services.calendar import previous_month


class BillingSettingsForm(forms.ModelForm):
    class Meta:
        model = BillingSettings
        fields = ["consumer_invoices", "reminders_enabled", "reminder_1_days", "reminder_2_days",
                  "formal_notice_days"]
        widgets = {"consumer_invoices": forms.RadioSelect}

    def clean(self):
        data = super().clean()
        days = [data.get("reminder_1_days"), data.get("reminder_2_days"), data.get("formal_notice_days")]
        if None not in days and not days[0] < days[1] < days[2]:
            raise forms.ValidationError(_("Each reminder level comes later than the one before."))
        return data


class MonthForm(forms.Form):
    month = forms.CharField(label=_("Month"), widget=forms.TextInput(attrs={"type": "month"}),
                            help_text=_("Year and month, e.g. 2026-10."))

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["month"].initial = previous_month(timezone.localdate()).strftime("%Y-%m")

    def clean_month(self) -> date:
        value = self.cleaned_data["month"].strip()
        try:
            year, month = (int(part) for part in value.split("-"))
            period = date(year, month, 1)
        except (TypeError, ValueError) as exc:
            raise forms.ValidationError(_("Give the month as year-month, e.g. 2026-10.")) from exc
        if period > timezone.localdate():
            raise forms.ValidationError(_("That month has not started yet."))
        return period


class InvoicePaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount"), max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    received_on = forms.DateField(label=_("Received on"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean_received_on(self):
        day = self.cleaned_data["received_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day
