"""Command-line actions: each one runs in one transaction, and the --helpline option."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click
from sqlalchemy.orm import Session

from hotline.outbox import take_new_ids
from hotline.web import app_state

T = TypeVar("T")

helpline_option = click.option(
    "--helpline", "helpline_number", default=None, help="The helpline's number (if several)."
)


def in_transaction(action: Callable[[Session], T]) -> T:
    """Run a command's action in one transaction: committed once when it returns, rolled back
    if it raises (a ``ValueError`` becomes one clear line for the person, nothing written).
    Outbox intents the action recorded are sent once the commit holds."""
    state = app_state()
    with state.database.session() as session:
        try:
            result = action(session)
        except ValueError as error:
            session.rollback()
            raise click.ClickException(str(error)) from None
        except BaseException:
            session.rollback()
            raise
        new_ids = take_new_ids(session)
        session.commit()
    if new_ids:
        state.dispatcher.submit(new_ids)
    return result
