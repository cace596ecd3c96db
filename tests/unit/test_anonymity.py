"""The anonymity checker: what looks like an identity is found, what does not is left alone."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotline.anonymity import IdentityRefusal, check, identities, nir_key_is_right


def kinds(text: str) -> list[str]:
    return [finding.kind for finding in identities(text)]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Patient 1 85 05 78 006 084 36 vu hier", "nir"),
        ("NIR 185057800608491", "nir"),
        ("NIR 1.85.05.78.006.084.91", "nir"),
        ("née le 12/03/1985, sans logement", "birth_date"),
        ("né le 1er mars 1985", "birth_date"),
        ("Né le 3 avril 1990", "birth_date"),
        ("DDN 12/03/85", "birth_date"),
        ("date de naissance à vérifier", "birth_date"),
        ("née en 1985", "birth_date"),
        ("joignable au 06 12 34 56 78", "phone"),
        ("joignable au 0612345678", "phone"),
        ("joignable au +33 6 12 34 56 78", "phone"),
        ("joignable au +33612345678", "phone"),
        ("joignable au 06.12.34.56.78", "phone"),
        ("écrire à fatima.benali@example.org", "email"),
        ("Mme Fatima BENALI, 45 ans", "name"),
        ("vu avec M. Dupont", "name"),
        ("Monsieur Jean Durand", "name"),
        ("madame Benali", "name"),
    ],
)
def test_what_looks_like_an_identity_is_found(text: str, kind: str) -> None:
    assert kind in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "Demande 2026-00042, suite de la 2025-01234",
        "rendez-vous le 12/03 à 14 h à la PASS",
        "rendez-vous le 12/03/2026",
        "commune INSEE 31555, code postal 31000",
        "Mme X, 45 ans, sans couverture, orientée vers le DAC",
        "Madame la directrice du CCAS",
        "Le médecin a vu le patient le 1er mars",
        "facture 100000000000000",
        "15 rue des Lilas",  # an address without a name: not in the checker's kinds
        "",
    ],
)
def test_what_does_not_look_like_an_identity_is_left_alone(text: str) -> None:
    assert identities(text) == []


def test_the_nir_key_is_97_minus_the_number_mod_97_corsica_counted_as_19_and_18() -> None:
    assert nir_key_is_right("1850578006084", "91")
    assert not nir_key_is_right("1850578006084", "36")
    # 2A → 19, 2B → 18 in the computation
    assert nir_key_is_right("18505" + "2A" + "006084", f"{97 - 1850519006084 % 97:02d}")
    assert nir_key_is_right("18505" + "2B" + "006084", f"{97 - 1850518006084 % 97:02d}")


def test_a_refusal_says_what_it_found() -> None:
    with pytest.raises(IdentityRefusal) as refused:
        check("Mme Fatima BENALI née le 12/03/1985")
    message = str(refused.value)
    assert "Fatima BENALI" in message and "née le 12/03/1985" in message
    assert [f.kind for f in refused.value.findings] == ["name", "birth_date"]


nir_bodies = st.builds(
    lambda sex, year, month, dept, commune, order: (
        f"{sex}{year:02d}{month:02d}{dept}{commune:03d}{order:03d}"
    ),
    st.sampled_from("1278"),
    st.integers(0, 99),
    st.integers(1, 12),
    st.one_of(st.integers(1, 95).map(lambda d: f"{d:02d}"), st.sampled_from(["2A", "2B"])),
    st.integers(1, 999),
    st.integers(1, 999),
)


def _key(body: str) -> str:
    digits = body.replace("2A", "19") if body[5:7] == "2A" else body
    digits = digits.replace("2B", "18") if body[5:7] == "2B" else digits
    return f"{97 - int(digits) % 97:02d}"


@given(nir_bodies, st.sampled_from(["", " ", ".", "-"]))
def test_any_nir_with_its_key_is_found_however_it_is_written(body: str, sep: str) -> None:
    groups = [body[0], body[1:3], body[3:5], body[5:7], body[7:10], body[10:13], _key(body)]
    assert kinds(f"Situation : {sep.join(groups)} ; à revoir") == ["nir"]


@given(nir_bodies)
def test_a_run_of_digits_with_a_wrong_key_is_not_a_nir(body: str) -> None:
    wrong = f"{(int(_key(body)) + 1) % 100:02d}"
    assert "nir" not in kinds(f"dossier {body}{wrong}")


@given(st.integers(2000, 2099), st.integers(0, 99999))
def test_a_request_reference_is_never_an_identity(year: int, number: int) -> None:
    assert identities(f"Demande {year}-{number:05d} revue en intervision") == []


@given(st.integers(1, 31), st.integers(1, 12))
def test_an_appointment_date_is_not_a_birth_date(day: int, month: int) -> None:
    assert identities(f"rendez-vous le {day:02d}/{month:02d} au CMP") == []


@given(st.integers(1, 9), st.lists(st.integers(0, 99), min_size=4, max_size=4))
def test_a_french_phone_number_is_found(first: int, pairs: list[int]) -> None:
    number = f"0{first} " + " ".join(f"{p:02d}" for p in pairs)
    assert kinds(f"rappeler le {number} demain") == ["phone"]
