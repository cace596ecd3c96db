"""Contract checker: sandbox traffic against Twilio's official OpenAPI spec (API 2010-04-01)."""

from __future__ import annotations

import copy
import functools
import json
import os
import re
import time
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qsl, urlsplit

import yaml
from jsonschema.exceptions import ValidationError as JsonSchemaError
from openapi_core import Config, OpenAPI
from openapi_core.casting.schemas.exceptions import CastError
from openapi_core.testing import MockRequest
from openapi_core.validation.request.exceptions import ParameterValidationError
from openapi_core.validation.request.validators import V30RequestParametersValidator
from openapi_core.validation.schemas import (
    oas30_read_schema_validators_factory,
    oas30_write_schema_validators_factory,
)
from openapi_core.validation.schemas.exceptions import InvalidSchemaValue

SPEC_NAME = "twilio_api_v2010.yaml"
TWILIO_HOST = "https://api.twilio.com"
FORM = "application/x-www-form-urlencoded"
_ACCOUNTS = "/2010-04-01/Accounts/{AccountSid}"

# The 2010 paths the project uses. Pruning the 121-path spec to these before openapi-core
# builds it cuts the build from ~2 s to a fraction (measured in the tests' load-time check).
CHECKED_PATHS: tuple[str, ...] = (
    f"{_ACCOUNTS}/Calls.json",
    f"{_ACCOUNTS}/Calls/{{Sid}}.json",
    f"{_ACCOUNTS}/Calls/{{CallSid}}/Recordings.json",
    f"{_ACCOUNTS}/Calls/{{CallSid}}/Recordings/{{Sid}}.json",
    f"{_ACCOUNTS}/Conferences.json",
    f"{_ACCOUNTS}/Conferences/{{Sid}}.json",
    f"{_ACCOUNTS}/Conferences/{{ConferenceSid}}/Participants.json",
    f"{_ACCOUNTS}/Conferences/{{ConferenceSid}}/Participants/{{CallSid}}.json",
    f"{_ACCOUNTS}/IncomingPhoneNumbers.json",
    f"{_ACCOUNTS}/IncomingPhoneNumbers/{{Sid}}.json",
    f"{_ACCOUNTS}/Applications.json",
    f"{_ACCOUNTS}/Applications/{{Sid}}.json",
    f"{_ACCOUNTS}/Keys.json",
    f"{_ACCOUNTS}/Keys/{{Sid}}.json",
    f"{_ACCOUNTS}/OutgoingCallerIds.json",
    f"{_ACCOUNTS}/Recordings/{{Sid}}.json",
    f"{_ACCOUNTS}/Messages.json",
    f"{_ACCOUNTS}/Messages/{{Sid}}.json",
)


@dataclass(frozen=True)
class Erratum:
    """A correction to one schema (or one of its properties), with the spec's own evidence."""

    schema: str
    prop: str | None
    patch: Mapping[str, Any]
    evidence: str

    @property
    def target(self) -> str:
        """'schema' or 'schema.prop', the key of the official node in Spec.official_nodes."""
        return self.schema if self.prop is None else f"{self.schema}.{self.prop}"


# Applied to the pruned copy in memory only. A test checks each is still needed, so an
# upstream fix tells us to drop it.
SPEC_ERRATA: tuple[Erratum, ...] = (
    Erratum(
        "conference_enum_reason_conference_ended",
        None,
        {"nullable": True},
        "its description says 'When a conference is in progress, will be `null`' and the "
        "in-progress examples (FetchConference fetchValidRegionInProgress, ListConference "
        "readFull, UpdateConference announceToConference) carry null",
    ),
    Erratum(
        "api.v2010.account.call.call_recording",
        "price",
        {"type": "string"},
        "declared a number, but every non-null example (ListCallRecording readFull, "
        "FetchCallRecording fetch) is the string '-0.0025', like Call.price",
    ),
    *(
        Erratum(
            "api.v2010.account.incoming_phone_number",
            prop,
            {"minLength": 0, "pattern": "^(AP[0-9a-fA-F]{32})?$"},
            "every example of FetchIncomingPhoneNumber, ListIncomingPhoneNumber and "
            "UpdateIncomingPhoneNumber carries '' for a number without an application",
        )
        for prop in ("sms_application_sid", "voice_application_sid")
    ),
)

