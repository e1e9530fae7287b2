"""Rounds: the fleet, drivers, planning runs and their routes, stops and what drivers record at a stop.

A `PlanningRun` is one solve (and its later edits) for one closed cycle. Its `Route`s are one vehicle on one
day; its `Stop`s are the visits, in order, or left unassigned with the engine's reason. A stop's `task_key`
is the id the route engine knows it by ("deliver:pickup:7", "collect:po:12", "collect:po:12:hub"); it is
stable between re-plans of the run, so pins, stop ids on a driver's phone and recorded events survive
re-optimising. Business flows live in logistics/services/planning*.py, never here.
"""

import secrets

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from coop.models import Cooperative, Job
from members.models import Membership, Producer, Weekday
from orders.models import OrderCycle

__all__ = ["DriverProfile", "PlanningRun", "Route", "Stop", "StopEvent", "Vehicle"]


class Vehicle(models.Model):
    """A vehicle of the coop with its capacity, costs, home and the shifts it is available."""

    class Kind(models.TextChoices):
        VAN_COOLED = "van_cooled", _("cooled van")
        VAN = "van", _("van")
        TRUCK_COOLED = "truck_cooled", _("cooled box truck")
        TRUCK = "truck", _("box truck")
        CAR = "car", _("car")
        CARGO_BIKE = "cargo_bike", _("cargo bike")

    class Energy(models.TextChoices):
        DIESEL = "diesel", _("diesel")
        PETROL = "petrol", _("petrol")
        CNG = "cng", _("natural gas")
        ELECTRIC = "electric", _("electric")
        ELECTRIC_ASSIST = "electric_assist", _("electric assist")
        MUSCLE = "muscle", _("pedal power")

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    key = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.VAN)
    energy = models.CharField(_("energy"), max_length=20, choices=Energy.choices, default=Energy.DIESEL)
    capacity_kg = models.DecimalField(_("capacity (kg)"), max_digits=8, decimal_places=1)
    capacity_crates = models.PositiveIntegerField(_("capacity (crates)"))
    capacity_volume_l = models.PositiveIntegerField(_("capacity (litres)"), null=True, blank=True)
    is_cooled = models.BooleanField(_("cooled"), default=False)
    is_lez_compliant = models.BooleanField(_("allowed in low-emission zones"), default=True)
    cost_per_km = models.DecimalField(_("cost per km (EUR)"), max_digits=6, decimal_places=3, default=0)
    cost_per_hour = models.DecimalField(_("cost per hour (EUR)"), max_digits=6, decimal_places=2, default=0)
    fixed_cost_per_day = models.DecimalField(_("fixed cost per day used (EUR)"), max_digits=7, decimal_places=2,
                                             default=0)
    # Home: a hub, or a place of its own (a cargo bike parked at a pickup point in town).
    home_hub = models.ForeignKey("logistics.Hub", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("home hub"))
    home_label = models.CharField(_("home"), max_length=150, blank=True)
    home_latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    home_longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    availability = models.JSONField(_("shifts"), default=list, blank=True,
                                    help_text=_('e.g. [{"day": "fri", "from": "06:00", "to": "14:30"}]'))
    max_duration_hours = models.DecimalField(_("longest shift (hours)"), max_digits=4, decimal_places=1,
                                             null=True, blank=True)
    service_postcodes = ArrayField(models.CharField(max_length=4), default=list, blank=True,
                                   verbose_name=_("only within these postcodes"))
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedManager(coop="coop")

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        ordering = ["key"]
        constraints = [
            models.UniqueConstraint(fields=["coop", "key"], name="vehicle_key_unique_per_coop"),
            models.CheckConstraint(condition=models.Q(capacity_kg__gt=0), name="vehicle_capacity_kg_positive"),
        ]

    def __str__(self):
        return self.name

    def shifts_on(self, day: str) -> list[dict]:
        return [shift for shift in self.availability or [] if shift.get("day") == day]


class DriverProfile(models.Model):
    """A member with the driver role: the days they drive and the vehicle they usually take."""

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    membership = models.OneToOneField(Membership, on_delete=models.CASCADE, related_name="driver_profile")
    days = ArrayField(models.CharField(max_length=3, choices=Weekday.choices), default=list, blank=True,
                      verbose_name=_("drives on"))
    usual_vehicle = models.ForeignKey(Vehicle, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                      verbose_name=_("usual vehicle"))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedManager(coop="coop")

    class Meta:
        verbose_name = _("driver")
        verbose_name_plural = _("drivers")
        constraints = [models.UniqueConstraint(fields=["coop", "membership"], name="one_driver_profile_per_member")]

    def __str__(self):
        return str(self.membership.user)


