"""The generic cross-tenant probe (DESIGN.md section 3).

For every URL pattern under a cooperative (pages and API, framework-generated ones included), a member of
coop A with every role tries coop B: B's address, and A's address aimed at B's objects. Nothing of B may
come back. New views are covered automatically; a URL keyword the probe cannot fill fails the test.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from coop.tenancy.access import is_public_view
from tests.conftest import make_world
from tests.worlds import URL_KWARG_FILLERS


@pytest.fixture(scope="module")
def probe_worlds(django_db_setup, django_db_blocker):
    """Two full worlds built once for the whole probe: each test runs in a transaction that is rolled back,
    so what one request changes never reaches the next. (Building them per test took minutes.)"""
    with django_db_blocker.unblock():
        return make_world("probe-a", "Probe Alfa"), make_world("probe-b", "Probe Bravo")


@pytest.fixture
def world_a(db, probe_worlds):
    return probe_worlds[0]


@pytest.fixture
def world_b(db, probe_worlds):
    return probe_worlds[1]


def _walk(patterns, prefix_kwargs=(), namespace=None):
    for p in patterns:
        kwargs = tuple(prefix_kwargs) + tuple(_pattern_kwargs(p.pattern))
        if isinstance(p, URLResolver):
            ns = p.namespace if p.namespace else namespace
            if ns and namespace and p.namespace:
                ns = f"{namespace}:{p.namespace}"
            yield from _walk(p.url_patterns, kwargs, ns)
        elif isinstance(p, URLPattern):
            yield (f"{namespace}:{p.name}" if namespace and p.name else p.name), kwargs, p


def _pattern_kwargs(pattern):
    if hasattr(pattern, "converters") and pattern.converters:
        return list(pattern.converters)
    regex = getattr(pattern, "regex", None)
    return list(regex.groupindex) if regex is not None else []


def coop_url_patterns():
    found = {}
    for name, kwargs, pattern in _walk(get_resolver().url_patterns):
        if "coop_slug" in kwargs:
            assert name, f"every URL under a cooperative needs a name: {pattern}"
            found.setdefault((name, tuple(sorted(set(kwargs)))), None)
    return sorted(found)


COOP_URLS = coop_url_patterns()


def _fill(kwargs, slug, world):
    values = {}
    for key in kwargs:
        if key == "coop_slug":
            values[key] = slug
        elif key == "format":
            values[key] = "json"
        else:
            filler = URL_KWARG_FILLERS.get(key)
            if filler is None:
                pytest.fail(f"URL keyword {key!r} has no filler: register it in tests/worlds.py")
            values[key] = filler(world)
    return values


def _assert_nothing_of(world, response, *, public=False):
    body = response.content.decode("utf-8", "replace")
    # A public page (coop home, shop front, an invitation link holder's page) may show the coop itself;
    # it must still show nothing private of it.
    secrets = world.private_secrets() if public else world.secrets()
    for secret in secrets:
        assert str(secret) not in body, f"{response.request['PATH_INFO']} leaked {secret!r}"


def test_the_probe_sees_the_urls():
    names = {name for name, _ in COOP_URLS}
    assert {"coop_home", "member_list", "api_member_list", "api_job_detail"} <= names


@pytest.mark.parametrize(("name", "kwargs"), COOP_URLS, ids=[f"{n}" for n, _ in COOP_URLS])
@pytest.mark.parametrize("method", ["get", "post", "patch", "delete"])
def test_member_of_a_cannot_reach_coop_b(client, world_a, world_b, name, kwargs, method):
    client.force_login(world_a.admin)
    url = reverse(name, kwargs=_fill(kwargs, world_b.coop.slug, world_b))
    response = getattr(client, method)(url)
    if is_public_view(resolve(url).func):
        _assert_nothing_of(world_b, response, public=True)
        return
    assert response.status_code == 404, f"{method.upper()} {url} gave {response.status_code}"
    _assert_nothing_of(world_b, response)


@pytest.mark.parametrize(("name", "kwargs"), COOP_URLS, ids=[f"{n}" for n, _ in COOP_URLS])
@pytest.mark.parametrize("method", ["get", "post", "patch", "delete"])
def test_member_of_a_cannot_aim_at_objects_of_b(client, world_a, world_b, name, kwargs, method):
    client.force_login(world_a.admin)
    url = reverse(name, kwargs=_fill(kwargs, world_a.coop.slug, world_b))
    response = getattr(client, method)(url)
    object_kwargs = set(kwargs) - {"coop_slug", "format"}
    if object_kwargs:
        assert response.status_code in (403, 404, 405), f"{method.upper()} {url} gave {response.status_code}"
    _assert_nothing_of(world_b, response)


@pytest.mark.parametrize(("name", "kwargs"), COOP_URLS, ids=[f"{n}" for n, _ in COOP_URLS])
def test_unknown_and_forbidden_coops_answer_the_same(client, world_a, world_b, name, kwargs):
    client.force_login(world_a.admin)
    if is_public_view(resolve(reverse(name, kwargs=_fill(kwargs, world_b.coop.slug, world_b))).func):
        pytest.skip("a public page: anyone may see that the coop exists")
    forbidden = client.get(reverse(name, kwargs=_fill(kwargs, world_b.coop.slug, world_b)))
    unknown = client.get(reverse(name, kwargs=_fill(kwargs, "no-such-coop", world_b)))
    assert forbidden.status_code == unknown.status_code == 404
    assert forbidden.content == unknown.content
