"""The portal's entry: a producer goes to their own products, a fixer/admin picks a producer; the profile."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from coop.tenancy.access import has_coop_role, require_roles
from members import services as member_services
from members.forms import PRODUCER_FORM_FIELDS, ProducerProfileForm
from members.models import MANAGER_ROLES

from . import selectors
from .access import acting_for_other, own_producer, portal_page, portal_producer


@portal_page
@require_GET
def portal_home(request, coop_slug):
    producer = own_producer(request)
    if has_coop_role(request, *MANAGER_ROLES):
        return redirect("portal_producer_list", coop_slug=coop_slug)
    if producer is None:
        return render(request, "catalog/portal/no_profile.html")
    return redirect("portal_product_list", coop_slug=coop_slug, producer_id=producer.pk)


@require_roles(*MANAGER_ROLES)
@require_GET
def producer_list(request, coop_slug):
    return render(request, "catalog/portal/producer_list.html",
                  {"producers": selectors.portal_producers(), "own": own_producer(request)})


@portal_page
@require_http_methods(["GET", "POST"])
def producer_profile(request, coop_slug, producer_id):
    producer = portal_producer(request, producer_id)
    bound = request.method == "POST"
    initial = {name: getattr(producer, name) for name in PRODUCER_FORM_FIELDS}
    form = ProducerProfileForm(request.POST if bound else None, request.FILES if bound else None, initial=initial)
    if bound and form.is_valid():
        try:
            member_services.producer_update(producer=producer, data=form.service_data(), changed_by=request.user)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("The profile of %(farm)s is saved.") % {"farm": producer.farm_name})
            return redirect("portal_profile", coop_slug=coop_slug, producer_id=producer.pk)
    return render(request, "catalog/portal/profile.html",
                  {"producer": producer, "form": form, "acting_for_other": acting_for_other(request, producer)},
                  status=400 if form.errors else 200)