class PlanningRun(models.Model):
    """One plan for a cycle: draft -> running -> ready -> published -> done (or failed)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        RUNNING = "running", _("planning")
        READY = "ready", _("ready")
        PUBLISHED = "published", _("published")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    class Objective(models.TextChoices):
        COST = "cost", _("lowest cost")
        DISTANCE = "distance", _("fewest km")
        FLEET = "fleet", _("fewest vehicles")

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    cycle = models.ForeignKey(OrderCycle, on_delete=models.PROTECT, related_name="planning_runs")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT,
                              db_index=True)
    objective = models.CharField(_("objective"), max_length=10, choices=Objective.choices, default=Objective.COST)
    time_budget_seconds = models.PositiveSmallIntegerField(_("time budget (s)"), default=30)
    vehicle_ids = models.JSONField(default=list, blank=True, help_text=_("vehicles offered to the solver"))
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Totals of the stored plan (recomputed after every edit).
    total_km = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    total_hours = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    total_cost = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    vehicles_used = models.PositiveSmallIntegerField(default=0)
    unassigned_count = models.PositiveIntegerField(default=0)
    # Every farm driving its own goods to its customers (see services/impact.py).
    baseline_km = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    baseline = models.JSONField(default=dict, blank=True)
    solver_status = models.CharField(max_length=20, blank=True)
    solve_seconds = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    message = models.CharField(max_length=300, blank=True)
    # What the last solve could not keep as pinned and what it did instead: codes and names, worded when shown
    # (services/planning_warnings.py).
    warnings = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey("members.User", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    planned_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey("members.User", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    objects = ScopedManager(coop="coop")

    class Meta:
        verbose_name = _("planning run")
        verbose_name_plural = _("planning runs")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(time_budget_seconds__gte=1, time_budget_seconds__lte=3600),
                                   name="planning_run_budget_range"),
        ]

    def __str__(self):
        return f"{self.cycle} #{self.pk} ({self.status})"

    @property
    def is_visible_to_drivers(self) -> bool:
        return self.published_at is not None and self.status != self.Status.FAILED


class Route(models.Model):
    """One vehicle on one day of a run, with its figures and load profile."""

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    run = models.ForeignKey(PlanningRun, on_delete=models.CASCADE, related_name="routes")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="routes")
    vehicle_key = models.CharField(max_length=40, help_text=_("the engine's vehicle id: v<id>@<day>"))
    day = models.DateField(_("day"))
    driver = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="routes",
                               verbose_name=_("driver"))
    start_at = models.DateTimeField(_("leaves"), null=True, blank=True)
    end_at = models.DateTimeField(_("back"), null=True, blank=True)
    km = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    empty_km = models.DecimalField(_("km without load"), max_digits=8, decimal_places=2, default=0)
    hours = models.DecimalField(max_digits=6, decimal_places=2, default=0)
    cost = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    capacity_kg = models.DecimalField(max_digits=8, decimal_places=1, default=0)
    capacity_crates = models.PositiveIntegerField(default=0)
    peak_kg = models.DecimalField(max_digits=8, decimal_places=1, default=0)
    avg_kg = models.DecimalField(max_digits=8, decimal_places=1, default=0)
    peak_crates = models.DecimalField(max_digits=7, decimal_places=1, default=0)
    avg_crates = models.DecimalField(max_digits=7, decimal_places=1, default=0)
    is_pinned = models.BooleanField(_("pinned"), default=False)
    violations = models.JSONField(default=list, blank=True, help_text=_("problems after a manual change"))
    notified_at = models.DateTimeField(null=True, blank=True, help_text=_("when the driver was told"))

    objects = ScopedManager(coop="coop")

    class Meta:
        verbose_name = _("route")
        verbose_name_plural = _("routes")
        ordering = ["day", "vehicle__key"]
        constraints = [models.UniqueConstraint(fields=["run", "vehicle_key"], name="one_route_per_vehicle_day")]
        indexes = [models.Index(fields=["coop", "driver", "day"], name="route_driver_day")]

    def __str__(self):
        return f"{self.vehicle} {self.day:%a %d/%m}"


class Stop(models.Model):
    """A visit on a route (in `sequence` order), or a task left unassigned with the engine's reason."""

    class Kind(models.TextChoices):
        COLLECT = "collect", _("collect")
        DELIVER = "deliver", _("deliver")
        DEPOT = "depot", _("unload at the hub")

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        ARRIVED = "arrived", _("arrived")
        DONE = "done", _("done")
        PROBLEM = "problem", _("problem")

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    run = models.ForeignKey(PlanningRun, on_delete=models.CASCADE, related_name="stops")
    route = models.ForeignKey(Route, null=True, blank=True, on_delete=models.SET_NULL, related_name="stops")
    task_key = models.CharField(max_length=80)
    shipment_key = models.CharField(max_length=80, blank=True, help_text=_("collection this stop is half of"))
    sequence = models.PositiveSmallIntegerField(null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("place"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    arrival_at = models.DateTimeField(_("arrives"), null=True, blank=True)
    service_start_at = models.DateTimeField(null=True, blank=True)
    eta_from = models.DateTimeField(_("expected from"), null=True, blank=True)
    eta_to = models.DateTimeField(_("expected until"), null=True, blank=True)
    window_from = models.DateTimeField(_("window from"), null=True, blank=True)
    window_until = models.DateTimeField(_("window until"), null=True, blank=True)
    service_minutes = models.DecimalField(max_digits=5, decimal_places=1, default=0)
    kg = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    crates = models.PositiveIntegerField(default=0)
    is_cooled = models.BooleanField(_("cooled goods"), default=False)
    # What to hand over or take: {"orders": [...], "goods": [...], "crates": {"ambient": n, ...},
    # "crates_to_collect": {"veg_crate": n}}; see services/planning_instance.py.
    load = models.JSONField(default=dict, blank=True)
    load_after_kg = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    load_after_crates = models.DecimalField(max_digits=8, decimal_places=1, default=0)
    producer = models.ForeignKey(Producer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    unassigned_reason = models.CharField(_("not planned because"), max_length=300, blank=True)
    is_pinned = models.BooleanField(_("pinned"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    eta_notified_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(coop="coop")

    class Meta:
        verbose_name = _("stop")
        verbose_name_plural = _("stops")
        ordering = ["route_id", "sequence", "task_key"]
        constraints = [
            models.UniqueConstraint(fields=["run", "task_key"], name="one_stop_per_task_in_run"),
            models.CheckConstraint(condition=models.Q(route__isnull=True) | models.Q(sequence__isnull=False),
                                   name="routed_stop_has_sequence"),
        ]
        indexes = [models.Index(fields=["route", "sequence"], name="stop_route_sequence")]

    def __str__(self):
        return f"{self.sequence or '-'}. {self.name}"


def _stop_event_upload(instance, filename):
    """Signatures and photos are served only through a view that checks coop and role (views/stop_proof.py).
    A random folder besides: should the media folder ever be served as it is (DEBUG does; a proxy set up for
    product photos might), the path is not guessable (the client id is the phone's choice, and the API's)."""
    return f"stop-events/{instance.coop_id}/{secrets.token_urlsafe(18)}/{filename}"


class StopEvent(models.Model):
    """What a driver recorded at a stop. `client_id` is made on the phone: sent twice, applied once."""

    class Kind(models.TextChoices):
        ARRIVED = "arrived", _("arrived")
        DONE = "done", _("done")
        PROBLEM = "problem", _("problem")
        PROOF = "proof", _("proof of delivery")

    class Problem(models.TextChoices):
        ABSENT = "absent", _("nobody there")
        REFUSED = "refused", _("refused")
        DAMAGED = "damaged", _("damaged")
        OTHER = "other", _("other")

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    stop = models.ForeignKey(Stop, on_delete=models.CASCADE, related_name="events")
    client_id = models.CharField(max_length=64)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    problem = models.CharField(_("problem"), max_length=10, choices=Problem.choices, blank=True)
    receiver_name = models.CharField(_("received by"), max_length=150, blank=True)
    signature = models.FileField(_("signature"), upload_to=_stop_event_upload, blank=True)
    photo = models.ImageField(_("photo"), upload_to=_stop_event_upload, blank=True)
    crates_returned = models.JSONField(_("crates returned"), default=list, blank=True,
                                       help_text=_('[{"item": "veg_crate", "quantity": 3, "order": 12}]'))
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), help_text=_("time on the phone"))
    received_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey("members.User", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    objects = ScopedManager(coop="coop")

    class Meta:
        verbose_name = _("stop event")
        verbose_name_plural = _("stop events")
        ordering = ["recorded_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["coop", "client_id"], name="stop_event_client_id_once")]

    def __str__(self):
        return f"{self.kind} @ {self.stop}"
