"""Values as the pages show them, in the page's locale (Babel's CLDR data).

Only for text a person reads: form inputs keep the machine format (ISO dates, a dot
before the decimals) that browsers' inputs expect, and CSV and JSON never pass here.
The templates' filters (`atlas.web.render`) read the locale from the page's context.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale as BabelLocale
from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal, format_percent

from atlas.locales import DEFAULT_LOCALE, Locale
from atlas.validation import ISO_CURRENCIES, minor_units

Number = Decimal | int | float | str | None


@cache
def _babel(locale: Locale) -> BabelLocale:
    return BabelLocale.parse(locale.babel_name)


def _fixed(places: int) -> str:
    """A number pattern with exactly `places` decimals (the locale gives the symbols)."""
    return "#,##0" + ("." + "0" * places if places else "")


def money(
    value: Number,
    currency: str | None = None,
    *,
    code: bool = True,
    locale: Locale = DEFAULT_LOCALE,
) -> str:
    """An amount to its currency's minor unit: 1234.5 EUR is '€1,234.50' in en-US and
    '1.234,50 €' in de-DE, 1234 JPY '¥1,234'. Without `code`, the figure alone (the lines
    of one invoice); without a currency, two decimals."""
    if value is None or value == "":
        return ""
    amount = Decimal(value)
    known = currency in ISO_CURRENCIES
    if currency and known and code:
        return str(format_currency(amount, currency, locale=_babel(locale)))
    places = minor_units(currency) if currency and known else 2
    text = str(format_decimal(amount, format=_fixed(places), locale=_babel(locale)))
    # A code Babel does not know is named after the figure, as it was given.
    return f"{text} {currency}" if currency and code else text


def number(value: Number, places: int | None = None, *, locale: Locale = DEFAULT_LOCALE) -> str:
    """A quantity: to `places` decimals, else as precise as it is without trailing zeros
    (1.500 is '1.5', '1,5' in de-DE)."""
    if value is None or value == "":
        return ""
    amount = Decimal(value)
    if places is not None:
        return str(format_decimal(amount, format=_fixed(places), locale=_babel(locale)))
    return str(
        format_decimal(amount.normalize(), locale=_babel(locale), decimal_quantization=False)
    )


def hours(value: Number, *, locale: Locale = DEFAULT_LOCALE) -> str:
    """Hours worked, to the quarter shown as two decimals: '7.50', '7,50' in de-DE."""
    return number(value, 2, locale=locale)


def percent(value: Number, *, locale: Locale = DEFAULT_LOCALE) -> str:
    """A rate given in percent (19.00): '19%' in en-US, '19 %' in de-DE, '7.5%'."""
    if value is None or value == "":
        return ""
    fraction = (Decimal(value) / 100).normalize()
    return str(format_percent(fraction, locale=_babel(locale), decimal_quantization=False))


def day(value: date | datetime | None, *, locale: Locale = DEFAULT_LOCALE) -> str:
    """A business date: 'Dec 3, 2026', '3 Dec 2026' (en-GB), '03.12.2026' (de-DE)."""
    if value is None:
        return ""
    plain = value.date() if isinstance(value, datetime) else value
    return str(format_date(plain, "medium", locale=_babel(locale)))


def in_zone(value: datetime, zone: str) -> datetime:
    """A moment as the clocks of time zone `zone` show it."""
    return value.astimezone(ZoneInfo(zone))


def moment(value: datetime | None, time_zone: str, *, locale: Locale = DEFAULT_LOCALE) -> str:
    """A moment in `time_zone`, named after it: 'Dec 2, 2026, 5:05 PM JST',
    '02.12.2026, 17:05 JST' (de-DE)."""
    if value is None:
        return ""
    local = in_zone(value, time_zone)
    babel = _babel(locale)
    shown = str(babel.datetime_formats["medium"]).format(
        format_time(local.time(), "short", locale=babel),
        format_date(local.date(), "medium", locale=babel),
    )
    return f"{shown} {local:%Z}"
