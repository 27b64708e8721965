"""The translation function: what a second language needs is a catalog, nothing else.

A catalog is compiled here into a folder of its own (none ships yet) and the pages'
`_()` reads it, in templates and in Python; the extraction config finds the shell's texts.
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

ROOT = Path(__file__).parents[2]


@pytest.fixture
def german_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    catalog = Catalog(locale="de_DE", domain=i18n.DOMAIN)
    catalog.add("Sign out", "Abmelden")
    catalog.add("Back to the dashboard of %(workspace)s", "Zurück zum Überblick von %(workspace)s")
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


def test_the_extraction_config_finds_the_shells_texts() -> None:
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: set[str] = set()
    for _filename, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map
    ):
        found.update(message if isinstance(message, tuple) else (message,))
    # base.html, shell.py (N_), errors.py (N_), error.html and the account page (page._).
    for text in (
        "Sign out",
        "Timesheet",
        "Page not found",
        "Go to my workspaces",
        "Session revoked.",
    ):
        assert text in found
