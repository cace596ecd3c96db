"""`hotline report`: the yearly report to the funder, written to a file in one transaction,
with a progress bar when the person watches a terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.commands import in_transaction
from hotline.models import Helpline
from hotline.services import helpline_by_number
from hotline.web import app_state
from reports.report_data import STEPS, Progress, yearly_report
from reports.report_exports import FORMATS, MODES, write_report


@contextmanager
def progress_bar(label: str, length: int) -> Iterator[Progress]:
    """Steps shown as a bar on a terminal (standard error), nothing otherwise."""
    if not sys.stderr.isatty():
        yield lambda _steps: None
        return
    with click.progressbar(length=length, label=label, file=sys.stderr) as bar:
        yield bar.update


@click.command("report")
@with_appcontext
@click.option(
    "--helpline",
    "helpline_number",
    default=None,
    help="The helpline's number (if several; every helpline with --all).",
)
@click.option("--all", "every_helpline", is_flag=True, help="Every helpline, consolidated.")
@click.option(
    "--from", "first", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First day."
)
@click.option("--to", "last", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day.")
@click.option("--format", "fmt", required=True, type=click.Choice(sorted(FORMATS)))
@click.option(
    "--mode",
    type=click.Choice(MODES),
    default="external",
    show_default=True,
    help="external: counts under REPORT_MASK_BELOW masked, for readers outside the programme.",
)
@click.option(
    "--table", default=None, help="CSV: one table only (summary, monthly, language, data…)."
)
@click.option("--locale", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
def report(
    helpline_number: str | None,
    every_helpline: bool,
    first: datetime,
    last: datetime,
    fmt: str,
    mode: str,
    table: str | None,
    locale: str,
    output: Path,
) -> None:
    """Write the yearly report (XLSX, ODS, PDF or CSV) of a period to a file."""
    start, end = first.date(), last.date()
    if end < start:
        raise click.BadParameter("--to is before --from", param_hint="--to")
    if every_helpline and helpline_number:
        raise click.BadParameter("give --helpline or --all, not both", param_hint="--all")
    settings = app_state().settings

    def build(session: Session) -> None:
        if every_helpline:
            scope = list(session.scalars(select(Helpline.id).where(Helpline.is_active)))
        else:
            scope = [helpline_by_number(session, helpline_number).id]
        with progress_bar("Rapport", STEPS + 1) as progress:
            built = yearly_report(
                session,
                scope,
                start,
                end,
                locale=locale,
                external=mode == "external",
                mask_below=settings.report_mask_below,
                now=datetime.now(UTC),
                progress=progress,
            )
            with output.open("wb") as handle:
                write_report(built, fmt, handle, locale, table=table)
            progress(1)

    in_transaction(build)
    click.echo(f"{output} ({fmt}, {mode}, {start.isoformat()} – {end.isoformat()})")


COMMANDS = (report,)
