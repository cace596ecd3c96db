"""The `hotline` command: Flask's CLI on the app factory, plus database and demo commands."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import FlaskGroup

from hotline.app import create_app
from hotline.demo_tables import REQUESTS_A_YEAR
from hotline.settings import SettingsError
from hotline.web import app_state


def _create_app() -> Flask:
    try:
        return create_app()
    except SettingsError as error:
        click.echo(f"Configuration error: {error}", err=True)
        sys.exit(2)


class HotlineGroup(FlaskGroup):
    """Flask's group, whose help lists the commands without building the app (so without
    settings): a command that needs them builds it when it runs, and says what is missing."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        # Flask's would build the app to add `app.cli` commands; this app registers none there.
        return click.Group.list_commands(self, ctx)


@click.group(cls=HotlineGroup, create_app=_create_app, add_version_option=False)
def cli() -> None:
    """Helpline service: run it, migrate its database, run the demo."""


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    from hotline.migrate import upgrade

    upgrade(app_state().settings.database_url)
    click.echo("Database is up to date.")


@cli.command("demo", with_appcontext=False)
@click.option(
    "--port", default=5000, show_default=True, help="Port of the application (0: any free one)."
)
@click.option(
    "--sandbox-port",
    default=5050,
    show_default=True,
    help="Port of the sandbox and its telephone simulator (0: any free one).",
)
@click.option(
    "--instance",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("instance"),
    show_default=True,
    help="Folder of the demo's SQLite database.",
)
@click.option(
    "--hours",
    default="mon-sun 00:00-24:00",
    show_default=True,
    help='Opening hours of the nurse line, e.g. "mon-fri 09:00-18:00".',
)
@click.option(
    "--year-requests",
    default=REQUESTS_A_YEAR,
    show_default=True,
    help="Requests of the past year played into a new database (0: none).",
)
@click.option("--verbose", is_flag=True, help="Log every HTTP request and clock tick too.")
def demo(
    port: int, sandbox_port: int, instance: Path, hours: str, year_requests: int, verbose: bool
) -> None:
    """Run the demo: seeded SQLite database, the app and the Twilio sandbox, on this machine.

    A port that is taken stops the demo before anything starts."""
    from hotline.demo import run_demo

    run_demo(
        instance,
        app_port=port,
        sandbox_port=sandbox_port,
        hours=hours,
        verbose=verbose,
        year_requests=year_requests,
    )


def _add_slice_commands() -> None:
    from hotline.twilio_cli import COMMANDS as TWILIO_COMMANDS
    from hotline.user_cli import COMMANDS as USER_COMMANDS
    from interpreter_pool.cli import COMMANDS as INTERPRETER_COMMANDS
    from reports.cli import COMMANDS as REPORT_COMMANDS
    from routing.cli import COMMANDS as ROUTING_COMMANDS

    for command in (
        *USER_COMMANDS,
        *TWILIO_COMMANDS,
        *ROUTING_COMMANDS,
        *INTERPRETER_COMMANDS,
        *REPORT_COMMANDS,
    ):
        cli.add_command(command)


_add_slice_commands()


def main() -> None:
    """Entry point of the `hotline` console script."""
    cli(prog_name="hotline")
