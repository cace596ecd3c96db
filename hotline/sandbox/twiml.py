"""TwiML parsing: turns a webhook's XML answer into a tree of verbs the engine executes."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field


class TwimlError(ValueError):
    """The document cannot be read as TwiML: Twilio's 12100, or 12102 for a wrong root."""

    def __init__(self, message: str, code: int = 12100) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Node:
    """One TwiML element: its tag, attributes, stripped text and child elements."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    text: str = ""
    children: tuple[Node, ...] = ()

    def get(self, name: str, default: str | None = None) -> str | None:
        """Return an attribute's value, or `default` when absent."""
        return self.attrs.get(name, default)

    def get_int(self, name: str, default: int) -> int:
        """Return an integer attribute; a malformed value falls back to `default`."""
        raw = self.attrs.get(name)
        try:
            return int(float(raw)) if raw not in (None, "") else default
        except ValueError:
            return default

    def get_bool(self, name: str, default: bool) -> bool:
        """Return a boolean attribute written as true/false."""
        raw = self.attrs.get(name)
        return default if raw is None else raw.strip().lower() == "true"


def _convert(element: ET.Element) -> Node:
    tag = element.tag
    children = tuple(_convert(child) for child in element)
    return Node(
        tag=tag, attrs=dict(element.attrib), text=(element.text or "").strip(), children=children
    )


def parse(document: str) -> list[Node]:
    """Parse a TwiML document into its top-level verbs; raise TwimlError when it is not TwiML.

    Only the XML and its root are checked here; `hotline.sandbox.validate` checks the verbs,
    nouns and attributes against the schema.
    """
    text = document.strip()
    if not text:
        raise TwimlError("empty document")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise TwimlError(f"malformed XML: {exc}") from exc
    if root.tag != "Response":
        raise TwimlError("The root element must be Response", code=12102)
    return [_convert(child) for child in root]