_HTTP_METHODS = ("get", "post", "put", "patch", "delete")
_RFC2822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$"
)


def spec_file() -> Path:
    """Path of the official spec: $SHARED_DIR/twilio/…, else ../shared/twilio/… next to the repo."""
    shared = os.environ.get("SHARED_DIR")
    base = Path(shared) if shared else Path(__file__).resolve().parents[2] / ".." / "shared"
    return base / "twilio" / SPEC_NAME


def is_rfc2822_date(value: object) -> bool:
    """True for Twilio's date format, e.g. 'Tue, 31 Aug 2010 20:36:28 +0000'."""
    if not isinstance(value, str) or not _RFC2822.match(value):
        return False
    try:
        parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return False
    return True


# Twilio's own formats; unknown formats are otherwise ignored by the validators.
FORMATS: dict[str, Callable[[Any], bool]] = {"date-time-rfc-2822": is_rfc2822_date}


@dataclass(frozen=True)
class Operation:
    """One documented operation of the checked subset."""

    operation_id: str
    method: str
    template: str
    definition: Mapping[str, Any]

    @property
    def statuses(self) -> list[str]:
        """Documented response status codes, as the spec spells them ('201', 'default')."""
        return list(self.definition.get("responses", {}))


@dataclass(frozen=True)
class Spec:
    """The pruned spec, its openapi-core wrapper and where it came from."""

    source: Path
    document: Mapping[str, Any]
    api: OpenAPI
    all_paths: frozenset[str]
    official_nodes: Mapping[str, Mapping[str, Any]]
    load_seconds: float

    def operations(self) -> Iterator[Operation]:
        """Every operation of the checked subset."""
        for template, item in self.document["paths"].items():
            for method in _HTTP_METHODS:
                if method in item:
                    yield Operation(item[method]["operationId"], method, template, item[method])

    def operation(self, operation_id: str) -> Operation:
        """The operation with this operationId (e.g. 'CreateCall')."""
        for op in self.operations():
            if op.operation_id == operation_id:
                return op
        raise KeyError(operation_id)

    def find(self, method: str, path: str) -> Operation:
        """The operation serving METHOD path; AssertionError if the subset does not document it."""
        method = method.lower()
        templates = [t for t in self.document["paths"] if _template_regex(t).match(path)]
        if not templates:
            outside = [t for t in self.all_paths if _template_regex(t).match(path)]
            hint = (
                f"; Twilio documents it as {outside[0]} but it is outside CHECKED_PATHS"
                if outside
                else ""
            )
            raise AssertionError(f"unknown path: {path} is not in Twilio's spec subset{hint}")
        # Prefer the most literal template when several match.
        template = max(templates, key=lambda t: len(re.sub(r"\{[^}]+\}", "", t)))
        item = self.document["paths"][template]
        if method not in item:
            known = ", ".join(m.upper() for m in _HTTP_METHODS if m in item)
            raise AssertionError(
                f"unknown method: {method.upper()} {template} is not documented (only {known})"
            )
        definition = item[method]
        return Operation(definition["operationId"], method, template, definition)

    def resolve(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        """Follow local $refs until a concrete schema."""
        while "$ref" in node:
            ref = node["$ref"]
            target: Any = self.document
            for part in ref.removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node

    def example(self, operation_id: str, status: str, name: str | None = None) -> Any:
        """A response example the spec documents (the first one when name is None)."""
        content = self.operation(operation_id).definition["responses"][status]["content"]
        examples = content["application/json"]["examples"]
        key = name if name is not None else next(iter(examples))
        return examples[key]["value"]


@functools.cache
def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    return re.compile(
        "^" + "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "$"
    )


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _prune(full: Mapping[str, Any], extra_paths: tuple[str, ...] = ()) -> dict[str, Any]:
    """Keep CHECKED_PATHS (and extra_paths) and the component schemas they reach, nothing else."""
    paths = {p: full["paths"][p] for p in (*CHECKED_PATHS, *extra_paths)}
    schemas = full["components"]["schemas"]
    kept: dict[str, Any] = {}
    pending = list(_refs(paths))
    while pending:
        name = pending.pop().removeprefix("#/components/schemas/")
        if name not in kept:
            kept[name] = schemas[name]
            pending.extend(_refs(schemas[name]))
    for erratum in SPEC_ERRATA:
        schema = copy.deepcopy(kept[erratum.schema])
        node = schema if erratum.prop is None else schema["properties"][erratum.prop]
        node.update(erratum.patch)
        if node.get("nullable") and "enum" in node and None not in node["enum"]:
            node["enum"].append(None)  # jsonschema's enum check ignores `nullable`
        kept[erratum.schema] = schema
    components = dict(full["components"], schemas=kept)
    return dict(full, paths=paths, components=components)


def _node(document: Mapping[str, Any], erratum: Erratum) -> Mapping[str, Any]:
    schema: Mapping[str, Any] = document["components"]["schemas"][erratum.schema]
    return schema if erratum.prop is None else schema["properties"][erratum.prop]


@functools.cache
def _full_document(source: Path) -> Mapping[str, Any]:
    if not source.is_file():
        raise FileNotFoundError(f"Twilio spec not found at {source} (set SHARED_DIR)")
    with source.open("rb") as stream:
        full: Mapping[str, Any] = yaml.load(stream, Loader=yaml.CSafeLoader)
    return full


@functools.cache
def load_spec(extra_paths: tuple[str, ...] = ()) -> Spec:
    """Read the official spec once per process, prune it to CHECKED_PATHS, build openapi-core.

    ``extra_paths`` adds documented paths outside the subset (a spec of their own, cached).
    """
    started = time.perf_counter()
    source = spec_file()
    full = _full_document(source)
    document = _prune(full, extra_paths)
    config = Config(extra_format_validators=FORMATS)
    api = OpenAPI.from_dict(cast(Mapping[Hashable, Any], document), config=config)
    return Spec(
        source=source,
        document=document,
        api=api,
        all_paths=frozenset(full["paths"]),
        official_nodes={e.target: _node(full, e) for e in SPEC_ERRATA},
        load_seconds=time.perf_counter() - started,
    )


@functools.cache
def _parameters_validator(extra_paths: tuple[str, ...] = ()) -> V30RequestParametersValidator:
    """Path and query parameters only: a response check knows nothing of the request body."""
    return V30RequestParametersValidator(
        load_spec(extra_paths).api.spec,
        extra_format_validators=FORMATS,
    )


def _outside_subset(path: str) -> tuple[str, ...]:
    """The documented template serving a path outside CHECKED_PATHS, as extra_paths; else ()."""
    spec = load_spec()
    if any(_template_regex(t).match(path) for t in spec.document["paths"]):
        return ()
    outside = [t for t in spec.all_paths if _template_regex(t).match(path)]
    if not outside:
        return ()
    return (max(outside, key=lambda t: len(re.sub(r"\{[^}]+\}", "", t))),)


def _split(path: str, query: str) -> tuple[str, str]:
    """Accept either a bare path or a full URL (the sandbox's own base URL)."""
    parts = urlsplit(path)
    return parts.path, query or parts.query


def _query_args(query: str) -> dict[str, list[str]]:
    args: dict[str, list[str]] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        args.setdefault(key, []).append(value)
    return args


def _schema_lines(prefix: str, errors: Iterable[JsonSchemaError]) -> list[str]:
    """One line per location in the document, e.g. 'body.calls[0].duration: 15 is not …'."""
    by_place: dict[str, list[str]] = {}
    for item in errors:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in item.absolute_path)
        by_place.setdefault(f"{prefix}{where}", []).append(item.message)
    lines = []
    for where, messages in by_place.items():
        # A null in a non-nullable field also fails type and enum: say it once.
        nulls = [m for m in messages if m.endswith("for not nullable")]
        lines.append(f"{where}: {'; '.join(nulls or messages)}")
    return lines


