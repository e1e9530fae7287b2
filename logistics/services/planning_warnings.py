"""What a solve could not keep as the fixer left it, told on the run (`PlanningRun.warnings`).

Stored as a code and the names involved (JSON), worded only when shown, so the fixer reads them in their own
language (the solve runs in a worker with no reader). Made by planning_pins.py; shown on the planning page, in
the API and in the Job's result.
"""

from __future__ import annotations

from datetime import date

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# Why a vehicle's route or pinned stops can no longer be honoured: no shift that day, or out of service.
NO_SHIFT, INACTIVE = "no_shift", "inactive"


def warning(code: str, *, vehicle: str, day: date, **values) -> dict:
    return {"code": code, "vehicle": vehicle, "day": day.isoformat(), **values}


def _reason(entry: dict) -> str:
    values = {"place": entry.get("place", "")}
    return {
        "late": _("%(place)s can no longer be reached within its time window") % values,
        "shift": _("it no longer fits in the vehicle's shift"),
        "duration": _("it takes longer than the vehicle's longest shift"),
        "skills": _("%(place)s needs what this vehicle does not have (cooling, low-emission zone or area)") % values,
        "capacity": _("it is more than the vehicle carries"),
    }.get(entry.get("reason", ""), _("the planner cannot serve it there"))


def warning_text(entry: dict) -> str:
    """The warning in the active language."""
    code, count = entry.get("code"), int(entry.get("count", 0))
    values = {"vehicle": entry.get("vehicle", ""), "place": entry.get("place", ""), "count": count,
              "weekday": formats.date_format(date.fromisoformat(entry["day"]), "l") if entry.get("day") else "",
              "driver": entry.get("driver", ""), "new": entry.get("new", "")}
    out_of_service = entry.get("cause") == INACTIVE
    if code == "released" and out_of_service:
        text = ngettext("%(vehicle)s is out of service: its pinned stop on %(weekday)s was planned again.",
                        "%(vehicle)s is out of service: its %(count)d pinned stops on %(weekday)s were planned again.",
                        count)
    elif code == "released":
        text = ngettext("%(vehicle)s has no shift on %(weekday)s any more: its pinned stop was planned again.",
                        "%(vehicle)s has no shift on %(weekday)s any more: its %(count)d pinned stops were planned "
                        "again.", count)
    elif code == "started_kept" and out_of_service:
        text = _("%(vehicle)s is out of service, but its route on %(weekday)s has started: it was kept as it was.")
    elif code == "started_kept":
        text = _("%(vehicle)s has no shift on %(weekday)s any more, but its route has started: it was kept as it "
                 "was.")
    elif code == "stop_gone":
        text = _("%(place)s, pinned on %(vehicle)s, is no longer part of the cycle (its orders were cancelled or "
                 "its goods shorted to nothing): it left the plan.")
    elif code == "pin_infeasible":
        values["reason"] = _reason(entry)
        text = ngettext("The pinned stop of %(vehicle)s on %(weekday)s can no longer be kept (%(reason)s): it was "
                        "planned again.",
                        "The %(count)d pinned stops of %(vehicle)s on %(weekday)s can no longer be kept in their "
                        "order (%(reason)s): they were planned again.", count)
    elif code == "route_infeasible":
        values["reason"] = _reason(entry)
        text = _("The pinned route of %(vehicle)s on %(weekday)s no longer works (%(reason)s): it was kept as "
                 "pinned; unpin it to have it planned again.")
    elif code == "started_infeasible":
        values["reason"] = _reason(entry)
        text = _("The route of %(vehicle)s on %(weekday)s has started and no longer works (%(reason)s): it was "
                 "kept as it was.")
    elif code == "pin_dropped":
        text = _("The planner could not keep %(place)s on %(vehicle)s on %(weekday)s: its pin was released and "
                 "it is among the stops not planned.")
    elif code == "driver_changed" and entry.get("new"):
        text = _("%(driver)s no longer drives on %(weekday)s: the route of %(vehicle)s goes to %(new)s now.")
    elif code == "driver_changed":
        text = _("%(driver)s no longer drives on %(weekday)s: the route of %(vehicle)s has no driver now.")
    else:
        return str(entry)
    return text % values


def run_warnings(run) -> list[dict]:
    """The run's warnings with their text in the active language (for pages and the API)."""
    return [{**entry, "message": warning_text(entry)} for entry in run.warnings or []]
