"""Platform pages: the list of cooperatives, a cooperative's home, job progress."""

from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from coop.models import Cooperative, Job
from coop.services import job_launch
from coop.tasks import worker_check
from coop.tenancy.access import coop_public, require_roles
from members.models import MANAGER_ROLES, Role
from members.selectors import memberships_of_user


def home(request):
    my_memberships = list(memberships_of_user(request.user))
    coops = Cooperative.objects.filter(is_active=True, is_listed=True)
    return render(request, "coop/home.html", {"coops": coops, "my_memberships": my_memberships})


@coop_public
def coop_home(request, coop_slug):
    context = {"roles": Role}
    if request.membership and request.membership.is_manager:
        from members.models import Membership

        counts = Membership.objects.values_list("roles", flat=True)
        per_role = {r.value: 0 for r in Role}
        for roles in counts:
            for r in roles:
                per_role[r] = per_role.get(r, 0) + 1
        context["member_counts"] = [(label, per_role.get(value, 0)) for value, label in Role.choices]
        context["recent_jobs"] = Job.objects.all()[:5]
    return render(request, "coop/coop_home.html", context)


@require_roles(*MANAGER_ROLES)
@require_POST
def worker_check_start(request, coop_slug):
    job = job_launch(coop=request.coop, kind="worker_check", task=worker_check, created_by=request.user)
    return redirect("job_detail", coop_slug=coop_slug, job_id=job.pk)


def _visible_job(request, job_id):
    jobs = Job.objects.all()
    if not request.membership.is_manager:
        jobs = jobs.filter(created_by=request.user)
    return get_object_or_404(jobs, pk=job_id)


def job_detail(request, coop_slug, job_id):
    return render(request, "coop/job_detail.html", {"job": _visible_job(request, job_id)})


def job_progress(request, coop_slug, job_id):
    """htmx fragment: polls itself every second until the job is finished."""
    return render(request, "coop/_job_progress.html", {"job": _visible_job(request, job_id)})




def healthz(request):
    """For load balancers and the container healthcheck: the process answers and reaches the database."""
    from django.db import connection
    from django.http import JsonResponse

    try:
        connection.ensure_connection()
    except Exception:  # any failure means unhealthy
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})
