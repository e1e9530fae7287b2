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


def invitation_create(*, coop, email: str, roles, invited_by, business_account=None) -> Invitation:
    """Invite `email` with `roles` (for `business_account`, when given); the e-mail with the accept link
    is sent after commit."""
    roles = _clean_roles(roles)
    email = email.strip().lower()
    if Membership.objects.filter(user__email__iexact=email, left_at__isnull=True).exists():
        raise ValidationError(_("%(email)s is already a member of this cooperative.") % {"email": email})
    with transaction.atomic():
        invitation = Invitation.objects.create(
            coop=coop, email=email, roles=roles, invited_by=invited_by, business_account=business_account,
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
            kept = membership.roles if membership.left_at is None else []  # a returning member starts afresh
            membership.roles = sorted(set(kept) | set(invitation.roles))
            membership.left_at = None
            membership.save(update_fields=["roles", "left_at"])
        if invitation.business_account_id and membership.business_account_id != invitation.business_account_id:
            membership.business_account_id = invitation.business_account_id  # buys for that account from now on
            membership.save(update_fields=["business_account"])
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
        others = (Membership.objects.select_for_update()
                  .filter(roles__contains=[Role.ADMIN], left_at__isnull=True).exclude(pk=changing.pk))
        if not others.exists():
            raise ValidationError(_("A cooperative needs at least one administrator."))


def membership_set_roles(*, membership_id: int, roles, changed_by) -> Membership:
    roles = _clean_roles(roles)
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership_id, left_at__isnull=True)
        _ensure_an_admin_remains(coop=membership.coop, changing=membership, new_roles=roles)
        if Role.ADMIN in roles and Role.ADMIN not in membership.roles and not changed_by.has_role(Role.ADMIN):
            raise ValidationError(_("Only an administrator can make someone an administrator."))
        membership.roles = roles
        membership.save(update_fields=["roles"])
    return membership


def membership_remove(*, membership_id: int, removed_by) -> None:
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership_id, left_at__isnull=True)
        _ensure_an_admin_remains(coop=membership.coop, changing=membership, new_roles=[])
        membership.roles = []
        membership.left_at = timezone.now()
        membership.save(update_fields=["roles", "left_at"])


# --- producer profiles ------------------------------------------------------------------------------

PRODUCER_FIELDS = {
    "farm_name", "description", "street", "postcode", "city", "latitude", "longitude", "enterprise_number",
    "vat_status", "iban", "organic_control_body", "organic_certificate_valid_until", "contact_name",
    "contact_phone", "contact_email", "delivery_mode", "delivery_days", "delivery_earliest", "delivery_latest",
    "service_minutes", "photo",
}
# EU organic control body codes look like BE-BIO-01 (Certisys) or NL-BIO-01.
ORGANIC_BODY_PATTERN = r"^[A-Z]{2}-BIO-\d{2,3}$"


def _producer_normalise(data: dict) -> dict:
    """Validate and normalise identifiers; errors per field."""
    import re

    from coop.validators import (
        compact_iban,
        format_enterprise_number,
        validate_enterprise_number,
        validate_iban,
    )

    errors: dict[str, list] = {}
    if data.get("enterprise_number"):
        try:
            validate_enterprise_number(data["enterprise_number"])
            data["enterprise_number"] = format_enterprise_number(data["enterprise_number"])
        except ValidationError as exc:
            errors["enterprise_number"] = exc.messages
    if data.get("iban"):
        try:
            validate_iban(data["iban"])
            data["iban"] = compact_iban(data["iban"])
        except ValidationError as exc:
            errors["iban"] = exc.messages
    if data.get("organic_control_body"):
        data["organic_control_body"] = data["organic_control_body"].strip().upper()
        if not re.match(ORGANIC_BODY_PATTERN, data["organic_control_body"]):
            errors["organic_control_body"] = [_("A control body code looks like BE-BIO-01.")]
    if errors:
        raise ValidationError(errors)
    return data


def _producer_locate(producer, *, located_before: tuple, given: bool) -> None:
    """Coordinates from the postcode when none were given, or when the address moved but the old
    coordinates were left as they were."""
    from coop.geo import postcode_location

    moved = (producer.postcode, producer.city.strip().lower()) != located_before[:2]
    stale = (producer.latitude, producer.longitude) == located_before[2:]
    if given and not (moved and stale):
        return
    point = postcode_location(producer.postcode, producer.city)
    if point is None:
        raise ValidationError({"postcode": _("This postcode is unknown: fill in the coordinates.")})
    producer.latitude, producer.longitude = point


def producer_update(*, producer, data: dict, changed_by=None):
    """Update a farm's profile from field data: identifiers validated and normalised, coordinates
    filled from the postcode when not given, a photo replaced (`photo`: a file) or removed (`False`)."""
    data = dict(data)
    unknown = set(data) - PRODUCER_FIELDS
    if unknown:
        raise ValidationError(_("Unknown producer field(s): %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    photo = data.pop("photo", None)
    data = _producer_normalise(data)
    with transaction.atomic():
        producer = type(producer).objects.select_for_update().get(pk=producer.pk)
        located_before = (producer.postcode, producer.city.strip().lower(), producer.latitude, producer.longitude)
        for field, value in data.items():
            setattr(producer, field, value)
        given = producer.latitude is not None and producer.longitude is not None
        _producer_locate(producer, located_before=located_before, given=given)
        errors = {}
        if producer.organic_certificate_valid_until and not producer.organic_control_body:
            errors["organic_control_body"] = [_("A certificate needs the code of its control body.")]
        if (producer.delivery_earliest and producer.delivery_latest
                and producer.delivery_earliest >= producer.delivery_latest):
            errors["delivery_latest"] = [_("The latest time must be after the earliest time.")]
        if errors:
            raise ValidationError(errors)
        if photo is False:
            producer.photo = ""
        elif photo:
            producer.photo.save(f"{producer.coop.slug}-{producer.key}{_suffix(photo.name)}", photo, save=False)
        producer.full_clean(exclude=["coop", "membership", "key"], validate_constraints=False)
        producer.save()
    return producer


def _suffix(name: str) -> str:
    from pathlib import Path

    suffix = Path(name or "").suffix.lower()
    return suffix if suffix in {".jpg", ".jpeg", ".png", ".webp", ".gif"} else ".jpg"
