"""Forms of the fixer's planning pages: they check input; logistics.services.planning decides."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import PlanningRun, Route, Vehicle
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
    route = forms.TypedChoiceField(label=_("To route"), coerce=int, empty_value=None, required=False)
    position = forms.IntegerField(label=_("At position"), min_value=1, max_value=999, required=False,
                                  help_text=_("Empty: at the end."))

    def __init__(self, *args, routes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["route"].choices = [("", _("leave out of the plan"))] + [
            (route.pk, f"{route.vehicle.name} · {route.day:%d/%m}") for route in routes]


class PinForm(forms.Form):
    pinned = forms.TypedChoiceField(choices=[("1", _("pin")), ("0", _("unpin"))], coerce=lambda v: v == "1")


def routes_for_move(run: PlanningRun):
    return Route.objects.filter(run=run).select_related("vehicle").order_by("day", "vehicle__key", "vehicle_key")
