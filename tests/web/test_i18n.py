"""The translation function: what a second language needs is a catalog, nothing else.

A catalog is compiled here into a folder of its own (none ships yet) and the pages'
`_()` reads it, in templates and in Python, down to a page a German user gets; the
extraction config finds the texts of every page (`test_translatable.py` checks that no
text bypasses it).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo

from atlas.locales import Locale
from atlas.web import i18n
from atlas.web.render import templates
from tests.factories import Factory
from tests.web.conftest import BrowserFor
from tests.web.helpers import redirected_to, text

ROOT = Path(__file__).parents[2]
# Fewer found means texts left the extraction (a page stopped using `_`, or babel.cfg).
EXTRACTED_AT_LEAST = 800


@pytest.fixture
def german_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    catalog = Catalog(locale="de_DE", domain=i18n.DOMAIN)
    catalog.add("Sign out", "Abmelden")
    catalog.add("Back to the dashboard of %(workspace)s", "Zurück zum Überblick von %(workspace)s")
    catalog.add("No customers yet.", "Noch keine Kunden.")
    catalog.add("Customer %(name)s added.", "Kunde %(name)s angelegt.")
    folder = tmp_path / "de_DE" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / f"{i18n.DOMAIN}.mo").open("wb") as mo:
        write_mo(mo, catalog)
    monkeypatch.setattr(i18n, "CATALOGS", tmp_path)
    i18n.translations.cache_clear()
    yield
    i18n.translations.cache_clear()


@pytest.mark.usefixtures("german_catalog")
def test_a_compiled_catalog_translates_the_pages_of_its_locale_only() -> None:
    template = templates.env.from_string(
        '{{ _("Sign out") }} | {{ _("Back to the dashboard of %(workspace)s", workspace=name) }}'
    )
    assert template.render(locale="de-DE", name="<Acme>") == (
        "Abmelden | Zurück zum Überblick von &lt;Acme&gt;"
    )
    assert template.render(locale="en-GB", name="Acme") == (
        "Sign out | Back to the dashboard of Acme"
    )
    assert i18n.gettext(Locale.DE_DE, "Sign out") == "Abmelden"
    assert i18n.gettext(Locale.FR_FR, "Sign out") == "Sign out"


def test_without_a_catalog_every_locale_reads_the_english_source() -> None:
    for locale in Locale:
        assert i18n.gettext(locale, "Password changed.") == "Password changed."
    assert i18n.ngettext(Locale.DE_DE, "%(n)d session", "%(n)d sessions", 2) == "%(n)d sessions"


def _extracted() -> set[str]:
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: set[str] = set()
    for _filename, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map
    ):
        found.update(message if isinstance(message, tuple) else (message,))
    return found


def test_the_extraction_config_finds_the_texts_of_templates_and_python() -> None:
    found = _extracted()
    assert len(found) >= EXTRACTED_AT_LEAST, len(found)
    for message in (
        "Sign out",  # base.html
        "Timesheet",  # shell.py, N_
        "Page not found",  # errors.py, N_
        "Go to my workspaces",  # errors/error.html
        "Session revoked.",  # pages/account.py, page._
        "No customers yet.",  # finance/customers.html
        "Customer %(name)s added.",  # pages/finance.py
        "Profit and loss",  # pages/reports.py, N_
        "Approve",  # hr/_decide.html
        "Signed out %(count)d other sessions.",  # a plural, page.ngettext
    ):
        assert message in found, message


@pytest.mark.usefixtures("german_catalog")
def test_a_catalog_translates_a_whole_page_for_a_user_of_its_locale(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    german = factory.member(ws, "admin")
    resp = german.patch("/api/v1/auth/me", json={"locale": "de-DE"})
    assert resp.status_code == 200, resp.text
    base = f"/w/{ws['slug']}/customers"

    shown = text(browser_for(german).get(base))
    assert "Noch keine Kunden." in shown  # a template's text
    assert "Abmelden" in shown  # the shell's
    assert "No customers yet." in text(browser_for(owner).get(base))  # en-US: the source

    browser = browser_for(german)
    created = browser.post(f"{base}/new", {"name": "<Acme>"})
    detail = browser.get(redirected_to(created))
    assert "Kunde <Acme> angelegt." in text(detail)  # a flash message of Python
    assert "Kunde &lt;Acme&gt; angelegt." in detail.text
