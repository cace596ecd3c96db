"""The architecture contracts of pyproject.toml (import-linter) have teeth: each rule is needed.

The rules are written down here a second time, from ARCHITECTURE.md, and each is checked against
the project's own configuration on a small tree of stand-in packages: removing a rule from
pyproject.toml, or a layer, or a pure module from its list, makes one of these tests fail.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]

# Top to bottom: a package imports only the packages below it.
LAYERS = ("reports", "callbacks", "interpreter_pool", "routing", "hotline")
# The modules that wire everything together: the only ones of `hotline` importing the features.
COMPOSITION_ROOTS = (
    "hotline.app",
    "hotline.cli",
    "hotline.demo",
    "hotline.demo_player",
    "hotline.demo_region",
    "hotline.demo_year",
    "hotline.all_models",
)
# Rules on time, money, languages, plans, parsing and TwiML builders.
PURE_MODULES = (
    "hotline.anonymity",
    "hotline.callstate",
    "hotline.finess",
    "hotline.names",
    "hotline.passwords",
    "hotline.phones",
    "hotline.reference_codes",
    "hotline.spreadsheet",
    "hotline.story",
    "hotline.sms_rules",
    "hotline.telephony.parsing",
    "hotline.telephony.signature",
    "hotline.telephony.twiml",
    "hotline.telephony.urls",
    "hotline.voice_twiml",
    "routing.hours",
    "routing.hours_grid",
    "routing.plan",
    "routing.rota_calendar",
    "routing.rota_rules",
    "routing.story",
    "routing.twiml",
    "interpreter_pool.billing",
    "interpreter_pool.budget",
    "interpreter_pool.budget_lines",
    "interpreter_pool.dispatch",
    "interpreter_pool.invoices",
    "interpreter_pool.labels",
    "interpreter_pool.languages",
    "interpreter_pool.language_names",
    "interpreter_pool.story",
    "interpreter_pool.twiml",
    "callbacks.story",
    "callbacks.twiml",
    "callbacks.network.appointments",
    "callbacks.network.story",
    "reports.charts",
    "reports.finance_filters",
    "reports.indicator_facts",
    "reports.indicator_spec",
    "reports.indicators",
    "reports.indicators_activity",
    "reports.indicators_service",
    "reports.indicators_interpreting",
    "reports.indicators_followup",
    "reports.indicators_finance",
    "reports.indicators_quality",
    "reports.report_charts",
    "reports.report_filters",
    "reports.report_content",
    "reports.report_requests",
    "reports.report_texts",
)
FORBIDDEN_IN_PURE_MODULES = ("flask", "sqlalchemy", "werkzeug")

# Each adjacent pair (lower, upper): the lower layer must not import the upper one.
BACK_EDGES = [(lower, upper) for upper, lower in itertools.pairwise(LAYERS)]

# Runs import-linter on each job of a JSON list ({root, config, contracts}) in one process (the
# import of import-linter is most of the time of a run), each in its own directory, and prints
# [{returncode, output}]. The analysed packages are found from the job's directory, not imported.
DRIVER = """
import contextlib, importlib, io, json, os, sys
from importlinter import cli
base_path = list(sys.path)
outcomes = []
for job in json.loads(open(sys.argv[1], encoding="utf-8").read()):
    os.chdir(job["root"])
    sys.path[:] = [job["root"], *base_path]
    sys.path_importer_cache.clear()
    importlib.invalidate_caches()
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        returncode = cli.lint_imports(
            config_filenames=(job["config"],),
            limit_to_contracts=tuple(job["contracts"]),
            no_cache=True,
            no_logo=True,
        )
    outcomes.append({"returncode": returncode, "output": output.getvalue()})
sys.stdout.write(json.dumps(outcomes))
"""

Config = dict[str, Any]


def project_config() -> Config:
    """The [tool.importlinter] table of the project's pyproject.toml."""
    with (REPO / "pyproject.toml").open("rb") as file:
        config: Config = tomllib.load(file)["tool"]["importlinter"]
    return config


def contract(config: Config, type_: str) -> Config:
    """The one contract of that type."""
    (found,) = [c for c in config["contracts"] if c["type"] == type_]
    return found


def layers_contract(config: Config) -> Config:
    return contract(config, "layers")


def purity_contract(config: Config) -> Config:
    return contract(config, "forbidden")


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    raise TypeError(f"no TOML for {value!r}")


