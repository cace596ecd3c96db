"""`hotline twilio setup|check`: put the Twilio account in order for this deployment, or say what
is missing or wrong, in French and English."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click
from flask.cli import AppGroup
from sqlalchemy import select

from hotline.models import Helpline
from hotline.settings import Settings
from hotline.twilio_account import (
    AccountWanted,
    Report,
    check_account,
    desired_account,
    set_up_account,
)
from hotline.web import app_state

if TYPE_CHECKING:
    from twilio.rest import Client


@click.group("twilio", cls=AppGroup)
def twilio() -> None:
    """The Twilio account: numbers, browser phone (TwiML app, API key)."""


def _wanted_and_client() -> tuple[AccountWanted, Client, Settings]:
    """What the account must hold for the active helplines; the inactive ones are said to be
    left as they are (their calls, if Twilio still sends them, reach the default helpline)."""
    state = app_state()
    with state.database.session() as session:
        helplines = list(session.execute(select(Helpline.phone_number, Helpline.is_active)))
    numbers = [number for number, active in helplines if active]
    wanted = desired_account(state.settings, numbers)
    kept = sorted(
        {number for number, active in helplines if not active}
        - {n.phone_number for n in wanted.numbers}
    )
    if kept:
        listed = ", ".join(kept)
        click.echo(
            f"Lignes inactives, numéros laissés tels quels : {listed} / "
            f"Inactive helplines, numbers left as they are: {listed}"
        )
    return wanted, state.rest_client(), state.settings


def _print_problems(report: Report) -> None:
    for line in report.problems:
        click.echo(f"  ✗ {line.text()}")


@twilio.command("setup")
def setup() -> None:
    """Point the helpline numbers at PUBLIC_BASE_URL; create the TwiML app and API key."""
    wanted, client, settings = _wanted_and_client()
    click.echo(f"Compte Twilio / Twilio account {settings.twilio_account_sid}")
    report = set_up_account(client, settings, wanted)
    if report.changes:
        click.echo("Modifié / Changed:")
        for line in report.changes:
            click.echo(f"  ✓ {line.text()}")
    else:
        click.echo(
            "Rien à changer : le compte était déjà réglé. / "
            "Nothing to change: the account was already set up."
        )
    if report.settings_to_set:
        click.echo(
            "À mettre dans l'environnement du service (fichier .env ou hébergeur), puis "
            "redémarrer ; un secret n'est affiché qu'une fois, Twilio ne le redonne pas. / "
            "Put in the service's environment (.env file or host), then restart; a secret is "
            "shown once only, Twilio never shows it again:"
        )
        for name, value in report.settings_to_set.items():
            click.echo(f"  {name}={value}")
    if report.problems:
        click.echo("À faire à la main / To do by hand:")
        _print_problems(report)
        sys.exit(1)


@twilio.command("check")
def check() -> None:
    """List what the Twilio account lacks or has wrong for this deployment; exit 1 if anything."""
    wanted, client, settings = _wanted_and_client()
    click.echo(f"Compte Twilio / Twilio account {settings.twilio_account_sid}")
    report = check_account(client, settings, wanted)
    if not report.problems:
        numbers = ", ".join(n.phone_number for n in wanted.numbers)
        click.echo(
            f"Tout est en ordre ({numbers}, téléphone du navigateur). / "
            f"Everything is in order ({numbers}, browser phone)."
        )
        return
    click.echo(f"{len(report.problems)} problème(s) / problem(s):")
    _print_problems(report)
    click.echo(
        "« hotline twilio setup » corrige ce qui peut l'être. / "
        "`hotline twilio setup` fixes what it can."
    )
    sys.exit(1)


COMMANDS = (twilio,)
