"""The `hotline` command: Flask's CLI on the app factory, plus database and demo commands."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup

from hotline.app import create_app
from hotline.settings import SettingsError
from hotline.web import app_state


def _create_app() -> Flask:
    try:
        return create_app()
    except SettingsError as error:
        click.echo(f"Configuration error: {error}", err=True)
        sys.exit(2)


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
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


def main() -> None:
    """Entry point of the `hotline` console script."""
    cli(prog_name="hotline")
