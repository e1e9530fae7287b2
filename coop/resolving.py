"""URL resolution remembered per path, for the tenancy middleware and for Django's handler.

Resolving a coop page's path is a walk through every app's URL patterns, about a tenth of a millisecond, and
Django's handler did it a second time after the tenancy middleware (which needs the coop slug before the view
runs). Both now use one resolution per URLconf and path, remembered (LRU of 1024; a path that resolves to
nothing is not kept). ResolverMatch objects are only read, by Django and by us, so one may serve many requests.
"""

from functools import lru_cache

from django.core.handlers.wsgi import WSGIHandler
from django.urls import get_resolver, get_urlconf


@lru_cache(maxsize=1024)
def _resolve(resolver, path: str):
    return resolver.resolve(path)


def resolve(path: str):
    """`django.urls.resolve(path)` for the current URLconf, remembered. Raises Resolver404 as it does."""
    return _resolve(get_resolver(get_urlconf()), path)


class ProjectWSGIHandler(WSGIHandler):
    def resolve_request(self, request):
        if hasattr(request, "urlconf"):  # a middleware chose another URLconf: as Django does it
            return super().resolve_request(request)
        match = resolve(request.path_info)
        request.resolver_match = match
        return match
