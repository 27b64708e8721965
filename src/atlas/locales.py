"""The locales pages format dates and numbers in: one closed set, checked by the API and
by a CHECK constraint of `users.locale` and `workspaces.locale` (migration 0017).

A new locale is a new member here and a migration that widens the two constraints; its
formats come from Babel's CLDR data, its translated texts from a catalog (docs/web.md).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError


class Locale(StrEnum):
    """BCP 47 tags, as the API takes them; `babel_name` is Babel's spelling of each."""

    EN_US = "en-US"
    EN_GB = "en-GB"
    DE_DE = "de-DE"
    FR_FR = "fr-FR"

    @property
    def babel_name(self) -> str:
        return self.value.replace("-", "_")


DEFAULT_LOCALE = Locale.EN_US
LOCALE_NAMES = {
    Locale.EN_US: "English (United States)",
    Locale.EN_GB: "English (United Kingdom)",
    Locale.DE_DE: "Deutsch (Deutschland)",
    Locale.FR_FR: "Français (France)",
}
UNKNOWN_LOCALE_MESSAGE = "unknown locale '{given}' (use one of {known})"


def _known_locale(value: object) -> object:
    """A locale of the set, else the 422 detail `unknown_locale` naming the set."""
    if isinstance(value, Locale):
        return value
    if isinstance(value, str) and value in Locale._value2member_map_:
        return Locale(value)
    known = ", ".join(Locale)
    raise PydanticCustomError(
        "unknown_locale", UNKNOWN_LOCALE_MESSAGE, {"given": str(value)[:40], "known": known}
    )


LocaleField = Annotated[Locale, BeforeValidator(_known_locale)]


def locale_check(column: str) -> str:
    """The CHECK constraint of a locale column (NULL passes, as in any CHECK)."""
    tags = ", ".join(f"'{tag}'" for tag in Locale)
    return f"{column} IN ({tags})"


def effective_locale(user_locale: str | None, workspace_locale: str | None) -> Locale:
    """The user's preference if set, else the workspace's, else the default."""
    return Locale(user_locale or workspace_locale or DEFAULT_LOCALE)