def write_config(path: Path, config: Config) -> Path:
    """Write `config` as a pyproject-style [tool.importlinter] table."""
    lines = ["[tool.importlinter]"]
    lines += [f"{key} = {toml_value(v)}" for key, v in config.items() if key != "contracts"]
    for each in config["contracts"]:
        lines += ["", "[[tool.importlinter.contracts]]"]
        lines += [f"{key} = {toml_value(v)}" for key, v in each.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def module_path(root: Path, module: str) -> Path:
    return root.joinpath(*module.split(".")).with_suffix(".py")


def write_module(root: Path, module: str, source: str) -> None:
    """Write a module and the __init__.py of each package above it."""
    path = module_path(root, module)
    path.parent.mkdir(parents=True, exist_ok=True)
    for package in [path.parent, *path.parent.parents]:
        if package == root:
            break
        (package / "__init__.py").touch()
    path.write_text(source, encoding="utf-8")


def clean_tree(root: Path) -> Path:
    """Stand-in packages that keep the contracts, with the shapes the real ones have.

    Each package's services import the package below; the composition roots import every
    feature; the database and web modules import SQLAlchemy, Flask and Werkzeug; the pure
    modules import only the standard library.
    """
    root.mkdir(parents=True, exist_ok=True)
    for upper, lower in itertools.pairwise(LAYERS):
        write_module(root, f"{upper}.services", f"import {lower}.services\n")
    write_module(root, "hotline.services", "import hotline.models\n")
    write_module(root, "hotline.models", "import sqlalchemy\n")
    write_module(root, "hotline.web", "import flask\nimport werkzeug\n")
    features = "".join(f"import {package}.services\n" for package in LAYERS[:-1])
    for composition_root in COMPOSITION_ROOTS:
        write_module(root, composition_root, "import flask\n" + features)
    for module in PURE_MODULES:
        write_module(root, module, "import datetime\n")
    return root


def plant(root: Path, module: str, line: str) -> None:
    """Add an import line at the top of a module (created if missing)."""
    path = module_path(root, module)
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    write_module(root, module, line + "\n" + old)


def without(config: Config, contract_type: str, key: str, rule: str) -> Config:
    """The configuration less one item of a contract's list (unchanged if it is not there)."""
    found = contract(config, contract_type)
    found[key] = [item for item in found[key] if item != rule]
    return config


def without_layer(config: Config, layer: str) -> Config:
    return without(config, "layers", "layers", layer)


def without_forbidden(config: Config, module: str) -> Config:
    return without(config, "forbidden", "forbidden_modules", module)


def without_pure_module(config: Config, module: str) -> Config:
    return without(config, "forbidden", "source_modules", module)


def without_composition_root(config: Config, root: str) -> Config:
    ignores = layers_contract(config)["ignore_imports"]
    layers_contract(config)["ignore_imports"] = [i for i in ignores if not i.startswith(root + " ")]
    return config


def back_edge_caught_only_by(layer: str) -> dict[str, list[str]]:
    """A back edge from or to `layer`, between adjacent layers (no other layer sees it)."""
    index = LAYERS.index(layer)
    lower, upper = (LAYERS[1], layer) if index == 0 else (layer, LAYERS[index - 1])
    return {f"{lower}.back_edge": [f"import {upper}.services"]}


@dataclass(frozen=True)
class Scenario:
    """A run of import-linter: a configuration on the clean tree with planted imports."""

    config: Config = field(default_factory=project_config)
    planted: Mapping[str, Sequence[str]] = field(default_factory=dict)
    contracts: tuple[str, ...] = ()
    # Run on the project's own packages and pyproject.toml instead of the clean tree.
    on_the_project: bool = False


@dataclass(frozen=True)
class Outcome:
    returncode: int
    output: str


# Each rule of the configuration, with a violation only that rule catches.
RULES = {
    **{
        f"layer {layer}": (without_layer, layer, back_edge_caught_only_by(layer))
        for layer in LAYERS
    },
    **{
        f"forbidden {module}": (without_forbidden, module, {PURE_MODULES[0]: [f"import {module}"]})
        for module in FORBIDDEN_IN_PURE_MODULES
    },
    **{
        f"pure {module}": (without_pure_module, module, {module: ["import flask"]})
        for module in PURE_MODULES
    },
}
PLANTED_IN_EVERY_PURE_MODULE = {
    module: [f"import {FORBIDDEN_IN_PURE_MODULES[i % len(FORBIDDEN_IN_PURE_MODULES)]}"]
    for i, module in enumerate(PURE_MODULES)
}
SCENARIOS = {
    "clean": Scenario(),
    **{
        f"back edge {lower} -> {upper}": Scenario(
            planted={f"{lower}.back_edge": [f"import {upper}.services"]}
        )
        for lower, upper in [*BACK_EDGES, ("hotline", "reports")]
    },
    "back edge in a function": Scenario(
        planted={"routing.late": ["def later() -> None:\n    import callbacks.services\n"]}
    ),
    "hotline.views imports routing": Scenario(
        planted={"hotline.views": ["import routing.services"]}
    ),
    "every pure module imports flask, sqlalchemy or werkzeug": Scenario(
        planted=PLANTED_IN_EVERY_PURE_MODULE
    ),
    "a pure module reaches flask through another module": Scenario(
        planted={"routing.hours": ["import hotline.web"]}
    ),
    **{f"with {name}": Scenario(planted=violation) for name, (_, _, violation) in RULES.items()},
    **{
        f"without {name}": Scenario(config=remove(project_config(), rule), planted=violation)
        for name, (remove, rule, violation) in RULES.items()
    },
    **{
        f"without the exemption of {root}": Scenario(
            config=without_composition_root(project_config(), root)
        )
        for root in COMPOSITION_ROOTS
    },
    "the project's purity": Scenario(
        contracts=(purity_contract(project_config())["id"],), on_the_project=True
    ),
    "the project": Scenario(on_the_project=True),
}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    """Every scenario's outcome, from one run of import-linter."""
    jobs = []
    for index, scenario in enumerate(SCENARIOS.values()):
        if scenario.on_the_project:
            jobs.append({"root": str(REPO), "config": str(REPO / "pyproject.toml")})
        else:
            work = tmp_path_factory.mktemp(f"scenario{index}")
            root = clean_tree(work / "src")
            for module, lines in scenario.planted.items():
                for line in lines:
                    plant(root, module, line)
            config_file = write_config(work / "importlinter.toml", scenario.config)
            jobs.append({"root": str(root), "config": str(config_file)})
        jobs[-1]["contracts"] = list(scenario.contracts)
    jobs_file = tmp_path_factory.mktemp("jobs") / "jobs.json"
    jobs_file.write_text(json.dumps(jobs), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-c", DRIVER, str(jobs_file)],
        env={**os.environ, "COLUMNS": "240", "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    return {
        name: Outcome(**outcome)
        for name, outcome in zip(SCENARIOS, json.loads(run.stdout), strict=True)
    }


def test_the_clean_tree_keeps_the_contracts(outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes["clean"]

    assert outcome.returncode == 0, outcome.output
    assert "Contracts: 2 kept, 0 broken." in outcome.output


@pytest.mark.parametrize(("lower", "upper"), [*BACK_EDGES, ("hotline", "reports")])
def test_a_back_edge_breaks_the_layers_contract(
    outcomes: dict[str, Outcome], lower: str, upper: str
) -> None:
    outcome = outcomes[f"back edge {lower} -> {upper}"]

    assert outcome.returncode != 0
    assert f"{layers_contract(project_config())['name']} BROKEN" in outcome.output
    assert f"{lower} is not allowed to import {upper}:" in outcome.output
    assert f"{lower}.back_edge -> {upper}.services" in outcome.output


def test_a_back_edge_imported_inside_a_function_breaks_the_layers_contract(
    outcomes: dict[str, Outcome],
) -> None:
    outcome = outcomes["back edge in a function"]

    assert outcome.returncode != 0
    assert "routing.late -> callbacks.services" in outcome.output


def test_a_module_of_hotline_other_than_a_composition_root_may_not_import_a_feature(
    outcomes: dict[str, Outcome],
) -> None:
    outcome = outcomes["hotline.views imports routing"]

    assert outcome.returncode != 0
    assert "hotline.views -> routing.services" in outcome.output


def test_every_pure_module_importing_flask_sqlalchemy_or_werkzeug_breaks_the_purity_contract(
    outcomes: dict[str, Outcome],
) -> None:
    outcome = outcomes["every pure module imports flask, sqlalchemy or werkzeug"]

    assert outcome.returncode != 0
    assert f"{purity_contract(project_config())['name']} BROKEN" in outcome.output
    for module, (line,) in PLANTED_IN_EVERY_PURE_MODULE.items():
        forbidden = line.removeprefix("import ")
        assert f"{module} is not allowed to import {forbidden}:" in outcome.output


def test_a_pure_module_reaching_flask_through_another_module_breaks_the_purity_contract(
    outcomes: dict[str, Outcome],
) -> None:
    outcome = outcomes["a pure module reaches flask through another module"]

    assert outcome.returncode != 0
    assert "routing.hours is not allowed to import flask:" in outcome.output
    assert "hotline.web -> flask" in outcome.output


@pytest.mark.parametrize("rule", RULES)
def test_each_rule_is_what_catches_its_violation(outcomes: dict[str, Outcome], rule: str) -> None:
    with_the_rule, without_it = outcomes[f"with {rule}"], outcomes[f"without {rule}"]

    assert with_the_rule.returncode != 0, with_the_rule.output
    assert "BROKEN" in with_the_rule.output
    assert without_it.returncode == 0, without_it.output


@pytest.mark.parametrize("composition_root", COMPOSITION_ROOTS)
def test_each_composition_root_needs_its_exemption(
    outcomes: dict[str, Outcome], composition_root: str
) -> None:
    outcome = outcomes[f"without the exemption of {composition_root}"]

    assert outcome.returncode != 0
    assert f"{composition_root} -> routing.services" in outcome.output


def test_the_pure_modules_of_the_project_import_neither_flask_nor_sqlalchemy(
    outcomes: dict[str, Outcome],
) -> None:
    outcome = outcomes["the project's purity"]

    assert outcome.returncode == 0, outcome.output


def test_the_project_keeps_its_import_contracts(outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes["the project"]

    assert outcome.returncode == 0, outcome.output
