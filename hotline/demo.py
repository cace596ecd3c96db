"""The demo: a seeded SQLite database, the app and the sandbox on this machine, one command."""

from __future__ import annotations

import logging
import secrets
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.serving import BaseWSGIServer, make_server

from callbacks.network.meeting_demo import seed_meetings
from callbacks.network.partner_demo import seed_demo_partners
from hotline import mailbox, reference_lists
from hotline.app import create_app
from hotline.db import Database
from hotline.demo_player import YearSeeded
from hotline.demo_region import DEMO_SECOND_NUMBER, seed_second_helpline
from hotline.demo_structures import seed_workplaces
from hotline.demo_tables import DEMO_WORKPLACES, FACILISOINS_STRUCTURE, REQUESTS_A_YEAR
from hotline.demo_terminal import check_ports, configure_logging
from hotline.demo_year import seed_year
from hotline.landing import DEMO_LANDING
from hotline.migrate import upgrade
from hotline.models import Helpline, Professional, ProfessionalPhone, Structure, User
from hotline.services import helpline_on
from hotline.settings import Settings
from hotline.users import create_user, set_password
from interpreter_pool.admin import add_budget, add_contract, add_interpreter
from interpreter_pool.models import Budget, Contract, InterpreterKind
from routing.admin import add_nurse, set_hours
from routing.models import Shift

logger = logging.getLogger(__name__)

DEMO_ACCOUNT_SID = "AC" + "d3e0" * 8
DEMO_AUTH_TOKEN = "0d3e0d3e" * 4
DEMO_HOTLINE_NUMBER = "+33561000000"
DEMO_API_KEY_SID = "SK" + "d3e0" * 8
DEMO_API_KEY_SECRET = "demo-api-key-secret-for-the-sandbox-0d3e"  # noqa: S105 - the demo's own, against the sandbox
DEMO_HELPLINE_NAME = "Plateforme e.CARE (démonstration)"
DEMO_GREETING = (
    "Bonjour, vous êtes bien sur la plateforme e.CARE, "
    "la permanence d'appui aux professionnels de santé."
)

# (title, first name, last name, profession, organisation, numbers)
DEMO_PROFESSIONALS = [
    ("Dr", "Claire", "Martin", "gp", "Cabinet médical des Carmes", ["+33612345678"]),
    ("Dr", "Karim", "Benali", "gp", "Maison de santé de Bagatelle", ["+33623456789"]),
    ("Mme", "Sophie", "Laurent", "midwife", "PMI Toulouse Nord", ["+33634567890"]),
    ("M.", "Julien", "Petit", "pharmacist", "Pharmacie des Minimes", ["+33561223344"]),
    ("Mme", "Aïcha", "Diallo", "social_worker", "CCAS de Toulouse", ["+33645678901"]),
]


# (email, name, phone, rank): the nurses of the demo rota; their phones ring in the simulator.
DEMO_NURSES = [
    ("amelie.roux@demo.e-care.fr", "Amélie Roux", "+33600000001", "on_duty"),
    ("paul.girard@demo.e-care.fr", "Paul Girard", "+33600000002", "backup"),
]
DEMO_HOURS = "mon-sun 00:00-24:00"
# Console sign-ins of the demo, printed when it starts (demo only: a real deployment has none).
DEMO_PASSWORDS = {
    "amelie.roux@demo.e-care.fr": "infirmiere-demo",
    "finance@demo.e-care.fr": "bilan-mensuel-demo",
    "admin@demo.e-care.fr": "reglages-demo-2026",
    "coordination@demo.e-care.fr": "reseau-partenaires-demo",
}
DEMO_STAFF = [
    ("finance@demo.e-care.fr", "Nadia Benoît (finances)", "finance"),
    ("admin@demo.e-care.fr", "Marc Lefèvre (admin)", "admin"),
    ("coordination@demo.e-care.fr", "Claire Vidal (coordination du réseau)", "coordinator"),
]
# (name, phone, languages, priority): each one's phone rings in the simulator, to be played.
DEMO_INTERPRETERS = [
    ("Samira Haddad", "+33610000001", ["ar"], 10),
    ("Youssef Amrani", "+33610000002", ["ar"], 20),
    ("Leïla Mansour", "+33610000003", ["ar"], 30),
    ("Tesfay Gebre", "+33610000004", ["ti"], 10),
    ("Ahmad Rahimi", "+33610000005", ["prs", "ps", "fa"], 10),
    ("Olena Kovalenko", "+33610000006", ["uk", "ru"], 10),
    ("Mariam Diallo", "+33610000007", ["ff", "snk"], 10),
    ("Jean-Pierre Mbala", "+33610000008", ["ln"], 10),
    ("Nino Beridze", "+33610000009", ["ka", "ru"], 20),
    ("Ardit Hoxha", "+33610000010", ["sq"], 10),
    ("Ioana Popescu", "+33610000011", ["ro"], 10),
    ("Fadumo Warsame", "+33610000012", ["so"], 10),
    ("Rose Joseph", "+33610000013", ["ht"], 10),
]
# An agency line: access code, then the language's code in its menu.
DEMO_AGENCY = ("Agence d'interprétariat (démonstration)", "+33140000000", "1234")
DEMO_AGENCY_CODES = {"ar": "11", "ti": "12", "prs": "13", "ps": "14", "uk": "15", "ru": "16"}
# Dr Benali's mobile goes to his voicemail after 20 s (a call back to him reaches a recorder).
DEMO_VOICEMAIL = "+33623456789"


