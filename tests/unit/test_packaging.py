"""A clean install: pyproject.toml's `license` in the SPDX form setuptools no longer warns about."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_the_license_is_an_spdx_string_with_a_setuptools_that_reads_it() -> None:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    license_field = project["project"]["license"]
    # A table ({ text = … } or { file = … }) is deprecated and warned about at every install.
    assert isinstance(license_field, str)
    assert re.fullmatch(r"LicenseRef-[A-Za-z0-9.-]+|[A-Za-z0-9.+-]+", license_field)
    assert not any(c.startswith("License ::") for c in project["project"].get("classifiers", []))
    # The string form needs setuptools 77 or later to build the package.
    requires = project["build-system"]["requires"]
    setuptools = next(r for r in requires if r.startswith("setuptools"))
    found = re.fullmatch(r"setuptools>=(\d+)(\.\d+)*", setuptools)
    assert found and int(found.group(1)) >= 77, setuptools


def test_the_readme_opens_with_a_tour_of_screenshots_that_exist_in_docs() -> None:
    readme = (PYPROJECT.parent / "README.md").read_text(encoding="utf-8")
    top = readme[: readme.index("## The two commands")]
    pictures = re.findall(r"!\[[^\]]+\]\((docs/[^)]+\.png)\)", top)
    assert len(pictures) >= 3, pictures
    for picture in pictures:
        assert (PYPROJECT.parent / picture).is_file(), picture
