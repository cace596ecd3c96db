"""The indicator registry: each entry complete in French and English, ids the catalogue's."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest

from reports.indicator_facts import Period
from reports.indicators import (
    BREAKDOWNS,
    GROUPS,
    REGISTRY,
    UNITS,
    definitions,
    manual_indicators,
    same_period_last_year,
    year_to_date,
)

# shared/INDICATORS.md §2: A 12, B 10, C 14, D 7, E 9, F 9, G 6 = 67.
CATALOGUE_SIZES = {"A": 12, "B": 10, "C": 14, "D": 7, "E": 9, "F": 9, "G": 6}
CATALOGUE_IDS = [f"{g}{n:02d}" for g, size in CATALOGUE_SIZES.items() for n in range(1, size + 1)]
ROW = re.compile(r"^\| ([A-G]\d\d) \| ([^|]+) \| ([^|]+) \|", re.MULTILINE)


def test_the_registry_holds_the_catalogues_67_ids_once_each_in_order() -> None:
    assert list(REGISTRY) == CATALOGUE_IDS
    assert all(key == indicator.id for key, indicator in REGISTRY.items())


@pytest.mark.parametrize("indicator_id", CATALOGUE_IDS)
def test_each_indicator_is_defined_in_french_and_english_and_computed_or_manual(
    indicator_id: str,
) -> None:
    indicator = REGISTRY[indicator_id]
    assert indicator.group in GROUPS
    for text in (indicator.label_fr, indicator.label_en):
        assert text.strip() and text == text.strip()
    for text in (indicator.definition_fr, indicator.definition_en):
        assert len(text) > 20 and text.endswith(".")
    assert indicator.definition_fr != indicator.definition_en
    assert indicator.unit in UNITS
    assert set(indicator.breakdowns) <= set(BREAKDOWNS)
    assert len(set(indicator.breakdowns)) == len(indicator.breakdowns)
    assert (indicator.compute is None) == indicator.manual
    assert not (indicator.manual and indicator.additive)
    if indicator.manual:
        assert indicator.definition_fr.startswith("Saisie manuelle")
        assert indicator.definition_en.startswith("Manual input")


def test_labels_and_definitions_follow_the_readers_language() -> None:
    a01 = REGISTRY["A01"]
    assert a01.label("fr") == "Nombre de demandes" and a01.label("en") == "Requests"
    assert a01.definition("en_GB") == a01.definition_en


def test_the_manual_indicators_are_those_the_product_has_no_data_for() -> None:
    assert [i.id for i in manual_indicators()] == ["F07", "G02", "G06"]


def test_the_readme_lists_the_manual_indicators() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    for indicator in manual_indicators():
        assert f"{indicator.id} " in readme and indicator.label_fr in readme


def test_the_labels_are_the_catalogues_when_the_catalogue_is_at_hand() -> None:
    catalogue = Path(os.environ.get("SHARED_DIR", "/nonexistent")) / "INDICATORS.md"
    if not catalogue.exists():
        pytest.skip("SHARED_DIR/INDICATORS.md is not at hand")
    rows = {m[1]: (m[2].strip(), m[3].strip()) for m in ROW.finditer(catalogue.read_text())}
    assert sorted(rows) == CATALOGUE_IDS
    for indicator_id, (label_fr, label_en) in rows.items():
        assert (REGISTRY[indicator_id].label_fr, REGISTRY[indicator_id].label_en) == (
            label_fr,
            label_en,
        )


def test_the_definitions_sheet_reads_the_registry_in_the_readers_language() -> None:
    french, english = definitions("fr"), definitions("en")
    assert [d.id for d in french] == CATALOGUE_IDS
    assert french[0].group == "Activité" and english[0].group == "Activity"
    assert english[14].label == "Service level 30 s" and english[14].definition.startswith("Calls")
    assert [d.id for d in english if d.is_manual] == ["F07", "G02", "G06"]


def test_last_year_is_the_same_local_dates_and_year_to_date_starts_in_january() -> None:
    # Summer time in July: the local dates stay, whatever the UTC offsets.
    july = Period.local(date(2026, 7, 1), date(2026, 7, 31))
    assert same_period_last_year(july) == Period.local(date(2025, 7, 1), date(2025, 7, 31))
    assert year_to_date(july) == Period(
        Period.local(date(2026, 1, 1), date(2026, 1, 1)).start, july.end
    )
    december = Period.local(date(2026, 12, 1), date(2026, 12, 31))
    assert year_to_date(december).start == Period.local(date(2026, 1, 1), date(2026, 1, 1)).start
    leap = Period.local(date(2028, 2, 29), date(2028, 2, 29))
    assert (
        same_period_last_year(leap).start
        == Period.local(date(2027, 2, 28), date(2027, 2, 28)).start
    )
