"""Who may see a cooperative, and the one helper for role checks on pages and in the API."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission

from coop.models import Cooperative
from members import request_cache
from members.models import Membership


def coop_public(view):
    """Mark a page as visible to anyone who knows the cooperative (its home, the shop front)."""
    view.coop_public = True
    return view


def is_public_view(view) -> bool:
    # Class-based views expose their class via .view_class; functions carry the attribute directly.
    target = getattr(view, "view_class", view)
    return bool(getattr(target, "coop_public", False) or getattr(view, "coop_public", False))


def _authenticate_token(request):
    """The API accepts tokens; the middleware runs before DRF, so it authenticates them itself."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header.startswith("Token "):
        return None
    try:
        user, _token = TokenAuthentication().authenticate_credentials(header.split(" ", 1)[1].strip())
    except AuthenticationFailed:
        return None
    return user


def _load_access(user_id, coop_slug: str):
    """(membership or None, coop or None): a member's request (most of them) reads both in one query."""
    membership = coop = None
    if user_id is not None:
        membership = (Membership.objects.with_scopes_disabled().select_related("coop")
                      .filter(user_id=user_id, left_at__isnull=True, coop__slug=coop_slug, coop__is_active=True)
                      .order_by().first())
        coop = membership.coop if membership is not None else None
    if coop is None:
        coop = Cooperative.objects.filter(slug=coop_slug, is_active=True).first()
    return membership, coop


def load_coop_for_request(request, coop_slug: str, *, view, is_api: bool):
    """Set request.coop/request.membership, or raise Http404 — the same for unknown and forbidden.

    Anonymous visitors of a non-public page get the login page (or a 401 in the API) whether the
    cooperative exists or not, so nothing about its existence leaks.
    """
    user = request.user
    if is_api and not user.is_authenticated:
        token_user = _authenticate_token(request)
        if token_user is not None:
            user = request.user = token_user
    public = is_public_view(view)
    if not user.is_authenticated and not public:
        if is_api:
            return JsonResponse({"detail": _("Authentication credentials were not provided.")}, status=401)
        return redirect_to_login(request.get_full_path())

    user_id = user.pk if user.is_authenticated else None
    membership, coop = request_cache.coop_access(user_id, coop_slug, lambda: _load_access(user_id, coop_slug))
    if coop is None:
        raise Http404(_("Not found."))
    if membership is None and not public:
        raise Http404(_("Not found."))
    request.coop = coop
    request.membership = membership
    return None


def has_coop_role(request, *roles: str) -> bool:
    """The single question every page and API view asks: does this member have one of these roles?"""
    membership = getattr(request, "membership", None)
    return membership is not None and membership.has_role(*roles)


def require_roles(*roles: str):
    """Page decorator: members without one of `roles` get the same 404 as non-members."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not has_coop_role(request, *roles):
                raise Http404(_("Not found."))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


class HasCoopRole(BasePermission):
    """API permission: the view's `required_roles` (any of them); without it, any member may read."""

    message = _("You do not have the role needed for this.")

    def has_permission(self, request, view):
        membership = getattr(request._request, "membership", None)
        if membership is None:
            return False
        required = getattr(view, "required_roles", ())
        return not required or membership.has_role(*required)


def api_not_found():
    return JsonResponse({"detail": _("Not found.")}, status=404)
