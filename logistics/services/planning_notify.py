"""E-mails when a plan is published: each driver their route, each home-delivery customer their ETA window.

Each mail is sent with its row locked and the row marked in the same transaction (`Route.notified_at`,
`Stop.eta_notified_at`), so a retried task never mails twice. (A crash between the mail server's answer and
the commit can still send twice; a mail is never lost.)
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from logistics.models import PlanningRun, Route, Stop
from orders.models import Order


def _time(moment) -> str:
    return formats.time_format(timezone.localtime(moment), "H:i")


def driver_url(coop, day=None) -> str:
    """The driver's page, on `day` when given."""
    url = f"{settings.SITE_URL.rstrip('/')}/{coop.slug}/driver/"
    return f"{url}?day={day:%Y-%m-%d}" if day else url


def route_lines(route: Route, stops: list[Stop]) -> list[str]:
    """A route in a driver's e-mail: when to leave with what, then the stops in order (in the active language)."""
    lines = [_("Leave at %(time)s with the %(vehicle)s, back around %(back)s (%(km)s km).") % {
        "time": _time(route.start_at), "vehicle": route.vehicle.name, "back": _time(route.end_at),
        "km": route.km}, ""]
    for stop in stops:
        lines.append(f"{stop.sequence}. {_time(stop.eta_from)}-{_time(stop.eta_to)}  {stop.name}  {stop.address}")
    return lines


def _route_email(route: Route) -> bool:
    user = route.driver.user
    stops = list(Stop.objects.filter(route=route).order_by("sequence"))
    with translation.override(user.language or route.coop.default_language):
        subject = _("Your route on %(day)s: %(count)d stops") % {
            "day": formats.date_format(route.day, "l j F"), "count": len(stops)}
        lines = route_lines(route, stops)
        lines += ["", _("Your route on your phone: %(url)s") % {"url": driver_url(route.coop)}]
    send_mail(subject, "\n".join(lines), None, [user.email])
    return True


def _eta_email(order: Order, stop: Stop) -> None:
    with translation.override(order.language or order.coop.default_language):
        subject = _("Your order %(number)s arrives on %(day)s between %(from)s and %(to)s") % {
            "number": order.number, "day": formats.date_format(timezone.localtime(stop.eta_from), "l j F"),
            "from": _time(stop.eta_from), "to": _time(stop.eta_to)}
        body = "\n".join([
            _("Hello,"), "",
            _("We deliver your order %(number)s on %(day)s, expected between %(from)s and %(to)s.") % {
                "number": order.number, "day": formats.date_format(timezone.localtime(stop.eta_from), "l j F"),
                "from": _time(stop.eta_from), "to": _time(stop.eta_to)},
            _("Please keep your empty crates ready for the driver."), "", str(order.coop)])
    send_mail(subject, body, None, [order.customer.user.email])


def planning_run_notify(*, run_id: int) -> dict:
    run = PlanningRun.objects.get(pk=run_id)
    if run.published_at is None:
        return {"drivers": 0, "customers": 0}
    drivers = customers = 0
    for route_id in Route.objects.filter(run=run, driver__isnull=False, notified_at__isnull=True).values_list(
            "pk", flat=True):
        with transaction.atomic():
            route = (Route.objects.select_for_update(of=("self",)).select_related("driver__user", "vehicle", "coop")
                     .filter(pk=route_id, notified_at__isnull=True).first())
            if route is None or not Stop.objects.filter(route=route).exists():
                continue
            _route_email(route)
            Route.objects.filter(pk=route.pk).update(notified_at=timezone.now())
            drivers += 1
    for stop_id in Stop.objects.filter(run=run, kind=Stop.Kind.DELIVER, route__isnull=False, eta_from__isnull=False,
                                       eta_notified_at__isnull=True).values_list("pk", flat=True):
        with transaction.atomic():
            stop = Stop.objects.select_for_update().filter(pk=stop_id, eta_notified_at__isnull=True).first()
            if stop is None:
                continue
            ids = [entry["id"] for entry in stop.load.get("orders", [])
                   if entry.get("fulfilment") == Order.Fulfilment.DELIVERY]
            for order in Order.objects.filter(pk__in=ids).select_related("customer__user", "coop"):
                _eta_email(order, stop)
                customers += 1
            Stop.objects.filter(pk=stop.pk).update(eta_notified_at=timezone.now())
    return {"drivers": drivers, "customers": customers}
