"""Writes about people and memberships: invitations, roles, removal."""

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from members.models import Invitation, Membership, Role, User

INVITATION_VALID_FOR = timedelta(days=14)


def _clean_roles(roles) -> list[str]:
    known = {r.value for r in Role}
    roles = sorted(set(roles))
    unknown = [r for r in roles if r not in known]
    if unknown:
        raise ValidationError(_("Unknown role(s): %(roles)s") % {"roles": ", ".join(unknown)})
    if not roles:
        raise ValidationError(_("Choose at least one role."))
    return roles


def invitation_create(*, coop, email: str, roles, invited_by) -> Invitation:
    """Invite `email` with `roles`; the e-mail with the accept link is sent after commit."""
    roles = _clean_roles(roles)
    email = email.strip().lower()
    if Membership.objects.filter(user__email__iexact=email).exists():
        raise ValidationError(_("%(email)s is already a member of this cooperative.") % {"email": email})
    with transaction.atomic():
        invitation = Invitation.objects.create(
            coop=coop, email=email, roles=roles, invited_by=invited_by,
            expires_at=timezone.now() + INVITATION_VALID_FOR,
        )
        transaction.on_commit(lambda: invitation_send(invitation=invitation))
    return invitation


def invitation_accept_url(invitation: Invitation) -> str:
    path = reverse("invitation_accept", kwargs={"coop_slug": invitation.coop.slug, "token": invitation.token})
    return settings.SITE_URL.rstrip("/") + path


def invitation_send(*, invitation: Invitation) -> None:
    with translation.override(invitation.coop.default_language):
        context = {"invitation": invitation, "coop": invitation.coop, "url": invitation_accept_url(invitation)}
        subject = _("Invitation to join %(coop)s") % {"coop": invitation.coop.name}
        body = render_to_string("members/email/invitation.txt", context)
    send_mail(subject, body, None, [invitation.email])


def invitation_is_open(invitation: Invitation) -> bool:
    return invitation.accepted_at is None and invitation.expires_at > timezone.now()


def invitation_accept(*, invitation_id: int, user: User) -> Membership:
    """Join the cooperative with the invited roles (merged into an existing membership)."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation_id)
        if not invitation_is_open(invitation):
            raise ValidationError(_("This invitation has expired or was already used."))
        if invitation.email.lower() != user.email.lower():
            raise ValidationError(
                _("This invitation is for %(email)s; log in with that address to accept it.")
                % {"email": invitation.email}
            )
        membership, _created = Membership.objects.select_for_update().get_or_create(
            coop=invitation.coop, user=user, defaults={"roles": invitation.roles}
        )
        if not _created:
            membership.roles = sorted(set(membership.roles) | set(invitation.roles))
            membership.save(update_fields=["roles"])
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        # The link arrived at this address, which proves the person owns it.
        EmailAddress.objects.update_or_create(
            user=user, email__iexact=user.email,
            defaults={"email": user.email, "verified": True, "primary": True},
        )
    return membership


def user_create_for_invitation(*, invitation: Invitation, password: str, first_name: str = "",
                               last_name: str = "") -> User:
    """A new account for a person who follows an invitation link and has none yet."""
    try:
        with transaction.atomic():
            return User.objects.create_user(email=invitation.email, password=password,
                                            first_name=first_name, last_name=last_name,
                                            language=invitation.coop.default_language)
    except IntegrityError as exc:
        raise ValidationError(_("An account with this e-mail address already exists; log in instead.")) from exc


def _ensure_an_admin_remains(*, coop, changing: Membership, new_roles: list[str]) -> None:
    if Role.ADMIN in changing.roles and Role.ADMIN not in new_roles:
        others = Membership.objects.select_for_update().filter(roles__contains=[Role.ADMIN]).exclude(
            pk=changing.pk
        )
        if not others.exists():
            raise ValidationError(_("A cooperative needs at least one administrator."))


def membership_set_roles(*, membership_id: int, roles, changed_by) -> Membership:
    roles = _clean_roles(roles)
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership_id)
        _ensure_an_admin_remains(coop=membership.coop, changing=membership, new_roles=roles)
        if Role.ADMIN in roles and Role.ADMIN not in membership.roles and not changed_by.has_role(Role.ADMIN):
            raise ValidationError(_("Only an administrator can make someone an administrator."))
        membership.roles = roles
        membership.save(update_fields=["roles"])
    return membership


def membership_remove(*, membership_id: int, removed_by) -> None:
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership_id)
        _ensure_an_admin_remains(coop=membership.coop, changing=membership, new_roles=[])
        membership.delete()
