"""A refusal said to a person: a French text marked for translation, translated when shown."""

from __future__ import annotations


def N_(text: str) -> str:  # noqa: N802 - the gettext convention for "mark only"
    """Mark a French text for translation where it is defined; ``_()`` translates it when shown."""
    return text


class Refusal(ValueError):  # noqa: N818 - said to a person, not a programming error
    """A service refused its input, for a reason a person can act on.

    ``msgid`` is a French text marked with ``N_`` (so ``make messages`` extracts it) with
    ``{name}`` placeholders filled from ``values``. ``str()`` is the French text (logs, the command
    line); a page shows ``hotline.i18n.say(refusal)``, translated in the reader's language.
    """

    def __init__(self, msgid: str, **values: object) -> None:
        self.msgid = msgid
        self.values = values
        super().__init__(msgid.format(**values) if values else msgid)
