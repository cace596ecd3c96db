"""The keypad language menu as GPs learn it: stored digit by digit, recomputed on a schedule.

Pinned languages come first and keep their digits; the rest follow by use over the helpline's
window (``language_menu_days``). The order is recomputed every ``language_menu_recompute_days``
(the clock's job), or when the pinned languages change, never because an interpreter was added
or left: the digits a GP learnt stay put between recomputations. A language whose interpreters
all left stays on its digit until then; choosing it tells the GP there is no interpreter in that
language before offering the nurse or a callback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.db import Database
from hotline.models import Helpline
from interpreter_pool.languages import keypad_menu, usage_counts
from interpreter_pool.models import InterpretingSession, LanguageMenuEntry
from interpreter_pool.pool import pool_languages

logger = logging.getLogger(__name__)

Menu = list[tuple[str, str]]


def computed_menu(session: Session, helpline: Helpline, now: datetime) -> Menu:
    """The menu as it would be computed now: pinned languages, then the most used."""
    since = now - timedelta(days=helpline.language_menu_days)
    used = session.execute(
        select(InterpretingSession.requested_at, InterpretingSession.language).where(
            InterpretingSession.requested_at > since
        )
    ).all()
    counts = usage_counts([(at, code) for at, code in used], now, helpline.language_menu_days)
    pinned = [c.strip() for c in helpline.language_menu_pinned.split(",") if c.strip()]
    return keypad_menu(counts, pool_languages(session), pinned=pinned)


def recompute(session: Session, helpline: Helpline, now: datetime) -> Menu:
    """Store the menu computed now as the helpline's keypad menu (until the next time)."""
    menu = computed_menu(session, helpline, now)
    session.execute(delete(LanguageMenuEntry).where(LanguageMenuEntry.helpline_id == helpline.id))
    session.add_all(
        LanguageMenuEntry(helpline_id=helpline.id, digit=digit, language=code, computed_at=now)
        for digit, code in menu
    )
    session.flush()
    logger.info("helpline %s: keypad menu recomputed: %s", helpline.id, menu)
    return menu


def _stored(session: Session, helpline_id: int) -> Menu:
    return [
        (entry.digit, entry.language)
        for entry in session.scalars(
            select(LanguageMenuEntry)
            .where(LanguageMenuEntry.helpline_id == helpline_id)
            .order_by(LanguageMenuEntry.digit)
        )
    ]


def language_menu(session: Session, helpline: Helpline, now: datetime) -> Menu:
    """The helpline's keypad menu as stored; computed and stored the first time it is needed
    (an empty pool stores nothing: computed again, cheaply, until an interpreter exists)."""
    menu = _stored(session, helpline.id)
    if menu:
        return menu
    try:
        with session.begin_nested():
            return recompute(session, helpline, now)
    except IntegrityError:
        # Another call stored it at the same moment: that one is the menu.
        return _stored(session, helpline.id)


def computed_at(session: Session, helpline_id: int) -> datetime | None:
    """When the helpline's stored menu was last recomputed (None: never)."""
    return session.scalar(
        select(func.max(LanguageMenuEntry.computed_at)).where(
            LanguageMenuEntry.helpline_id == helpline_id
        )
    )


def is_due(helpline: Helpline, last: datetime | None, now: datetime) -> bool:
    """Whether the helpline's menu is due for its scheduled recomputation."""
    return last is None or now - last >= timedelta(
        days=max(1, helpline.language_menu_recompute_days)
    )


def recompute_due_menus(database: Database, clock: Callable[[], datetime]) -> int:
    """The clock's job: recompute the menus whose time has come; how many were."""
    now = clock()
    done = 0
    with database.session() as session:
        for helpline_id in session.scalars(select(Helpline.id).where(Helpline.is_active)).all():
            helpline = session.get(Helpline, helpline_id)
            assert helpline is not None
            if is_due(helpline, computed_at(session, helpline.id), now):
                recompute(session, helpline, now)
                done += 1
        session.commit()
    return done
