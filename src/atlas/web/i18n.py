"""The one translation function of the pages, in templates and in Python.

The texts are English, and no catalog exists yet: every locale reads them through
`NullTranslations`, which gives each message back. A second language is a compiled
catalog `locales/<babel name>/LC_MESSAGES/atlas.mo` beside this file (docs/web.md,
"Locale"); nothing else changes, as every text already goes through `gettext` here.

- Python: `page._("Password changed.")`, `page._("Task %(key)s saved.", key=task.key)`
  (`PageContext._`) or `gettext(locale, message)`; a text fixed at import time (the
  shell's area and list names) is marked with `N_` and translated where it is shown, in a
  template with the `translated` filter.
- Templates: `{{ _("Sign out") }}`, `{{ _("Back to %(name)s", name=ws.workspace_name) }}`
  (jinja2.ext.i18n, new style: values are escaped, the message itself is trusted, so a
  template never passes text it did not write to `_`).
"""

from __future__ import annotations

from functools import cache
from gettext import NullTranslations
from pathlib import Path
from typing import Any

from babel.support import Translations
from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from atlas.locales import DEFAULT_LOCALE, Locale

CATALOGS = Path(__file__).parent / "locales"
DOMAIN = "atlas"


@cache
def translations(locale: Locale) -> NullTranslations:
    """The catalog of `locale`; NullTranslations (the English source) where there is none."""
    found: NullTranslations = Translations.load(CATALOGS, [locale.babel_name], DOMAIN)
    return found


def gettext(locale: Locale, message: str) -> str:
    return translations(locale).gettext(message)


def ngettext(locale: Locale, singular: str, plural: str, count: int) -> str:
    return translations(locale).ngettext(singular, plural, count)


def N_(message: str) -> str:  # noqa: N802 - the name the extraction tools know
    """Marks a message to extract and translate later, where it is shown."""
    return message


def locale_of(context: Context) -> Locale:
    """The locale of the page a template renders (`PageContext.render` puts it there)."""
    return Locale(context.get("locale") or DEFAULT_LOCALE)


@pass_context
def _template_gettext(context: Context, message: str) -> str:
    return gettext(locale_of(context), message)


@pass_context
def _template_ngettext(context: Context, singular: str, plural: str, count: int) -> str:
    return ngettext(locale_of(context), singular, plural, count)


@pass_context
def _translated(context: Context, message: str) -> str:
    """A message the template did not write (a form's error, an N_ text of Python) in the
    page's language: a plain value, escaped as any other, where `_()` would trust it."""
    return gettext(locale_of(context), message)


def install(env: Environment) -> None:
    """`_`, `gettext` and `ngettext` in every template, in the page's locale, and the
    `translated` filter."""
    env.add_extension("jinja2.ext.i18n")
    installer: Any = env
    installer.install_gettext_callables(_template_gettext, _template_ngettext, newstyle=True)
    env.filters["translated"] = _translated
