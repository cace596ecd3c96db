"""How two people's names are compared: without case, accents, hyphens or extra spaces."""

from __future__ import annotations

import re
import unicodedata

# Long enough for a first and a last name (80 characters each) and the space between.
NAME_KEY_LENGTH = 161


def name_key(first_name: str, last_name: str) -> str:
    """A name as compared for duplicates: no case, accents, hyphens or extra spaces."""
    text = unicodedata.normalize("NFKD", f"{first_name} {last_name}")
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[-'’.]", " ", text).split())[:NAME_KEY_LENGTH]