class ThreadedServer:
    """A WSGI app on a loopback port in a daemon thread; its URL is known before the app."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._app: Callable[..., Any] | None = None
        self._server: BaseWSGIServer = make_server(host, port, self._dispatch, threaded=True)
        self.url = f"http://{host}:{self._server.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _dispatch(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if self._app is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"starting"]
        return self._app(environ, start_response)

    def serve(self, app: Callable[..., Any]) -> ThreadedServer:
        """Start serving this app."""
        self._app = app
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        self._server.shutdown()
        self._server.server_close()


def seed_demo(
    session: Session,
    now: datetime,
    hotline_number: str = DEMO_HOTLINE_NUMBER,
    hours: str = DEMO_HOURS,
) -> None:
    """The demo helpline, professionals, nurses and rota; running it twice adds nothing."""
    helpline = helpline_on(session, hotline_number)
    if helpline is None:
        helpline = Helpline(
            name=DEMO_HELPLINE_NAME, phone_number=hotline_number, greeting=DEMO_GREETING
        )
        session.add(helpline)
        session.flush()
    reference_lists.seed_defaults(session, helpline)
    set_hours(session, helpline, hours)
    since = date(now.year - 1, 1, 1)
    for name, phone, languages, priority in DEMO_INTERPRETERS:
        interpreter = add_interpreter(session, name, phone, languages, priority=priority)
        if not session.scalars(
            select(Contract).where(Contract.interpreter_id == interpreter.id)
        ).first():
            # 3.50 € a minute, 15 minutes minimum, +25 % at night and at weekends.
            add_contract(
                session,
                interpreter,
                "Tarif interprète libéral",
                unit="minute",
                unit_price=Decimal("3.50"),
                valid_from=since,
                minimum_s=900,
                night_pct=Decimal(25),
                night_hours="20:00-08:00",
                saturday_pct=Decimal(25),
                sunday_pct=Decimal(25),
            )
    agency_name, agency_phone, access_code = DEMO_AGENCY
    agency = add_interpreter(
        session,
        agency_name,
        agency_phone,
        list(DEMO_AGENCY_CODES),
        kind=InterpreterKind.AGENCY,
        priority=100,
        max_concurrent=20,
        access_code=access_code,
        agency_codes=DEMO_AGENCY_CODES,
    )
    if not session.scalars(select(Contract).where(Contract.interpreter_id == agency.id)).first():
        # 15 € per started 10-minute block, 10 minutes minimum, +25 % Sundays and holidays.
        add_contract(
            session,
            agency,
            "Convention agence",
            unit="block",
            unit_price=Decimal(15),
            valid_from=since,
            block_s=600,
            minimum_s=600,
            sunday_pct=Decimal(25),
            holiday_pct=Decimal(25),
        )
    if session.scalars(select(Budget)).first() is None:
        add_budget(
            session,
            f"Interprétariat {now.year}",
            date(now.year, 1, 1),
            date(now.year, 12, 31),
            # ~250 hours at the liberal rate (the demo year spends most of it).
            Decimal(55000),
            funder_line="ARS – Fonds d'intervention régional",
            hours_cap=250,
        )
    for email, name, role in DEMO_STAFF:
        staff = session.scalars(select(User).where(User.email == email)).first()
        if staff is None:
            staff = create_user(session, email, name, role, DEMO_PASSWORDS[email])
        # The demo's administrator is the region's: he creates helplines and sees them all.
        staff.is_regional_admin = role == "admin"
    for email, name, phone, rank in DEMO_NURSES:
        nurse = add_nurse(session, email, name, phone)
        if nurse.password_hash is None and email in DEMO_PASSWORDS:
            set_password(session, nurse, DEMO_PASSWORDS[email])
        covering = session.scalars(
            select(Shift).where(
                Shift.user_id == nurse.id, Shift.starts_at <= now, Shift.ends_at > now
            )
        ).first()
        if covering is None:
            session.add(
                Shift(
                    helpline_id=helpline.id,
                    user_id=nurse.id,
                    starts_at=now - timedelta(days=1),
                    ends_at=now + timedelta(days=30),
                    rank=rank,
                )
            )
    for title, first, last, profession, organisation, numbers in DEMO_PROFESSIONALS:
        known = session.scalars(
            select(ProfessionalPhone).where(ProfessionalPhone.number == numbers[0])
        ).first()
        if known is None:
            session.add(
                Professional(
                    title=title,
                    first_name=first,
                    last_name=last,
                    profession=profession,
                    organisation=organisation,
                    territory="Toulouse",
                    phones=[ProfessionalPhone(number=n) for n in numbers],
                )
            )
    session.flush()
    seed_workplaces(session, DEMO_WORKPLACES)
    _facilisoins_line(session, now)
    seed_demo_partners(session)
    session.flush()
    seed_meetings(session, helpline, now)
    seed_second_helpline(session, now, hours)


def _facilisoins_line(session: Session, now: datetime) -> None:
    """The health centre's own budget line (a Facilisoins-like envelope of 50,000 € over 18
    months): its professionals' interpreting is charged to it, not to the helpline's grant."""
    centre = session.scalars(select(Structure).where(Structure.name == FACILISOINS_STRUCTURE)).one()
    if session.scalars(select(Budget).where(Budget.scope_structure_id == centre.id)).first():
        return
    add_budget(
        session,
        f"Facilisoins – {centre.name}",
        date(now.year - 1, 7, 1),
        date(now.year, 12, 31),
        Decimal(50000),
        funder_line="ARS – FIR, expérimentation Facilisoins (établissement)",
        scope="structure",
        scope_id=centre.id,
    )


def seed_past_year(
    app: Flask, database: Database, now: datetime, requests: int = REQUESTS_A_YEAR
) -> YearSeeded:
    """The demo helpline's past year of requests (once), committed; how long it took."""
    with database.session() as session:
        helpline = helpline_on(session, app.extensions["hotline"].settings.hotline_number)
        assert helpline is not None, "seed_demo first"
        nurses = [
            session.scalars(select(User).where(User.email == email)).one()
            for email, *_ in DEMO_NURSES
        ]
        seeded = seed_year(app, session, helpline, nurses, now, requests=requests)
        session.commit()
    return seeded


