"""The fixer's cost form. It only shapes the input; the rules (amounts, what a category needs) are in
invoicing.services.costs, whose field errors the view puts back on the form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from invoicing.models_costs import AllocationKey, CostCategory

from .services.economics import parse_month


class MonthField(forms.CharField):
    """A month as YYYY-MM (the browser's month picker), cleaned to its first day."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2026-03", "pattern": r"\d{4}-\d{2}"})

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        month = parse_month(value)
        if month is None:
            raise forms.ValidationError(_("Give the month as YYYY-MM."))
        return month


class CostEntryForm(forms.Form):
    month = MonthField(label=_("Month"))
    category = forms.ChoiceField(label=_("Category"), choices=CostCategory.choices)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    amount = forms.DecimalField(label=_("Amount excl. VAT (EUR)"), required=False, min_value=0, decimal_places=2,
                                max_digits=12, help_text=_("For rent, packaging, software, staff and other costs."))
    quantity = forms.DecimalField(label=_("Quantity"), required=False, min_value=0, decimal_places=2, max_digits=10,
                                  help_text=_("km, vehicle-days or driver hours."))
    unit_cost = forms.DecimalField(label=_("Cost per km, day or hour excl. VAT (EUR)"), required=False,
                                   min_value=0, decimal_places=4, max_digits=10)
    quantity_from_planning = forms.BooleanField(label=_("Take the quantity from the month's planned routes"),
                                                required=False)
    vehicle = forms.ModelChoiceField(label=_("Vehicle"), queryset=None, required=False,
                                     empty_label=_("all vehicles"))
    allocation_key = forms.ChoiceField(
        label=_("Shared"), required=False, choices=[("", _("as usual for the category")), *AllocationKey.choices],
        help_text=_("How the cost is shared over the month's orders."))

    def __init__(self, *args, **kwargs):
        from logistics.models import Vehicle

        super().__init__(*args, **kwargs)
        # the scope of the request limits this to the coop's own vehicles
        self.fields["vehicle"].queryset = Vehicle.objects.order_by("name")

    @classmethod
    def initial_for(cls, entry) -> dict:
        return {"month": f"{entry.month:%Y-%m}", "category": entry.category, "description": entry.description,
                "amount": None if entry.is_per_unit else entry.amount, "quantity": entry.quantity,
                "unit_cost": entry.unit_cost, "quantity_from_planning": entry.quantity_from_planning,
                "vehicle": entry.vehicle_id, "allocation_key": entry.allocation_key}
