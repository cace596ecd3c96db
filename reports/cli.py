"""`hotline report`: the yearly report to the funder, written to a file in one transaction,
with a progress bar when the person watches a terminal; `hotline report rebuild`: the report
aggregates and the daily telephony costs rebuilt from the raw rows."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.commands import helpline_option, in_transaction
from hotline.models import Helpline
from hotline.services import helpline_by_number
from hotline.web import app_state
from reports import aggregates, telephony_days
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


@click.group("report", invoke_without_command=True)
@with_appcontext
@click.option(
    "--helpline",
    "helpline_number",
    default=None,
    help="The helpline's number (if several; every helpline with --all).",
)
@click.option("--all", "every_helpline", is_flag=True, help="Every helpline, consolidated.")
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]), help="First day.")
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]), help="Last day.")
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)))
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
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def report(
    context: click.Context,
    helpline_number: str | None,
    every_helpline: bool,
    first: datetime | None,
    last: datetime | None,
    fmt: str | None,
    mode: str,
    table: str | None,
    locale: str,
    output: Path | None,
) -> None:
    """Write the yearly report (XLSX, ODS, PDF or CSV) of a period to a file (--from, --to,
    --format and --output are required); `hotline report rebuild` rebuilds the aggregates."""
    if context.invoked_subcommand is not None:
        return
    given = {"--from": first, "--to": last, "--format": fmt, "--output": output}
    missing = [name for name, value in given.items() if value is None]
    if missing or first is None or last is None or fmt is None or output is None:
        raise click.UsageError(f"Missing option(s): {', '.join(missing)}.")
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


@report.command("rebuild")
@with_appcontext
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]), help="First day to build.")
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]), help="Last day (yesterday).")
@helpline_option
def rebuild(first: datetime | None, last: datetime | None, helpline_number: str | None) -> None:
    """Rebuild the report aggregates and the daily telephony costs from the raw rows (every day
    up to yesterday by default; days whose detail the retention purge forgot are kept as they
    are)."""
    if first is not None and last is not None and last < first:
        raise click.BadParameter("--to is before --from", param_hint="--to")
    now = app_state().clock()

    def run(session: Session) -> tuple[int, int]:
        helplines = (
            None if helpline_number is None else [helpline_by_number(session, helpline_number).id]
        )
        start = None if first is None else first.date()
        end = None if last is None else last.date()
        wanted = aggregates.days_wanted(session, now, start, end, helplines)
        with progress_bar("Agrégats", max(wanted, 1)) as progress:
            built = aggregates.build(session, now, start, end, helplines, progress=progress)
        # The daily telephony costs hold every helpline: their days are rebuilt for all.
        return built, telephony_days.rebuild(session, now, settings.timezone, start, end)

    settings = app_state().settings
    started = time.perf_counter()
    days, telephony = in_transaction(run)
    click.echo(f"{days} helpline-days rebuilt in {time.perf_counter() - started:.1f} s")
    click.echo(f"{telephony} days of telephony costs rebuilt")


COMMANDS = (report,)
