"""The console's languages: French by default, English available (Babel catalogs and formats).

Texts are written in French in the code and templates, wrapped in ``_()``; the English catalog
(``hotline/translations/en/LC_MESSAGES/messages.po``) is read with Babel when first needed, so
there is no compile step. Dates, numbers and money are formatted by Babel in the locale and the
helpline's time zone.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as babel_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from flask import Flask, g, request, session

LOCALES = ("fr", "en")
DEFAULT_LOCALE = "fr"
TRANSLATIONS = Path(__file__).parent / "translations"


@lru_cache(maxsize=4)
def catalog(locale: str) -> dict[str, str]:
    """French text → translation, for a locale (empty for French)."""
    path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
    if locale == DEFAULT_LOCALE or not path.exists():
        return {}
    with path.open("rb") as handle:
        po = read_po(handle, locale=locale)
    return {str(m.id): str(m.string) for m in po if m.id and m.string and not m.fuzzy}


def current_locale() -> str:
    """The locale of this request: ?lang=, then the session's choice, then French."""
    if "locale" in g:
        return str(g.locale)
    asked = request.args.get("lang")
    if asked in LOCALES:
        session["locale"] = asked  # the switch holds for the pages and scripts that follow
    chosen = asked or session.get("locale")
    locale = chosen if chosen in LOCALES else DEFAULT_LOCALE
    g.locale = locale
    return locale


def gettext(text: str, **values: object) -> str:
    """The translation of a French text in the current locale, with ``{name}`` values filled."""
    translated = catalog(current_locale()).get(text, text)
    return translated.format(**values) if values else translated


def N_(text: str) -> str:  # noqa: N802 - the gettext convention for "mark only"
    """Mark a French text for translation where it is defined; ``_()`` translates it when shown."""
    return text


def money(amount: Decimal | int | float | None, currency: str = "EUR") -> str:
    """An amount as the locale writes it: "1 234,50 €" or "€1,234.50" (euros unless told)."""
    if amount is None:
        return "—"
    return str(format_currency(Decimal(amount), currency, locale=current_locale()))


def number(value: Decimal | int | float | None, digits: int = 1) -> str:
    """A number as the locale writes it."""
    if value is None:
        return "—"
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    return str(format_decimal(Decimal(value), format=pattern, locale=current_locale()))


def when(moment: datetime | None, tz_name: str = "Europe/Paris", form: str = "short") -> str:
    """A moment in the helpline's time zone, as the locale writes it."""
    if moment is None:
        return "—"
    return str(babel_datetime(moment, form, tzinfo=ZoneInfo(tz_name), locale=current_locale()))


def init_app(app: Flask) -> None:
    """Make ``_``, ``money``, ``number`` and ``when`` available in every template."""
    app.jinja_env.globals.update(
        _=gettext, money=money, number=number, when=when, current_locale=current_locale
    )
