"""The shape of the code that import-linter cannot see: module sizes, views that never commit,
and the shared plumbing written once (the claim, the number formatter, the helpline lookup)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("hotline", "routing", "interpreter_pool", "callbacks", "reports")
RULEBOOKS = {"interpreter_pool/billing.py", "interpreter_pool/languages.py", "routing/hours.py"}


def modules() -> Iterator[Path]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_no_module_is_over_500_lines_except_the_pure_rulebooks() -> None:
    too_long = {
        name(path): count
        for path in modules()
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > 500
        and name(path) not in RULEBOOKS
    }
    assert too_long == {}


def is_route(decorator: ast.expr) -> bool:
    """``@bp.get(...)``, ``@bp.post(...)``, ``@bp.route(...)``, ``@app.get(...)``…"""
    return (
        isinstance(decorator, ast.Call)
        and isinstance(decorator.func, ast.Attribute)
        and decorator.func.attr in {"get", "post", "put", "patch", "delete", "route"}
    )


def commits_in_views(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and any(map(is_route, node.decorator_list)):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Call):
                    called = inner.func
                    label = (
                        called.attr
                        if isinstance(called, ast.Attribute)
                        else called.id
                        if isinstance(called, ast.Name)
                        else ""
                    )
                    if label == "commit":
                        found.append(f"{node.name}:{inner.lineno}")
    return found


def test_the_check_finds_a_view_that_commits() -> None:
    source = (
        "@bp.post('/x')\ndef save():\n    db_session().commit()\n    return ''\n"
        "@bp.get('/y')\ndef show():\n    return ''\n"
        "def job(session):\n    session.commit()\n"
    )
    assert commits_in_views(source) == ["save:3"]


def test_no_view_commits_the_framework_does() -> None:
    offenders = {
        name(path): found
        for path in modules()
        if "sandbox" not in path.parts
        and (found := commits_in_views(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def occurrences(pattern: str) -> set[str]:
    compiled = re.compile(pattern)
    return {
        name(path)
        for path in modules()
        if "sandbox" not in path.parts and compiled.search(path.read_text(encoding="utf-8"))
    }


@pytest.mark.parametrize(
    ("what", "pattern", "home"),
    [
        (
            "the conditional-update claim",
            r"rowcount\"?, 0\)\s*==\s*1|\.rowcount\s*==\s*1",
            "hotline/db.py",
        ),
        ("the number formatter", r"phonenumbers\.format_number\(", "hotline/phones.py"),
        # Finding the helpline a number reaches (listing helplines is hotline.scope's).
        ("the helpline lookup", r"Helpline\.phone_number\s*==", "hotline/services.py"),
        (
            "ringing a leg",
            r"def ring_leg\(|def cancel_leg\(|def step_deadline\(",
            "hotline/ringing.py",
        ),
    ],
)
def test_the_shared_plumbing_is_written_once(what: str, pattern: str, home: str) -> None:
    assert occurrences(pattern) == {home}, what