def seed_parties(sandbox: Any) -> None:
    """The demo's simulated parties that are machines: the agency's phone menu, a voicemail."""
    from hotline.sandbox import AgencyMenu, Voicemail

    _, agency_phone, access_code = DEMO_AGENCY
    sandbox.person(agency_phone, AgencyMenu(digits=access_code))
    sandbox.person(DEMO_VOICEMAIL, Voicemail(after_s=20))


@dataclass
class DemoStack:
    """The running demo: sandbox, app, their servers and the database."""

    app: Flask
    app_server: ThreadedServer
    sandbox: Any
    settings: Settings
    scheduler: Any = None
    mailbox: mailbox.Mailbox | None = None

    def stop(self) -> None:
        """Stop the clock, both servers and the mailbox."""
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
        if self.mailbox is not None:
            self.mailbox.stop()
        self.sandbox.stop()
        self.app_server.stop()
        self.app.extensions["hotline"].close()


def start_stack(
    database_url: str,
    *,
    sandbox_clock: Any = None,
    app_port: int = 0,
    sandbox_port: int = 0,
    seed: bool = True,
    fallback_number: str | None = "+33561999999",
    hours: str = DEMO_HOURS,
    run_clock: bool = False,
    parties: bool = False,
    past_year: bool = False,
    year_requests: int = REQUESTS_A_YEAR,
) -> DemoStack:
    """Start the sandbox and the app against each other, as the demo and end-to-end tests do.

    With `parties`, the sandbox's phones that are machines are set up as the demo shows them;
    with `past_year`, the database gets the demo's past year of requests first.
    """
    from hotline.sandbox import Sandbox
    from hotline.sandbox.clock import RealClock

    clock = sandbox_clock or RealClock()
    sandbox = Sandbox(account_sid=DEMO_ACCOUNT_SID, auth_token=DEMO_AUTH_TOKEN, clock=clock)
    sandbox_url = sandbox.start(port=sandbox_port)
    app_server = ThreadedServer(port=app_port)
    # The demo's e-mail goes to a local SMTP server that keeps it (shown in the console).
    kept = mailbox.Mailbox().start()
    settings = Settings(
        database_url=database_url,
        secret_key=secrets.token_urlsafe(32),
        twilio_account_sid=DEMO_ACCOUNT_SID,
        twilio_auth_token=DEMO_AUTH_TOKEN,
        hotline_number=DEMO_HOTLINE_NUMBER,
        public_base_url=app_server.url,
        twilio_api_base_url=sandbox_url,
        fallback_number=fallback_number,
        # The browser phone: tokens signed with a demo key, the SDK stand-in from the sandbox.
        twilio_api_key_sid=DEMO_API_KEY_SID,
        twilio_api_key_secret=DEMO_API_KEY_SECRET,
        voice_sdk_url=f"{sandbox_url}/device.js",
        smtp_url=kept.url,
        mail_from="reseau@demo.e-care.fr",
    ).validated()
    upgrade(database_url)
    database = Database.from_url(database_url)
    if seed:
        with database.session() as session:
            seed_demo(session, clock.now(), settings.hotline_number, hours)
            session.commit()
    # One time for both sides: the app reads the sandbox's clock, so tests can move it.
    app = create_app(settings, database=database, clock=clock.now)
    if seed and past_year and year_requests > 0:
        print("Année de démonstration (demo year): préparation, une seule fois (once)…", flush=True)
        seeded = seed_past_year(app, database, clock.now(), requests=year_requests)
        done = "déjà là (already there)" if seeded.already else f"{seeded.requests} demandes"
        print(f"Année de démonstration (demo year): {done} en {seeded.seconds:.1f} s", flush=True)
    mailbox.attach(app, kept)
    # The front page's demo part: the simulator and the sign-ins printed in the terminal.
    app.config[DEMO_LANDING] = {
        "simulator": f"{sandbox_url}/",
        "accounts": list(DEMO_PASSWORDS.items()),
    }
    app_server.serve(app)
    # The account's numbers: every helpline's, as `hotline twilio setup` points them.
    with database.session() as session:
        numbers = [settings.hotline_number, *session.scalars(select(Helpline.phone_number))]
    for number in dict.fromkeys(numbers):
        sandbox.add_number(
            number,
            voice_url=f"{settings.public_root}/twilio/voice/incoming",
            status_callback=f"{settings.public_root}/twilio/voice/status",
        )
    if parties:
        seed_parties(sandbox)
    scheduler = None
    if run_clock:
        # The demo runs the clock's jobs in its own process (production: the clock: process).
        from apscheduler.schedulers.background import BackgroundScheduler

        from callbacks.clock import add_jobs

        scheduler = BackgroundScheduler(timezone="UTC")
        add_jobs(scheduler, app.extensions["hotline"], app)
        scheduler.start()
    return DemoStack(
        app=app,
        app_server=app_server,
        sandbox=sandbox,
        settings=settings,
        scheduler=scheduler,
        mailbox=kept,
    )


