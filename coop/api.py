"""Shared API building blocks: JSON errors with a `detail`, the tenant base view, the Job endpoint."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.generics import RetrieveAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import exception_handler as drf_exception_handler

from coop.models import Job
from coop.tenancy.access import HasCoopRole
from members.models import MANAGER_ROLES


def exception_handler(exc, context):
    """Every API error is JSON with a human-readable `detail` (field errors stay as DRF gives them)."""
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" not in response.data:
        response.data = {"detail": str(_("The request is not valid.")), "errors": response.data}
    elif response is not None and isinstance(response.data, list):
        response.data = {"detail": " ".join(str(e) for e in response.data)}
    return response


class CoopAPIMixin:
    """Base for every view under /api/v1/<coop_slug>/: the middleware has entered the scope."""

    permission_classes = [IsAuthenticated, HasCoopRole]
    required_roles: tuple = ()


class JobSerializer(serializers.ModelSerializer):
    class Meta:
        model = Job
        fields = ["id", "kind", "status", "progress", "message", "result", "created_at", "started_at",
                  "finished_at"]
        read_only_fields = fields


class JobDetailAPI(CoopAPIMixin, RetrieveAPIView):
    """Progress of a long task of this cooperative (managers, or the person who started it)."""

    serializer_class = JobSerializer
    lookup_url_kwarg = "job_id"

    def get_queryset(self):
        jobs = Job.objects.all()
        if not self.request._request.membership.has_role(*MANAGER_ROLES):
            jobs = jobs.filter(created_by=self.request.user)
        return jobs
