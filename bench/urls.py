"""The project's URLs plus /bench/trivial/, the baseline bench/web.py compares a page against (bench only)."""

from django.http import HttpResponse
from django.urls import include, path


def trivial(request):
    """As little as Django can do: the same middleware as every page, then a fixed tiny response."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("bench/trivial/", trivial, name="bench_trivial"),
    path("", include("coop.urls")),
]
