"""Every text of the console has its English translation, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir

from hotline.i18n import catalog

REPO = Path(__file__).resolve().parents[2]
METHODS = [
    ("hotline/**.py", "python"),
    ("interpreter_pool/**.py", "python"),
    ("routing/**.py", "python"),
    ("callbacks/**.py", "python"),
    ("**/templates/**.html", "jinja2"),
]
KEYWORDS = {"_": None, "gettext": None, "N_": None}


def console_texts() -> set[str]:
    texts: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(REPO), method_map=METHODS, keywords=KEYWORDS
    ):
        if isinstance(message, str) and message.strip():
            texts.add(message)
    return texts


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


def test_every_console_text_is_translated_into_english() -> None:
    texts = console_texts()
    assert len(texts) > 100  # the extraction found the console's texts
    english = catalog("en")
    missing = sorted(t for t in texts if not english.get(t))
    assert missing == [], f"{len(missing)} texts lack an English translation: {missing[:20]}"


def test_translations_keep_the_placeholders_of_the_french_text() -> None:
    english = catalog("en")
    wrong = [(fr, en) for fr, en in english.items() if placeholders(fr) != placeholders(en)]
    assert wrong == []
