"""What the rounds cost and save, per month and per cycle (managers): km, hours, cost, fill rate, CO2 and the km
saved against every farm driving alone (logistics/services/impact.py computes; this page shows)."""

import re
from datetime import date

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ..impact_charts import stacked_bar_chart_svg
from ..models import PlanningRun, Vehicle
from ..services import impact
from .access import manager_page

FILL_TARGET = 75  # percent: the target for the average peak fill rate, drawn on the fill chart


def _month(value: str | None, default: date) -> date | None:
    if not value:
        return default
    match = re.fullmatch(r"(\d{4})-(\d{2})", value)
    if not match or not 1 <= int(match[2]) <= 12 or not 2000 <= int(match[1]) <= 2100:
        return None
    return date(int(match[1]), int(match[2]), 1)


def _month_chart(figures: dict):
    rows = []
    for row in figures["cycles"]:
        ours = [("rounds", _("coop's rounds"), row["vehicle_km"]),
                ("own-trips", _("farms' own trips to the hub"), row["farms_own_trips_km"])]
        bars = [(f"{row['vehicle_km'] + row['farms_own_trips_km']:.0f} km", ours)]
        if row["baseline_km"] is not None:
            bars.append((f"{row['baseline_km']:.0f} km", [("baseline", _("every farm alone"), row["baseline_km"])]))
        rows.append((row["name"], bars))
    return stacked_bar_chart_svg(rows, title=_("km per cycle: the coop against every farm alone")) if rows else ""


def _fill_chart(figures: dict):
    rows = []
    for route in figures["routes"]:
        bars = []
        for dimension, name in (("crates", _("crates")), ("kg", _("kg"))):
            fill = route["fill"][dimension]
            if fill["peak_percent"] is None:
                continue
            average, peak = fill["average_percent"], fill["peak_percent"]
            bars.append((f"{peak:.0f} % {name}", [("average", _("average load"), average),
                                                  ("peak", _("peak load"), max(peak - average, 0))]))
        rows.append((f"{route['vehicle']} · {date_format(route['day'], 'D j M')}", bars))
    return stacked_bar_chart_svg(rows, title=_("Fill rate per route"), scale=100, track=True,
                                 marker=FILL_TARGET) if rows else ""


@manager_page
@require_GET
def impact_dashboard(request, coop_slug):
    cycles = list(impact.planned_cycles())
    newest = cycles[0].delivery_date.replace(day=1) if cycles else timezone.localdate().replace(day=1)
    month = _month(request.GET.get("month"), newest)
    if month is None:
        return HttpResponse(_("Give the month as YYYY-MM."), status=400, content_type="text/plain; charset=utf-8")
    month_figures = impact.month_impact(year=month.year, month=month.month)
    chosen = None
    if request.GET.get("cycle"):
        if not request.GET["cycle"].isdigit():
            return HttpResponse(_("Choose a cycle from the list."), status=400,
                                content_type="text/plain; charset=utf-8")
        chosen = get_object_or_404(impact.planned_cycles(), pk=int(request.GET["cycle"]))
    elif month_figures["cycles"]:  # the month's last planned cycle
        chosen = next(c for c in cycles if c.pk == month_figures["cycles"][-1]["cycle"])
    cycle_figures = impact.cycle_impact(chosen) if chosen else None
    first, following = impact.month_bounds(month.year, month.month)
    return render(request, "logistics/hub/impact.html", {
        "month": month, "previous": date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1),
        "next": following, "cycles": cycles, "chosen": chosen, "month_figures": month_figures,
        "cycle_figures": cycle_figures, "month_chart": _month_chart(month_figures),
        "fill_chart": _fill_chart(cycle_figures) if cycle_figures else "", "fill_target": FILL_TARGET,
        "run_status": PlanningRun.Status(cycle_figures["status"]).label if cycle_figures else "",
        "co2_factors": _factor_rows(), "co2_source": impact.CO2_SOURCE,
    })


def _factor_rows() -> list[tuple[str, object]]:
    kinds, energies = dict(Vehicle.Kind.choices), dict(Vehicle.Energy.choices)
    rows = []
    for key, factor in sorted(impact.co2_factors().items()):
        kind, _sep, energy = key.partition(":")
        rows.append((f"{kinds.get(kind, kind)} ({energies.get(energy, energy)})" if energy else
                     str(kinds.get(kind, kind)), factor))
    return rows
