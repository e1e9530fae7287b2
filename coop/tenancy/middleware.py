"""Resolves `/<coop_slug>/...` and `/api/v1/<coop_slug>/...`, checks membership, enters the scope."""

from django.http import Http404, JsonResponse
from django.urls import Resolver404
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from coop.resolving import resolve
from members import request_cache

from .access import load_coop_for_request


class CooperativeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.coop = None
        request.membership = None
        try:
            match = resolve(request.path_info)  # remembered, and used by Django's handler too
        except Resolver404:
            return self.get_response(request)
        coop_slug = match.kwargs.get("coop_slug")
        if coop_slug is None:
            # Outside a cooperative: no scope, so tenant-owned queries raise (except for superusers'
            # Django admin, which deliberately sees every cooperative).
            if request.path_info.startswith("/admin/") and getattr(request.user, "is_superuser", False):
                with scopes_disabled():
                    return self.get_response(request)
            return self.get_response(request)

        is_api = request.path_info.startswith("/api/")
        try:
            with request_cache.read_ahead(request, coop_slug):  # the user and their access: one cache round trip
                outcome = load_coop_for_request(request, coop_slug, view=match.func, is_api=is_api)
        except Http404:
            if is_api:
                return JsonResponse({"detail": _("Not found.")}, status=404)
            raise
        if outcome is not None:  # a login redirect or a 401 for an anonymous visitor
            return outcome
        with scope(coop=request.coop):
            return self.get_response(request)
