"""Forms of the fixer's planning pages: they check input; logistics.services.planning decides."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import PlanningRun, Vehicle
from .services.planning import MAX_BUDGET


class PlanningRunForm(forms.Form):
    time_budget = forms.IntegerField(label=_("Time to search (seconds)"), min_value=1, max_value=MAX_BUDGET,
                                     initial=30)
    objective = forms.ChoiceField(label=_("Plan for"), choices=PlanningRun.Objective.choices,
                                  initial=PlanningRun.Objective.COST)
    vehicles = forms.ModelMultipleChoiceField(label=_("Vehicles"), queryset=Vehicle.objects.none(), required=False,
                                              widget=forms.CheckboxSelectMultiple,
                                              help_text=_("None ticked: every active vehicle."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vehicles"].queryset = Vehicle.objects.filter(is_active=True).order_by("key")  # scope is active


class ReoptimiseForm(forms.Form):
    time_budget = forms.IntegerField(label=_("Time to search (seconds)"), min_value=1, max_value=MAX_BUDGET,
                                     required=False)


class StopMoveForm(forms.Form):
    """Where a stop goes: a route of the plan (its id), a vehicle the plan does not use yet ("vehicle:<engine
    key>", see plan_selectors.SpareShift), or nowhere (left out)."""

    route = forms.CharField(label=_("To route"), required=False, max_length=60)
    position = forms.IntegerField(label=_("At position"), min_value=1, max_value=999, required=False,
                                  help_text=_("Empty: at the end."))

    def clean_route(self) -> dict:
        value = self.cleaned_data["route"].strip()
        if not value:
            return {"route_id": None}
        if value.isdigit():
            return {"route_id": int(value)}
        found = re.fullmatch(r"vehicle:(v(\d+)@[a-z]{3}\d*)", value)
        if found is None:
            raise forms.ValidationError(_("Choose a route or a vehicle from the list."))
        return {"vehicle_id": int(found[2]), "vehicle_key": found[1]}


class PinForm(forms.Form):
    pinned = forms.TypedChoiceField(choices=[("1", _("pin")), ("0", _("unpin"))], coerce=lambda v: v == "1")

