"""Schedules, pickup points and delivery zones for fixers and admins: list with a create form, edit, remove."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from orders.forms_manage import DeliveryZoneForm, PickupPointForm, ScheduleForm
from orders.models import CycleSchedule, DeliveryZone, PickupPoint
from orders.services import places
from orders.services.cycles import cycle_generate

from . import selectors
from .access import manager_page
from .common import add_errors, render_form_page


def _save_form(request, form, save, success: str):
    """Validate, call the service, and say so; returns the saved object or None (errors on the form)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        saved = save(form.cleaned_data)
    except ValidationError as exc:
        add_errors(form, exc)
        return None
    messages.success(request, success % {"name": str(saved)})
    return saved


# --- schedules ------------------------------------------------------------------------------------------

@manager_page
@require_http_methods(["GET", "POST"])
def schedule_list(request, coop_slug):
    form = ScheduleForm(request.POST or None)
    if _save_form(request, form, lambda data: places.schedule_save(coop=request.coop, data=data),
                  _("Schedule %(name)s saved.")):
        return redirect("manage_schedule_list", coop_slug=coop_slug)
    schedules = CycleSchedule.objects.order_by("-is_active", "name", "pk")
    return render_form_page(request, "orders/manage/schedule_list.html", {"schedules": schedules, "form": form})


@manager_page
@require_http_methods(["GET", "POST"])
def schedule_edit(request, coop_slug, cycle_schedule_id):
    schedule = get_object_or_404(CycleSchedule, pk=cycle_schedule_id)
    form = ScheduleForm(request.POST or None, instance=schedule)
    if _save_form(request, form, lambda data: places.schedule_save(coop=request.coop, schedule=schedule,
                                                                     data=data), _("Schedule %(name)s saved.")):
        return redirect("manage_schedule_list", coop_slug=coop_slug)
    return render_form_page(request, "orders/manage/object_form.html", {
        "form": form, "object": schedule, "title": _("Schedule"), "back": "manage_schedule_list"})


@manager_page
@require_POST
def schedule_generate(request, coop_slug, cycle_schedule_id):
    """Create the schedule's coming cycles now instead of waiting for the next scan (adds nothing twice)."""
    schedule = get_object_or_404(CycleSchedule, pk=cycle_schedule_id)
    created = cycle_generate(schedule=schedule)
    if created:
        messages.success(request, _("%(count)s new cycle(s): %(names)s.")
                         % {"count": len(created), "names": ", ".join(c.name for c in created)})
    else:
        messages.info(request, _("The coming cycles of this schedule exist already."))
    return redirect("manage_schedule_list", coop_slug=coop_slug)


# --- pickup points --------------------------------------------------------------------------------------

@manager_page
@require_http_methods(["GET", "POST"])
def pickup_point_list(request, coop_slug):
    form = PickupPointForm(request.POST or None, initial={"is_active": True})
    if _save_form(request, form, lambda data: places.pickup_point_save(coop=request.coop, data=data),
                  _("Pickup point %(name)s saved.")):
        return redirect("manage_pickup_point_list", coop_slug=coop_slug)
    return render_form_page(request, "orders/manage/pickup_point_list.html",
                            {"points": selectors.pickup_points_all(), "form": form})


@manager_page
@require_http_methods(["GET", "POST"])
def pickup_point_edit(request, coop_slug, pickup_point_id):
    point = get_object_or_404(PickupPoint, pk=pickup_point_id)
    form = PickupPointForm(request.POST or None, instance=point)
    if _save_form(request, form, lambda data: places.pickup_point_save(coop=request.coop, point=point,
                                                                         data=data), _("Pickup point %(name)s saved.")):
        return redirect("manage_pickup_point_list", coop_slug=coop_slug)
    return render_form_page(request, "orders/manage/object_form.html", {
        "form": form, "object": point, "title": _("Pickup point"), "back": "manage_pickup_point_list",
        "remove_url": reverse("manage_pickup_point_remove", kwargs={"coop_slug": coop_slug,
                                                                     "pickup_point_id": point.pk})})


@manager_page
@require_POST
def pickup_point_remove(request, coop_slug, pickup_point_id):
    point = get_object_or_404(PickupPoint, pk=pickup_point_id)
    if places.pickup_point_remove(point_id=point.pk):
        messages.success(request, _("Pickup point %(name)s deleted.") % {"name": point.name})
    else:
        messages.info(request, _("%(name)s has served orders, so it is kept but no longer active.")
                      % {"name": point.name})
    return redirect("manage_pickup_point_list", coop_slug=coop_slug)


# --- delivery zones -------------------------------------------------------------------------------------

@manager_page
@require_http_methods(["GET", "POST"])
def delivery_zone_list(request, coop_slug):
    form = DeliveryZoneForm(request.POST or None, initial={"is_active": True, "delivery_weekday": "fri"})
    if _save_form(request, form, lambda data: places.delivery_zone_save(coop=request.coop, data=data),
                  _("Delivery zone %(name)s saved.")):
        return redirect("manage_delivery_zone_list", coop_slug=coop_slug)
    zones = DeliveryZone.objects.order_by("-is_active", "name", "pk")
    return render_form_page(request, "orders/manage/delivery_zone_list.html", {"zones": zones, "form": form})


@manager_page
@require_http_methods(["GET", "POST"])
def delivery_zone_edit(request, coop_slug, delivery_zone_id):
    zone = get_object_or_404(DeliveryZone, pk=delivery_zone_id)
    form = DeliveryZoneForm(request.POST or None, instance=zone)
    if _save_form(request, form, lambda data: places.delivery_zone_save(coop=request.coop, zone=zone, data=data),
                  _("Delivery zone %(name)s saved.")):
        return redirect("manage_delivery_zone_list", coop_slug=coop_slug)
    return render_form_page(request, "orders/manage/object_form.html", {
        "form": form, "object": zone, "title": _("Delivery zone"), "back": "manage_delivery_zone_list",
        "remove_url": reverse("manage_delivery_zone_remove", kwargs={"coop_slug": coop_slug,
                                                                      "delivery_zone_id": zone.pk})})


@manager_page
@require_POST
def delivery_zone_remove(request, coop_slug, delivery_zone_id):
    zone = get_object_or_404(DeliveryZone, pk=delivery_zone_id)
    if places.delivery_zone_remove(zone_id=zone.pk):
        messages.success(request, _("Delivery zone %(name)s deleted.") % {"name": zone.name})
    else:
        messages.info(request, _("%(name)s has orders, so it is kept but no longer active.") % {"name": zone.name})
    return redirect("manage_delivery_zone_list", coop_slug=coop_slug)
