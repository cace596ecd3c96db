"""The simulator's « Débogueur » page and its JSON: every Twilio error the app caused."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from flask import Blueprint, Response, current_app, jsonify

if TYPE_CHECKING:
    from hotline.sandbox.server import Sandbox

bp = Blueprint("sandbox_debugger", __name__)

PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta http-equiv="refresh" content="3">
<title>Débogueur — bac à sable Twilio</title>
<style>
body{{font:14px system-ui,sans-serif;margin:0;background:#f4f5f7;color:#222}}
header{{background:#234;color:#fff;padding:10px 16px}}header a{{color:#cde}}
main{{padding:12px}}table{{border-collapse:collapse;width:100%;background:#fff}}
td,th{{border-top:1px solid #eee;padding:4px 6px;text-align:left;font-size:13px}}
.ERROR td.level{{color:#c33;font-weight:bold}}.WARNING td.level{{color:#b70}}
</style></head><body>
<header><b>Débogueur</b> — erreurs Twilio causées par l'application
<small>(every Twilio error or warning the app caused)</small> · <a href="/">simulateur</a></header>
<main><p>{count}</p>
<table id="debugger"><tr><th>Heure</th><th>Niveau</th><th>Code</th><th>Message</th>
<th>Appel</th><th>URL</th></tr>
{rows}
</table></main></body></html>
"""
ROW = (
    '<tr class="{level}"><td>{at}</td><td class="level">{level_fr}</td>'
    '<td><a href="https://www.twilio.com/docs/errors/{code}">{code}</a></td>'
    "<td>{title}<br><small>{message}</small></td><td>{call_sid}</td><td>{url}</td></tr>"
)
LEVELS_FR = {"ERROR": "Erreur", "WARNING": "Avertissement"}


def _sandbox() -> Sandbox:
    sandbox: Sandbox = current_app.config["SANDBOX"]
    return sandbox


@bp.get("/sandbox/debugger")
def debugger_json() -> Response:
    """The debugger's events as JSON, oldest first."""
    return jsonify({"events": [event.as_json() for event in _sandbox().debugger.events]})


@bp.get("/debugger")
def debugger_page() -> Response:
    """The « Débogueur » page, newest first."""
    events = list(reversed(_sandbox().debugger.events))
    rows = "\n".join(
        ROW.format(
            level=event.level,
            level_fr=LEVELS_FR[event.level],
            at=escape(event.at.strftime("%d/%m/%Y %H:%M:%S")),
            code=event.code,
            title=escape(event.title),
            message=escape(event.message),
            call_sid=escape(event.call_sid or "—"),
            url=escape(event.url or "—"),
        )
        for event in events
    )
    count = (
        f"{len(events)} événement(s) enregistré(s)."
        if events
        else "Aucune erreur : l'application n'a provoqué aucune erreur Twilio."
    )
    return Response(PAGE.format(count=count, rows=rows), mimetype="text/html")
