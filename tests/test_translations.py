"""Dutch and French catalogues: pages switch language, and every message of both catalogues is translated."""

import gettext
import html
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

LOCALE = Path(settings.BASE_DIR) / "locale"
# The invoicing app keeps its own catalogue (documents must be in Dutch even before a project-wide round); the
# project's catalogue (LOCALE_PATHS) wins where both have a message.
CATALOGUES = {"project": (LOCALE, 1000), "invoicing": (Path(settings.BASE_DIR) / "invoicing" / "locale", 300)}


def test_home_is_dutch_by_default_and_french_after_choosing_it(world_a):
    client = Client()
    page = client.get("/").content.decode()
    assert "Aanmelden" in page and "Registreren" in page
    assert "Se connecter" not in page
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    page = html.unescape(client.get("/").content.decode())
    assert "Se connecter" in page and "S'inscrire" in page
    assert "Aanmelden" not in page


def test_coop_shop_navigation_is_translated(world_a):
    client = Client()
    client.force_login(world_a.member.user)
    page = client.get(f"/{world_a.coop.slug}/").content.decode()
    assert "Afmelden" in page
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    page = client.get(f"/{world_a.coop.slug}/").content.decode()
    assert "Se déconnecter" in page


def _entries(po: Path):
    """(msgid, msgid_plural, [msgstr...], flags) per message; a tiny .po reader so the test needs no polib."""
    entries, current, field = [], None, None

    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}

    def unquote(text: str) -> str:
        return re.sub(r'\\(.)', lambda m: escapes.get(m.group(1), m.group(0)), text.strip()[1:-1])

    for raw in [*po.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if line.startswith("#~"):
            continue  # obsolete
        if not line:
            if current is not None:
                entries.append(current)
            current, field = None, None
            continue
        if current is None:
            current = {"msgid": "", "msgid_plural": None, "msgstr": {}, "flags": set()}
        if line.startswith("#,"):
            current["flags"] |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt "):
            field = None
            current["ctx"] = True
        elif line.startswith("msgid_plural "):
            field = ("msgid_plural", None)
            current["msgid_plural"] = unquote(line[len("msgid_plural "):])
        elif line.startswith("msgid "):
            field = ("msgid", None)
            current["msgid"] = unquote(line[len("msgid "):])
        elif line.startswith("msgstr["):
            index = int(line[len("msgstr["):line.index("]")])
            field = ("msgstr", index)
            current["msgstr"][index] = unquote(line[line.index("]") + 2:])
        elif line.startswith("msgstr "):
            field = ("msgstr", 0)
            current["msgstr"][0] = unquote(line[len("msgstr "):])
        elif line.startswith('"') and field:
            name, index = field
            if name == "msgstr":
                current["msgstr"][index] += unquote(line)
            else:
                current[name] = (current[name] or "") + unquote(line)
    return entries


@pytest.mark.parametrize("catalogue", sorted(CATALOGUES))
@pytest.mark.parametrize("language", ["nl", "fr"])
def test_every_message_is_translated(language, catalogue):
    directory, at_least = CATALOGUES[catalogue]
    po = directory / language / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_size > 0, "run compilemessages and commit the .mo file"
    entries = _entries(po)
    header = [e for e in entries if e["msgid"] == ""]
    assert header and "fuzzy" not in header[0]["flags"]
    messages = [e for e in entries if e["msgid"]]
    assert len(messages) > at_least
    fuzzy = [e["msgid"] for e in messages if "fuzzy" in e["flags"]]
    untranslated = [e["msgid"] for e in messages
                    if not e["msgstr"] or not all(e["msgstr"].values())
                    or (e["msgid_plural"] and len(e["msgstr"]) < 2)]
    assert not fuzzy, f"fuzzy in {language}: {fuzzy[:10]}"
    assert not untranslated, f"untranslated in {language}: {untranslated[:10]}"


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_a_message_in_both_catalogues_reads_the_same(language):
    """The project catalogue silently overrides the invoicing one; the two must not disagree."""
    def translations(directory):
        return {e["msgid"]: e["msgstr"] for e in _entries(directory / language / "LC_MESSAGES" / "django.po")
                if e["msgid"]}
    project, invoicing = (translations(CATALOGUES[name][0]) for name in ("project", "invoicing"))
    differing = {msgid: (project[msgid], invoicing[msgid]) for msgid in project.keys() & invoicing.keys()
                 if project[msgid] != invoicing[msgid]}
    assert not differing, f"translated differently in {language}: {list(differing.items())[:10]}"


def test_invoicing_pages_are_dutch_by_default_and_french_after_choosing_it(world_a):
    """Messages only the invoicing catalogue has (billing run, economics) are found through the app's locale."""
    client = Client()
    client.force_login(world_a.admin)
    billing = f"/{world_a.coop.slug}/invoices/billing/"
    economics = f"/{world_a.coop.slug}/economics/"
    page = html.unescape(client.get(billing).content.decode())
    assert "Facturatierun" in page and "Billing run" not in page
    page = html.unescape(client.get(economics).content.decode())
    assert "Wie draagt de kosten" in page or "Deze maand" in page
    assert "This month" not in page
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    page = html.unescape(client.get(billing).content.decode())
    assert "Facturation groupée" in page and "Facturatierun" not in page
    page = html.unescape(client.get(economics).content.decode())
    assert "Ce mois-ci" in page


def _compiled(mo: Path) -> dict:
    with mo.open("rb") as handle:
        return gettext.GNUTranslations(handle)._catalog


@pytest.mark.parametrize("catalogue", sorted(CATALOGUES))
@pytest.mark.parametrize("language", ["nl", "fr"])
def test_the_compiled_catalogue_is_the_current_one(language, catalogue):
    """The .mo holds every message of the .po with the same translation (compilemessages was run after editing)."""
    po = CATALOGUES[catalogue][0] / language / "LC_MESSAGES" / "django.po"
    compiled = _compiled(po.with_suffix(".mo"))
    stale = [e["msgid"] for e in _entries(po) if e["msgid"] and not e["msgid_plural"]
             and "ctx" not in e and compiled.get(e["msgid"]) != e["msgstr"].get(0)]
    assert not stale, f"run compilemessages: {stale[:10]}"


def test_the_driver_service_worker_says_offline_in_the_drivers_language(world_a):
    """driver/sw.js is a template makemessages does not read: its one sentence comes from the view's gettext."""
    client = Client()
    url = reverse("driver_service_worker", kwargs={"coop_slug": world_a.coop.slug})
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert "<h1>Hors ligne</h1>" in client.get(url).content.decode()
