"""Reads about people and memberships."""

from members.models import Invitation, Membership


def memberships_of_user(user):
    """A person's own memberships in every cooperative ("my coops", /api/v1/me/).

    The one deliberate cross-tenant read: it is always filtered by the person asking, so it can only
    ever show that person's own rows.
    """
    if not user.is_authenticated:
        return Membership.objects.none()
    return (Membership.objects.with_scopes_disabled().filter(user=user, coop__is_active=True, left_at__isnull=True)
            .select_related("coop").order_by("coop__name"))


def membership_list():
    """Members of the active cooperative, with their user, for the members page and API."""
    return Membership.objects.filter(left_at__isnull=True).select_related("user").order_by("user__email")


def invitations_pending():
    from django.utils import timezone

    return Invitation.objects.filter(accepted_at__isnull=True, expires_at__gt=timezone.now())
