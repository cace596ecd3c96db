"""Merging two professionals of the directory: requests, numbers, structures and history follow
the record kept; the other stays, inactive, marked merged (over HTTP, CSRF, both languages)."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import merge
from hotline.hooks import MergeHandler
from hotline.models import (
    AuditEvent,
    Helpline,
    Professional,
    ProfessionalStructure,
    Request,
    User,
)
from hotline.refusals import Refusal
from tests.factories import (
    make_callback_task,
    make_helpline,
    make_member,
    make_professional,
    make_request,
    make_structure,
    make_user,
)
from tests.integration.admin_support import (
    admin,
    audit_actions,
    console,
    helpline,
    page_text,
    post,
)
from tests.integration.test_console_access import sign_in

__all__ = ["admin", "console", "helpline"]  # the fixtures these tests use


def _two_records(session: Session, helpline: Helpline) -> tuple[Professional, Professional]:
    """Dr Claire Martin twice: the first with one request, the second with three, a callback,
    a structure and two numbers (one both records hold)."""
    first = make_professional(session, "+33561223344")
    second = make_professional(
        session, "+33612345678", "+33561223344", rpps="10101010101", commune="Toulouse"
    )
    make_request(session, helpline, professional_id=first.id)
    for _ in range(3):
        last = make_request(session, helpline, professional_id=second.id)
    make_callback_task(session, last)
    structure = make_structure(session)
    session.add(ProfessionalStructure(professional_id=second.id, structure_id=structure.id))
    session.commit()
    return first, second


def test_merging_two_professionals_moves_every_request_of_the_second_to_the_first(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline
) -> None:
    first, second = _two_records(session, helpline)
    listing = page_text(console.get("/admin/directory"))
    link = f"/admin/directory/merge?kept={first.id}&amp;merged={second.id}"
    assert link.replace("&amp;", "&") in listing  # the duplicate flag leads to the merge
    shown = page_text(console.get(f"/admin/directory/merge?kept={first.id}&merged={second.id}"))
    assert "Fusionner deux fiches" in shown and "10101010101" in shown
    assert "Maison de santé des Izards" in shown and "Rappels" in shown
    assert '<td class="num">3</td>' in shown and '<td class="num">1</td>' in shown
    assert f'value="{first.id}" checked' in shown

    form = {"first_id": str(first.id), "second_id": str(second.id), "kept_id": str(first.id)}
    response = post(console, "/admin/directory/merge", form)
    assert response.status_code == 302
    session.expire_all()
    requests = session.scalars(select(Request.professional_id)).all()
    assert requests == [first.id] * 4
    kept = session.get(Professional, first.id)
    merged = session.get(Professional, second.id)
    assert kept is not None and merged is not None
    assert sorted(p.number for p in kept.phones) == ["+33561223344", "+33612345678"]
    assert merged.phones == [] and not merged.is_active and merged.merged_into_id == first.id
    assert (kept.rpps, kept.commune) == ("10101010101", "Toulouse")  # filled from the other
    assert [s.name for s in kept.structures] == ["Maison de santé des Izards"]
    assert audit_actions(session, "professional") == [
        "professional_merged",
        "professional_merged_into",
    ]
    detail = session.scalars(
        select(AuditEvent.detail).where(AuditEvent.action == "professional_merged")
    ).one()
    assert detail is not None and detail["moved"]["requests"] == 3
    page = page_text(console.get(f"/admin/directory/{first.id}"))
    assert "est fusionnée dans celle de Dr Claire Martin : 3 demandes déplacées" in page
    assert "doublon possible" not in page_text(console.get("/admin/directory"))


def test_the_record_kept_is_chosen_on_the_page_and_the_page_reads_in_english(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline
) -> None:
    first, second = _two_records(session, helpline)
    english = page_text(
        console.get(f"/admin/directory/merge?kept={first.id}&merged={second.id}&lang=en")
    )
    assert "Merge two records" in english and "Merge the two records" in english
    form = {"first_id": str(first.id), "second_id": str(second.id), "kept_id": str(second.id)}
    assert post(console, "/admin/directory/merge", form).status_code == 302
    session.expire_all()
    assert set(session.scalars(select(Request.professional_id))) == {second.id}
    assert session.get(Professional, first.id).merged_into_id == second.id  # type: ignore[union-attr]
    again = post(console, "/admin/directory/merge", form)
    assert again.status_code == 302  # refused: a record merged already
    assert "was already merged into" in page_text(console.get(again.headers["Location"]))


def test_a_merge_without_the_csrf_token_is_refused(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline
) -> None:
    first, second = _two_records(session, helpline)
    form = {"first_id": str(first.id), "second_id": str(second.id), "kept_id": str(first.id)}
    assert console.post("/admin/directory/merge", data=form).status_code in (400, 403)
    session.expire_all()
    assert session.get(Professional, second.id).merged_into_id is None  # type: ignore[union-attr]


def test_an_admin_of_one_helpline_cannot_merge_records_with_another_helpline_s_requests(
    console: FlaskClient, session: Session, helpline: Helpline
) -> None:
    other = make_helpline(session, name="Autre permanence", phone_number="+33500000009")
    local = make_user(session, "nurse", "local-admin@example.org")
    make_member(session, local, helpline, "admin")
    first, second = _two_records(session, other)
    assert sign_in(console, local.email) == 302
    shown = page_text(console.get(f"/admin/directory/merge?kept={first.id}&merged={second.id}"))
    assert "que vous n'administrez pas" in shown and "Fusionner les deux fiches" not in shown
    form = {"first_id": str(first.id), "second_id": str(second.id), "kept_id": str(first.id)}
    assert post(console, "/admin/directory/merge", form).status_code == 403
    session.expire_all()
    assert set(session.scalars(select(Request.professional_id))) == {first.id, second.id}


def test_records_merged_into_the_merged_one_now_name_the_kept_one(
    session: Session, helpline: Helpline
) -> None:
    a = make_professional(session, "+33600000001", last_name="A")
    b = make_professional(session, "+33600000002", last_name="B")
    c = make_professional(session, "+33600000003", last_name="C")
    merge.merge_professionals(session, b, c)
    moved = merge.merge_professionals(session, a, b)
    assert moved["merged_records"] == 1
    assert (b.merged_into_id, c.merged_into_id) == (a.id, a.id)
    assert sorted(p.number for p in a.phones) == ["+33600000001", "+33600000002", "+33600000003"]
    try:
        merge.merge_professionals(session, a, a)
    except Refusal as exc:
        assert "deux fiches différentes" in str(exc)
    else:
        raise AssertionError("a record merged with itself")


def test_a_feature_s_merge_handler_counts_and_moves_its_rows(
    session: Session, helpline: Helpline
) -> None:
    kept = make_professional(session, "+33600000001")
    merged = make_professional(session, "+33600000002")
    moves: list[tuple[int, int]] = []

    def move(_session: Session, merged_id: int, kept_id: int) -> int:
        moves.append((merged_id, kept_id))
        return 2

    handler = MergeHandler("notes", "notes", lambda _s, pid: 5 if pid == merged.id else 0, move)
    assert merge.counts(session, merged, [handler]).features == {"notes": 5}
    moved = merge.merge_professionals(session, kept, merged, [handler])
    assert moves == [(merged.id, kept.id)] and moved["notes"] == 2
