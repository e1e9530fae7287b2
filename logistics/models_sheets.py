"""Route sheets: the PDF of one route for drivers who prefer paper (rendered in the `documents` queue).

Kept apart from `Route` because the planner saves whole routes (`route.save()`): a sheet written by a worker at
the same moment would be overwritten. `fingerprint` is a hash of what the sheet shows; when the route changes
(re-planned, a stop moved) the stored sheet no longer matches and is rendered again on the next request.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from coop.models import Cooperative

from .models_planning import Route

__all__ = ["RouteSheet"]


class RouteSheet(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("being made")
        READY = "ready", _("ready")
        FAILED = "failed", _("failed")

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    route = models.OneToOneField(Route, on_delete=models.CASCADE, related_name="sheet")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    language = models.CharField(max_length=5, default="nl")
    fingerprint = models.CharField(max_length=64, blank=True, help_text=_("hash of the route as rendered"))
    file = models.FileField(upload_to="route-sheets/%Y/%m/", blank=True)
    error = models.CharField(max_length=300, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    generated_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(coop="coop")

    class Meta:
        verbose_name = _("route sheet")
        verbose_name_plural = _("route sheets")

    def __str__(self):
        return f"{self.route} ({self.status})"
