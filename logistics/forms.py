"""Forms of the hub and producer pages: they check input; the services in logistics.services.hub decide."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.models import DepositItem
from coop.numbers import plain

from .services.hub import ShortageRule


class QuantityField(forms.DecimalField):
    """A quantity typed on a phone: "1,130" and "1.130" both mean 1.13."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 10)
        kwargs.setdefault("decimal_places", 3)
        kwargs.setdefault("min_value", Decimal("0"))
        super().__init__(**kwargs)
        self.widget.attrs.update(inputmode="decimal", step="any")

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(",", ".")
        return super().to_python(value)


class WeightForm(forms.Form):
    weighed_kg = QuantityField(label=_("Weighed (kg)"))


class ShortageForm(forms.Form):
    RULES = [(ShortageRule.FIRST_COME, _("first come, first served")), (ShortageRule.PRO_RATA, _("pro rata"))]

    short_quantity = QuantityField(label=_("Short in total"))
    rule = forms.ChoiceField(label=_("Spread"), choices=RULES, initial=ShortageRule.PRO_RATA,
                             widget=forms.RadioSelect)


class DepositReturnForm(forms.Form):
    party = forms.ChoiceField(label=_("Returned by"))
    item = forms.ModelChoiceField(label=_("Item"), queryset=None, to_field_name="code")
    quantity = forms.IntegerField(label=_("Number"), min_value=1, max_value=10000)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, customers, producers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].choices = [("", "---------"), (_("Customers"), customers), (_("Producers"), producers)]
        self.fields["item"].queryset = DepositItem.objects.order_by("kind", "code")  # the scope is active now

    def returned_by(self) -> tuple[str, int]:
        kind, pk = self.cleaned_data["party"].split(":", 1)
        return kind, int(pk)


class PurchaseOrderAnswerForm(forms.Form):
    """One "can bring" field per purchase order line (ordered quantity by default) and a note."""

    note = forms.CharField(label=_("Note for the hub"), max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            initial = line.confirmed_quantity if line.confirmed_quantity is not None else line.quantity
            self.fields[f"line_{line.pk}"] = QuantityField(
                label=line.product_name, max_value=line.quantity, initial=plain(initial))

    def line_fields(self):
        return [(line, self[f"line_{line.pk}"]) for line in self.lines]

    def confirmed(self) -> dict[int, Decimal]:
        return {line.pk: self.cleaned_data[f"line_{line.pk}"] for line in self.lines}
