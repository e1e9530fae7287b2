"""Each path is resolved once (coop/resolving.py): the tenancy middleware's resolution is the one Django's
handler uses for the view, and it is remembered for the next request."""

import io
import sys

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import URLResolver, get_resolver

from coop import resolving
from coop.resolving import ProjectWSGIHandler


@pytest.fixture
def root_resolutions(monkeypatch):
    """How often the root URLconf was walked."""
    calls = []
    real = URLResolver.resolve

    def spy(self, path):
        if self is get_resolver():
            calls.append(path)
        return real(self, path)

    monkeypatch.setattr(URLResolver, "resolve", spy)
    resolving._resolve.cache_clear()
    yield calls
    resolving._resolve.cache_clear()


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """As Django's test client does: a request's end must not close the test's database connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def call(path: str) -> tuple[str, bytes]:
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "testserver",
               "SERVER_PORT": "80", "HTTP_HOST": "testserver", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(),
               "wsgi.errors": sys.stderr, "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_COOKIE": "django_language=en"}
    status = []
    body = ProjectWSGIHandler()(environ, lambda s, headers, *exc: status.append(s))
    try:
        return status[0], b"".join(body)
    finally:
        body.close()


def test_a_coop_page_is_resolved_once_then_remembered(world_a, root_resolutions):
    path = f"/{world_a.coop.slug}/shop/"
    status, page = call(path)
    assert status.startswith("200") and b"<html" in page
    assert root_resolutions == [path]  # the middleware's walk, used by Django's handler for the view too
    status, _page = call(path)
    assert status.startswith("200") and root_resolutions == [path]


def test_an_unknown_path_is_answered_and_not_remembered(db, root_resolutions):
    assert call("/nergens/te/vinden/")[0].startswith("404")
    assert call("/nergens/te/vinden/")[0].startswith("404")
    assert resolving._resolve.cache_info().currsize == 0


def test_the_deployed_application_is_the_resolving_handler():
    from coop.wsgi import application

    assert isinstance(application, ProjectWSGIHandler)