def _describe(error: BaseException) -> list[str]:
    """Flatten openapi-core's nested errors into one readable line per violation."""
    cause = error.__cause__ or error
    if isinstance(error, ParameterValidationError):
        prefix = f"{error.location} parameter {error.name}"
        if isinstance(cause, CastError):
            return [f"{prefix}: {cause.value!r} is not a valid {cause.type}"]
        if not getattr(cause, "schema_errors", None):
            return [f"{prefix}: {error}"]
    else:
        prefix = "body"
    schema_errors = getattr(cause, "schema_errors", None)
    if schema_errors:
        return _schema_lines(prefix, schema_errors)
    try:
        text = str(cause)
    except Exception:  # some openapi-core errors fail to render themselves
        text = repr(cause)
    return [f"{type(error).__name__}: {text or repr(cause)}"]


def shape_violations(spec: Spec, schema: Mapping[str, Any], value: Any, where: str) -> list[str]:
    """Objects must carry exactly the declared property names, recursively.

    Twilio's resource schemas mark nothing required, so plain schema validation accepts
    `{}`; this is what makes the sandbox return the full resource shape.
    """
    schema = spec.resolve(schema)
    problems: list[str] = []
    if isinstance(value, dict) and "properties" in schema:
        declared = set(schema["properties"])
        if missing := sorted(declared - value.keys()):
            problems.append(f"{where}: missing properties {missing}")
        open_ended = bool(schema.get("additionalProperties"))
        if (extra := sorted(value.keys() - declared)) and not open_ended:
            problems.append(f"{where}: undeclared properties {extra}")
        for key in sorted(declared & value.keys()):
            problems += shape_violations(
                spec, schema["properties"][key], value[key], f"{where}.{key}"
            )
    elif isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            problems += shape_violations(spec, schema["items"], item, f"{where}[{index}]")
    return problems