def run_demo(
    instance_path: Path,
    app_port: int,
    sandbox_port: int,
    hours: str = DEMO_HOURS,
    *,
    verbose: bool = False,
    year_requests: int = REQUESTS_A_YEAR,
) -> None:
    """Run the demo until interrupted (Ctrl+C or SIGTERM)."""
    check_ports(app_port, sandbox_port)
    instance_path.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{(instance_path / 'demo.sqlite3').resolve()}"
    stack = start_stack(
        url,
        app_port=app_port,
        sandbox_port=sandbox_port,
        hours=hours,
        run_clock=True,
        parties=True,
        past_year=True,
        year_requests=year_requests,
    )
    configure_logging(verbose=verbose)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    lines = [
        f"Simulateur de téléphone (telephone simulator): {stack.sandbox.url}/",
        f"  Composez le {stack.settings.hotline_number} depuis le 06 12 34 56 78 (Dr Martin).",
        "  Tapez 2 : le téléphone de l'infirmière de permanence (06 00 00 00 01) sonne ;",
        "  répondez puis tapez 1 pour la mettre en relation (or decline, or let it ring).",
        "  Tapez 1 puis la touche d'une langue : les interprètes de cette langue sonnent",
        "  (arabe : 06 10 00 00 01 à 03) ; le premier qui tape 1 est mis en relation.",
        "  Le standard de l'agence (01 40 00 00 00, code d'accès 1234) et la messagerie du",
        "  Dr Benali (06 23 45 67 89) sont des machines ; ajoutez d'autres correspondants",
        "  (messagerie, standard d'agence, personne muette) sur la page du simulateur.",
        f"  Composez le {DEMO_SECOND_NUMBER} : l'antenne de l'Ariège, son propre accueil ; tapez 2",
        "  pour son infirmière, Lucie Faure (06 00 00 00 09).",
        f"Accueil (home): {stack.settings.public_root}/",
        f"Console: {stack.settings.public_root}/console",
        *(f"  {email} / {password}" for email, password in DEMO_PASSWORDS.items()),
        f"Application (webhooks Twilio): {stack.settings.public_root}/twilio/voice/incoming",
        "Ctrl+C pour arrêter (to stop).",
    ]
    print("\n".join(lines), flush=True)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()
