"""Checks a parsed TwiML document against the schema, as Twilio does before it runs one.

Twilio validates every document against its TwiML schema. A misspelled or unknown verb, noun or
attribute, or a value the schema does not accept, is logged as warning 12200 "Schema validation
warning" (twilio.com/docs/api/errors/12200: "Misspelled verbs; Incorrect case for verbs;
Misspelled or unknown attributes; Unknown or unexpected nested elements"). It is a warning, not
an error: the call goes on. The sandbox reads the document without what it cannot accept (the
element is skipped, the attribute is left out so its default applies) and records one warning
per problem, worded like Twilio's schema parser messages.
"""

from __future__ import annotations

from dataclasses import dataclass

from hotline.sandbox.twiml import Node
from hotline.sandbox.twiml_schema import NOUNS, VERBS, Element

SCHEMA_WARNING = 12200


@dataclass(frozen=True)
class Issue:
    """One schema problem: the code Twilio logs and its parser message."""

    code: int
    message: str


def _check(node: Node, spec: Element, issues: list[Issue]) -> Node:
    attrs: dict[str, str] = {}
    for name, value in node.attrs.items():
        check = spec.attributes.get(name)
        if check is None and not spec.any_attributes:
            issues.append(
                Issue(
                    SCHEMA_WARNING,
                    f"Attribute '{name}' is not allowed to appear in element '{node.tag}'.",
                )
            )
            continue
        expected = check(value) if check is not None else None
        if expected is not None:
            issues.append(
                Issue(
                    SCHEMA_WARNING,
                    f"Value '{value}' of attribute '{name}' of element '{node.tag}' is not "
                    f"valid: expected {expected}.",
                )
            )
            continue
        attrs[name] = value
    if spec.any_children:
        children = node.children
    else:
        allowed = NOUNS.get(node.tag, {})
        kept = []
        for child in node.children:
            child_spec = allowed.get(child.tag)
            if child_spec is None or child.tag not in spec.children:
                issues.append(
                    Issue(
                        SCHEMA_WARNING,
                        f"Invalid content was found starting with element '{child.tag}' "
                        f"inside '{node.tag}'.",
                    )
                )
                continue
            kept.append(_check(child, child_spec, issues))
        children = tuple(kept)
    return Node(tag=node.tag, attrs=attrs, text=node.text, children=children)


def validate(verbs: list[Node]) -> tuple[list[Node], list[Issue]]:
    """Return the verbs as Twilio would run them, and the schema problems found."""
    issues: list[Issue] = []
    kept: list[Node] = []
    for node in verbs:
        spec = VERBS.get(node.tag)
        if spec is None:
            issues.append(
                Issue(
                    SCHEMA_WARNING,
                    f"Invalid content was found starting with element '{node.tag}'.",
                )
            )
            continue
        kept.append(_check(node, spec, issues))
    return kept, issues
