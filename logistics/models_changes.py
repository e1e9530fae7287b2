"""A driver's day of a published plan that the fixer changed after publishing (services/route_changes.py).

One row per run, driver and day, kept when the route itself is deleted (its last stop moved away), so the driver
can still be told it was cancelled. `revision` counts the changes; the e-mail task sends only for the newest
revision and only once (`mailed_revision`); the note on the driver's page shows until the driver marks the newest
revision seen (`seen_revision`). `told` is what the driver was last given (at publishing, in the last notice or
when they marked the note seen): the routes of that day with their stops, to say what is new and what is gone.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from coop.models import Cooperative
from members.models import Membership

from .models_planning import PlanningRun

__all__ = ["RouteChange"]


class RouteChange(models.Model):
    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    run = models.ForeignKey(PlanningRun, on_delete=models.CASCADE, related_name="route_changes")
    driver = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+", verbose_name=_("driver"))
    day = models.DateField(_("day"))
    told = models.JSONField(default=list, blank=True, help_text=_("the routes of that day as the driver knows them"))
    revision = models.PositiveIntegerField(default=0)
    mailed_revision = models.PositiveIntegerField(default=0)
    seen_revision = models.PositiveIntegerField(default=0)
    changed_at = models.DateTimeField(_("changed at"))
    mailed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(coop="coop")

    class Meta:
        verbose_name = _("route change")
        verbose_name_plural = _("route changes")
        constraints = [models.UniqueConstraint(fields=["run", "driver", "day"], name="one_route_change_per_driver_day")]
        indexes = [models.Index(fields=["coop", "driver", "day"], name="route_change_driver_day")]

    def __str__(self):
        return f"{self.driver} {self.day:%a %d/%m} r{self.revision}"

    @property
    def is_unseen(self) -> bool:
        return self.seen_revision < self.revision
