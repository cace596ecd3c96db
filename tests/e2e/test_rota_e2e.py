"""The recurring rota, end to end: an admin sets a weekly pattern and an absence in the console;
a GP's call through the sandbox (the real twilio library) rings whom the resolved rota says."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hotline.demo import DemoStack
from hotline.models import User
from routing.models import RotaException, RotaPattern, Shift
from tests.e2e.conftest import until
from tests.e2e.test_helplines_e2e import Console
from tests.e2e.test_nurse_routing_e2e import BACKUP, NURSE, call_and_press_2, routing_of

MONDAY_10 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 23 November, 10:00 in Paris
TUESDAY_10 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # the next day, 10:00 in Paris


def set_up_amelies_week(stack: DemoStack, db: Session) -> User:
    """As the admin in the console: Amélie on duty Monday to Wednesday 09:00-17:00 every week
    (her one-off demo shift removed), absent on Tuesday 24 November; Paul stays the backup."""
    amelie = db.scalars(select(User).where(User.phone == NURSE)).one()
    # The module's database is shared by its tests: start from no pattern and no exception.
    db.execute(delete(RotaException))
    db.execute(delete(RotaPattern))
    db.commit()
    admin = Console(stack)
    admin.sign_in("admin@demo.e-care.fr", "reglages-demo-2026")
    for shift_id in db.scalars(select(Shift.id).where(Shift.user_id == amelie.id)).all():
        removed = admin.post(f"/admin/rota/shifts/{shift_id}/delete", {}, "/admin/rota")
        assert removed.status_code == 302
    pattern: dict[str, str | list[str]] = {
        "user_id": str(amelie.id),
        "rank": "on_duty",
        "weekdays": ["0", "1", "2"],
        "starts": "09:00",
        "ends": "17:00",
        "every_weeks": "1",
        "first_day": "2026-11-23",
        "last_day": "",
        "week": "2026-W48",
    }
    saved = admin.post("/admin/rota/patterns", pattern, "/admin/rota")
    assert saved.status_code == 302, html.unescape(saved.text)
    absence: dict[str, str | list[str]] = {
        "kind": "absence",
        "user_id": str(amelie.id),
        "replacement_id": "",
        "first_day": "2026-11-24",
        "last_day": "2026-11-24",
        "week": "2026-W48",
    }
    saved = admin.post("/admin/rota/exceptions", absence, "/admin/rota")
    assert saved.status_code == 302, html.unescape(saved.text)
    week = html.unescape(admin.get("/admin/rota?week=2026-W48").text)
    assert "semaine type" in week and "Absence" in week
    db.expire_all()
    return amelie


@pytest.mark.parametrize("sandbox_clock", [MONDAY_10], indirect=True)
def test_on_monday_at_ten_the_weekly_pattern_rings_amelie_first(
    stack: DemoStack, db: Session
) -> None:
    amelie = set_up_amelies_week(stack, db)
    nurse, backup = stack.sandbox.person(NURSE), stack.sandbox.person(BACKUP)
    _gp, request = call_and_press_2(stack, db)
    until(stack, lambda: nurse.ringing, "Amélie's phone ringing on Monday")
    assert backup.ringing == []
    first_step = routing_of(db, request).plan[0]
    assert [target["user_id"] for target in first_step] == [amelie.id]


@pytest.mark.parametrize("sandbox_clock", [TUESDAY_10], indirect=True)
def test_on_tuesday_at_ten_her_absence_rings_the_backup_instead(
    stack: DemoStack, db: Session
) -> None:
    amelie = set_up_amelies_week(stack, db)
    paul = db.scalars(select(User).where(User.phone == BACKUP)).one()
    nurse, backup = stack.sandbox.person(NURSE), stack.sandbox.person(BACKUP)
    _gp, request = call_and_press_2(stack, db)
    until(stack, lambda: backup.ringing, "the backup's phone ringing on Tuesday")
    assert nurse.legs == [], "Amélie was rung on the day of her absence"
    plan = routing_of(db, request).plan
    assert {target["user_id"] for step in plan for target in step} == {paul.id}
    assert amelie.id not in {target["user_id"] for step in plan for target in step}
