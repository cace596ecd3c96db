"""The console's languages: French by default, English available (Flask-Babel and Babel formats).

Texts are written in French in the code and templates, wrapped in ``_()`` (or ``ngettext()`` when
a count decides the form); the English catalog
(``hotline/translations/en/LC_MESSAGES/messages.po``) is the one source of translations. Flask-Babel
picks the locale (``select_locale``) and serves the translations of the request; its domain reads
the ``.po`` with Babel and compiles it in memory when first needed, so there is no ``.mo`` file to
build or to forget, in a fresh clone as in an installed package. Texts carry ``{name}`` values,
filled with ``str.format`` after translation. Dates, numbers and money are formatted by Babel in
the locale and the helpline's time zone.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime as babel_datetime
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import NullTranslations, Translations
from flask import Flask, has_request_context, request, session
from flask_babel import Babel, Domain, LazyString, get_locale, get_translations
from werkzeug.utils import cached_property

from hotline.refusals import N_ as N_  # re-exported: where the pages' texts are marked
from hotline.refusals import Refusal

LOCALES = ("fr", "en")
DEFAULT_LOCALE = "fr"
TRANSLATIONS = Path(__file__).parent / "translations"
FRENCH = Locale.parse(DEFAULT_LOCALE)


@lru_cache(maxsize=4)
def po_catalog(locale: str) -> Catalog:
    """The catalog of a locale as written in its ``.po`` (empty for French, the source)."""
    path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
    if locale == DEFAULT_LOCALE or not path.exists():
        return Catalog(locale=locale)
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def catalog(locale: str) -> dict[str, str]:
    """French text → translation, for a locale's texts without plural forms."""
    return {
        m.id: m.string
        for m in po_catalog(locale)
        if isinstance(m.id, str) and m.id and isinstance(m.string, str) and m.string
        if not m.fuzzy
    }


@lru_cache(maxsize=4)
def translations(locale: str) -> Translations:
    """The locale's catalog compiled in memory (fuzzy entries left out, as ``pybabel compile``)."""
    compiled = BytesIO()
    write_mo(compiled, po_catalog(locale), use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain="messages")


class PoDomain(Domain):
    """Flask-Babel's domain, its translations read from the ``.po`` catalog (no ``.mo`` files)."""

    def get_translations(self) -> Translations | NullTranslations:
        locale = get_locale()
        if locale is None:  # outside a request or app context: the French texts themselves
            return NullTranslations()
        return translations(str(locale))


class _Babel(Babel):
    @cached_property
    def domain_instance(self) -> Domain:
        return PoDomain()


def select_locale() -> str:
    """Flask-Babel's locale selector: ?lang= (kept for the session), then the session, then French.

    The session holds the user's own language from sign-in and the console's language switch.
    """
    if not has_request_context():
        return DEFAULT_LOCALE
    asked = request.args.get("lang")
    if asked in LOCALES:
        session["locale"] = asked  # the switch holds for the pages and scripts that follow
    chosen = asked or session.get("locale")
    return chosen if chosen in LOCALES else DEFAULT_LOCALE


def current_locale() -> str:
    """The locale of this request ("fr" or "en"), as Flask-Babel selected it."""
    locale = get_locale()
    return str(locale) if locale is not None else DEFAULT_LOCALE


def gettext(text: str, **values: object) -> str:
    """The translation of a French text in the current locale, with ``{name}`` values filled."""
    translated = str(get_translations().ugettext(text))
    return translated.format(**values) if values else translated


def ngettext(singular: str, plural: str, n: int, **values: object) -> str:
    """The form of a counted text that fits ``n``, translated, with ``{n}`` and values filled.

    The texts are French: in French, 0 and 1 take the singular ("0 interprète appelé"); in
    English the catalog's own plural rule decides (1 singular, 0 and 2+ plural).
    """
    if current_locale() == DEFAULT_LOCALE:
        text = singular if FRENCH.plural_form(abs(n)) == "one" else plural
    else:
        text = str(get_translations().ungettext(singular, plural, n))
    return text.format(n=n, **values)


def lazy_gettext(text: str, **values: object) -> LazyString:
    """A text translated when it is shown (for texts defined at import, outside a request)."""
    return LazyString(gettext, text, **values)


def lazy_ngettext(singular: str, plural: str, n: int, **values: object) -> LazyString:
    """A counted text translated when it is shown."""
    return LazyString(ngettext, singular, plural, n, **values)


def say(problem: Exception) -> str:
    """What a refused input means, in the current locale: a ``Refusal`` translated (its values
    too when they are refusals, or tuples of refusals), any other error as it was written."""
    if not isinstance(problem, Refusal):
        return str(problem)
    values = {name: _said(value) for name, value in problem.values.items()}
    return gettext(problem.msgid, **values)


def _said(value: object) -> object:
    """A refusal's value as shown: a refusal translated, a tuple of refusals translated and
    joined with commas, anything else as it is."""
    if isinstance(value, Refusal):
        return say(value)
    if isinstance(value, tuple) and value and all(isinstance(one, Refusal) for one in value):
        return ", ".join(say(one) for one in value)
    return value


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
    """Install Flask-Babel (French by default, our selector) and the template helpers.

    ``_``, ``ngettext``, ``money``, ``number``, ``when`` and ``current_locale`` are available in
    every template; Flask-Babel's own Jinja setup is left out, its ``%(name)s`` formatting would
    not fill the ``{name}`` values of our texts.
    """
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    _Babel(app, locale_selector=select_locale, configure_jinja=False)
    app.jinja_env.globals.update(
        _=gettext,
        ngettext=ngettext,
        money=money,
        number=number,
        when=when,
        current_locale=current_locale,
    )