def _fail(title: str, problems: list[str]) -> None:
    if problems:
        raise AssertionError(title + "\n" + "\n".join(f"  - {p}" for p in problems))


def validate_response(
    method: str,
    path: str,
    status: int,
    body: bytes | str,
    content_type: str = "application/json",
    query: str = "",
) -> None:
    """Raise AssertionError listing every way this response breaks Twilio's spec."""
    spec = load_spec()
    path, query = _split(path, query)
    op = spec.find(method, path)
    title = f"{op.operation_id} {op.method.upper()} {path} -> {status} breaks Twilio's spec:"
    responses = op.definition.get("responses", {})
    key = str(status) if str(status) in responses else "default"
    documented = responses.get(key)
    if documented is None:
        _fail(title, [f"status {status} is not documented (documented: {', '.join(responses)})"])
    raw = body.encode() if isinstance(body, str) else body
    content = (documented or {}).get("content")
    if not content:
        _fail(title, [f"status {status} documents no body, got {len(raw)} bytes"] if raw else [])
        return
    request = MockRequest(TWILIO_HOST, op.method, path, args=_query_args(query))
    problems = [
        line for error in _parameters_validator().iter_errors(request) for line in _describe(error)
    ]
    mimetype = content_type.split(";")[0].strip().lower()
    if mimetype not in content:
        problems.append(f"content type {mimetype} is not documented (documented: {list(content)})")
        _fail(title, problems)
    try:
        document = json.loads(raw)
    except ValueError as error:
        _fail(title, [*problems, f"body is not JSON: {error} ({raw[:60]!r})"])
    # Validate the parsed JSON as is: openapi-core's response unmarshalling would first cast
    # strings ("false" -> False), hiding exactly the type slips a fake server makes.
    schema = spec.api.spec / "paths" / op.template / op.method / "responses" / key
    validator = oas30_read_schema_validators_factory.create(
        schema / "content" / mimetype / "schema", extra_format_validators=FORMATS
    )
    try:
        validator.validate(document)
    except InvalidSchemaValue as error:
        problems += _schema_lines("body", error.schema_errors)
    problems += shape_violations(spec, content[mimetype]["schema"], document, "body")
    _fail(title, problems)


