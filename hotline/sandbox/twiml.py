"""TwiML parsing: turns a webhook's XML answer into a tree of verbs the engine executes."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

VERBS = frozenset(
    {
        "Say",
        "Play",
        "Pause",
        "Gather",
        "Record",
        "Redirect",
        "Hangup",
        "Reject",
        "Dial",
        "Leave",
        "Enqueue",
        "Sms",
        "Message",
    }
)
NOUNS = {
    "Gather": frozenset({"Say", "Play", "Pause"}),
    "Dial": frozenset({"Number", "Client", "Conference", "Sip", "Queue"}),
    "Client": frozenset({"Identity", "Parameter"}),
}


class TwimlError(ValueError):
    """The document is not valid TwiML (Twilio error 12100 / 12200)."""


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


def _convert(element: ET.Element, parent: str | None) -> Node:
    tag = element.tag
    if parent is None and tag not in VERBS:
        raise TwimlError(f"unknown TwiML verb <{tag}>")
    if parent is not None and tag not in NOUNS.get(parent, frozenset()):
        raise TwimlError(f"<{tag}> is not allowed inside <{parent}>")
    children = tuple(_convert(child, tag) for child in element)
    return Node(
        tag=tag, attrs=dict(element.attrib), text=(element.text or "").strip(), children=children
    )


def parse(document: str) -> list[Node]:
    """Parse a TwiML document into its top-level verbs; raise TwimlError when it is not TwiML."""
    text = document.strip()
    if not text:
        raise TwimlError("empty document")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise TwimlError(f"malformed XML: {exc}") from exc
    if root.tag != "Response":
        raise TwimlError("the root element must be <Response>")
    return [_convert(child, None) for child in root]
