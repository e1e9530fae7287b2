"""Coop administration of members, and accepting an invitation (thin: the work is in services)."""

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from coop.tenancy.access import coop_public, require_roles
from members import selectors, services
from members.forms import InvitationForm, InvitationSignupForm, MembershipRolesForm
from members.models import MANAGER_ROLES, Invitation, User


def _form_error(form, exc: ValidationError):
    for message in exc.messages:
        form.add_error(None, message)


@require_roles(*MANAGER_ROLES)
@require_http_methods(["GET", "POST"])
def member_list(request, coop_slug):
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                coop=request.coop, email=form.cleaned_data["email"], roles=form.cleaned_data["roles"],
                invited_by=request.user,
            )
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return redirect("member_list", coop_slug=coop_slug)
    context = {
        "memberships": selectors.membership_list(),
        "invitations": selectors.invitations_pending().select_related("invited_by"),
        "form": form,
    }
    return render(request, "members/member_list.html", context, status=400 if form.errors else 200)


@require_roles(*MANAGER_ROLES)
@require_http_methods(["GET", "POST"])
def member_edit(request, coop_slug, member_id):
    membership = get_object_or_404(selectors.membership_list(), pk=member_id)
    form = MembershipRolesForm(request.POST or None, initial={"roles": membership.roles})
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_set_roles(membership_id=membership.pk, roles=form.cleaned_data["roles"],
                                          changed_by=request.membership)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Roles of %(person)s saved.") % {"person": membership.user})
            return redirect("member_list", coop_slug=coop_slug)
    return render(request, "members/member_edit.html", {"membership": membership, "form": form},
                  status=400 if form.errors else 200)


@require_roles(*MANAGER_ROLES)
@require_POST
def member_remove(request, coop_slug, member_id):
    membership = get_object_or_404(selectors.membership_list(), pk=member_id)
    try:
        services.membership_remove(membership_id=membership.pk, removed_by=request.membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(person)s is no longer a member.") % {"person": membership.user})
    return redirect("member_list", coop_slug=coop_slug)


@coop_public
@require_http_methods(["GET", "POST"])
def invitation_accept(request, coop_slug, token):
    """Works for everyone with the link: logged in (accept), known address (log in), new (sign up)."""
    invitation = Invitation.objects.filter(token=token).first()
    if invitation is None:
        raise Http404(_("Not found."))
    context = {"invitation": invitation, "is_open": services.invitation_is_open(invitation)}
    if not context["is_open"]:
        return render(request, "members/invitation_accept.html", context, status=410)

    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                services.invitation_accept(invitation_id=invitation.pk, user=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("Welcome to %(coop)s!") % {"coop": request.coop.name})
                return redirect("coop_home", coop_slug=coop_slug)
        return render(request, "members/invitation_accept.html", context)

    has_account = User.objects.filter(email__iexact=invitation.email).exists()
    form = InvitationSignupForm(request.POST or None) if not has_account else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            user = services.user_create_for_invitation(
                invitation=invitation, password=form.cleaned_data["password1"],
                first_name=form.cleaned_data["first_name"], last_name=form.cleaned_data["last_name"],
            )
            services.invitation_accept(invitation_id=invitation.pk, user=user)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            login(request, user, backend="members.auth_backends.ModelBackend")
            messages.success(request, _("Welcome to %(coop)s!") % {"coop": request.coop.name})
            return redirect("coop_home", coop_slug=coop_slug)
    context.update(has_account=has_account, form=form)
    return render(request, "members/invitation_accept.html", context, status=400 if form and form.errors else 200)