def _cast(raw: str, schema: Mapping[str, Any]) -> Any:
    """Form values are strings; cast them the way Twilio reads them (ValueError if it cannot)."""
    kind = schema.get("type")
    if kind == "boolean":
        if raw not in ("true", "false"):
            raise ValueError(raw)
        return raw == "true"
    if kind == "integer":
        return int(raw)
    if kind == "number":
        return float(raw)
    return raw


def _decode_form(
    spec: Spec, schema: Mapping[str, Any], form: Mapping[str, str | Sequence[str]]
) -> tuple[dict[str, Any], list[str]]:
    """Typed body plus per-field problems; repeated keys form the array fields."""
    declared = spec.resolve(schema).get("properties", {})
    decoded: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in form.items():
        values = [value] if isinstance(value, str) else list(value)
        if key not in declared:
            problems.append(f"body.{key}: not a field of this operation")
            continue
        field = spec.resolve(declared[key])
        many = field.get("type") == "array"
        item_schema = spec.resolve(field.get("items", {})) if many else field
        if not many and len(values) != 1:
            problems.append(f"body.{key}: sent {len(values)} times but is not an array")
            continue
        items, bad = [], []
        for raw in values:
            try:
                items.append(_cast(raw, item_schema))
            except ValueError:
                bad.append(raw)
        if bad:
            problems.append(f"body.{key}: {bad[0]!r} is not a valid {item_schema.get('type')}")
            continue
        decoded[key] = items if many else items[0]
    return decoded, problems


def validate_request(method: str, path: str, form: Mapping[str, str | Sequence[str]]) -> None:
    """Raise AssertionError if a form-encoded request breaks the operation's requestBody schema.

    A list value stands for repeated keys (StatusCallbackEvent=a&StatusCallbackEvent=b), which
    is how the twilio client sends arrays; fields the spec does not declare are reported too.
    """
    path, query = _split(path, "")
    # A request to a documented path outside the subset (the account's numbers, applications,
    # keys…) is checked on a spec of its own: anything Twilio's spec accepts passes.
    extra = _outside_subset(path)
    spec = load_spec(extra)
    op = spec.find(method, path)
    title = f"{op.operation_id} request {op.method.upper()} {path} breaks Twilio's spec:"
    request = MockRequest(TWILIO_HOST, op.method, path, args=_query_args(query))
    problems = [
        line
        for error in _parameters_validator(extra).iter_errors(request)
        for line in _describe(error)
    ]
    media = op.definition.get("requestBody", {}).get("content", {}).get(FORM)
    if media is None:
        if form:
            problems.append(f"{op.operation_id} takes no form body, got fields {sorted(form)}")
        _fail(title, problems)
        return
    decoded, form_problems = _decode_form(spec, media["schema"], form)
    problems += form_problems
    schema = spec.api.spec / "paths" / op.template / op.method / "requestBody" / "content"
    validator = oas30_write_schema_validators_factory.create(
        schema / FORM / "schema", extra_format_validators=FORMATS
    )
    try:
        validator.validate(decoded)
    except InvalidSchemaValue as error:
        problems += _schema_lines("body", error.schema_errors)
    _fail(title, problems)
