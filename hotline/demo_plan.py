"""The demo year's plan (pure): the directory and the requests of the past twelve months.

Drawn from ``hotline.demo_tables`` with a seeded random generator, so the same ``now`` gives
the same year; ``hotline.demo_year`` plays each planned request through the app's services.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hotline import demo_tables as t


@dataclass(frozen=True)
class PlannedProfessional:
    """A fictional professional of the directory, in a commune of the département."""

    title: str | None
    first_name: str
    last_name: str
    profession: str
    organisation: str
    commune: t.Commune
    numbers: tuple[str, ...]


@dataclass(frozen=True)
class PlannedRequest:
    """One request of the year: when, who, what path the call takes, and how it ends."""

    serial: int
    at: datetime
    number: str
    path: str
    language: str | None
    category: str
    outcome: str | None
    session_minutes: float
    nurse_answer_s: int
    interpreter_answer_s: int
    via_agency: bool
    follow_up: bool
    to_complete: bool
    orientation: str
    age_band: str
    sex: str
    coverage: str
    housing: str


def _pick(rnd: random.Random, table: list[tuple[str, int]]) -> str:
    values, weights = zip(*table, strict=True)
    return rnd.choices(values, weights=weights)[0]


def plan_directory(rnd: random.Random, size: int = t.DIRECTORY_SIZE) -> list[PlannedProfessional]:
    """The directory: ~80 professionals; some practices' two GPs share the practice's line."""
    names = [(f, last) for last in t.LAST_NAMES for f in t.FIRST_NAMES]
    rnd.shuffle(names)
    communes = [c for c in t.COMMUNES for _ in range(c.weight)]
    professions = [(p, w) for p, _, w in t.PROFESSIONS]
    titles = {p: title for p, title, _ in t.PROFESSIONS}
    found: list[PlannedProfessional] = []
    mobile, landline = t.FICTION_MOBILE, t.FICTION_LANDLINE
    while len(found) < size:
        first, last = names[len(found)]
        commune = rnd.choice(communes)
        profession = "gp" if len(found) < 2 * t.SHARED_PRACTICES else _pick(rnd, professions)
        organisation = rnd.choice(t.ORGANISATIONS[profession]).format(commune=commune.name)
        mobile += 1
        landline += 1
        numbers = [f"+{landline}", f"+{mobile}"] if rnd.random() < 0.6 else [f"+{mobile}"]
        person = PlannedProfessional(
            titles[profession], first, last, profession, organisation, commune, tuple(numbers)
        )
        if len(found) < 2 * t.SHARED_PRACTICES and len(found) % 2 == 1:
            # The second GP of a practice: same structure, same commune, the practice's line.
            partner = found[-1]
            person = PlannedProfessional(
                "Dr", first, last, "gp", partner.organisation, partner.commune,
                (partner.numbers[0], f"+{mobile}"),
            )  # fmt: skip
        found.append(person)
    return found


def _moment(rnd: random.Random, day: date, tz: ZoneInfo, hours: list[tuple[str, int]]) -> datetime:
    hour = int(_pick(rnd, hours))
    local = datetime.combine(day, time(hour, rnd.randrange(60), rnd.randrange(60)), tzinfo=tz)
    return local.astimezone(UTC)


def _day(rnd: random.Random, first: date, days: int) -> date:
    while True:
        day = first + timedelta(days=rnd.randrange(days))
        if rnd.random() * max(t.WEEKDAY_WEIGHTS) < t.WEEKDAY_WEIGHTS[day.weekday()]:
            return day


def plan_year(
    rnd: random.Random,
    now: datetime,
    tz_name: str,
    directory: list[PlannedProfessional],
    count: int = t.REQUESTS_A_YEAR,
) -> list[PlannedRequest]:
    """The year's requests in time order, the last ones "to complete"."""
    tz = ZoneInfo(tz_name)
    today = now.astimezone(tz).date()
    first = today - timedelta(days=365)
    hours = [(str(h), w) for h, w in t.HOUR_WEIGHTS.items()]
    late = [(str(h), w) for h, w in t.HOUR_WEIGHTS.items() if h < 9 or h >= 18]
    by_profession: dict[str, list[PlannedProfessional]] = {}
    for person in directory:
        by_profession.setdefault(person.profession, []).append(person)
    callers = [(p, w) for p, w in t.CALLER_PROFESSIONS.items() if p in by_profession]
    planned: list[PlannedRequest] = []
    recent = 0
    for _ in range(count):
        path = _pick(rnd, t.PATHS)
        to_complete = recent < t.TO_COMPLETE_COUNT
        if to_complete:
            recent += 1
            day = today - timedelta(days=1 + rnd.randrange(t.TO_COMPLETE_DAYS))
            while day.weekday() >= 5:
                day -= timedelta(days=1)
        else:
            day = _day(rnd, first, 365 - t.TO_COMPLETE_DAYS)
        at = _moment(rnd, day, tz, late if path == "voicemail" else hours)
        if rnd.randrange(100) < t.UNKNOWN_CALLER_PCT:
            number = f"+{t.FICTION_MOBILE + 5000 + rnd.randrange(4000)}"
        else:
            person = rnd.choice(by_profession[_pick(rnd, callers)])
            number = rnd.choice(person.numbers)
        wants_interpreter = path in ("interpreter", "nurse_interpreter")
        category = "interpreting" if wants_interpreter else _pick(rnd, t.CATEGORIES[1:])
        minutes = rnd.triangular(*t.SESSION_MINUTES[::2], t.SESSION_MINUTES[1])
        planned.append(
            PlannedRequest(
                serial=0,
                at=at,
                number=number,
                path=path,
                language=_pick(rnd, t.LANGUAGES) if wants_interpreter else None,
                category=category,
                outcome=None if wants_interpreter else _pick(rnd, t.NURSE_OUTCOMES),
                session_minutes=round(minutes, 2),
                nurse_answer_s=rnd.randint(*t.ANSWER_S),
                interpreter_answer_s=rnd.randint(*t.ANSWER_S),
                via_agency=rnd.randrange(100) < t.AGENCY_PCT,
                follow_up=path != "interpreter" and rnd.randrange(100) < t.FOLLOW_UP_PCT,
                to_complete=to_complete,
                orientation=_pick(rnd, t.ORIENTATIONS),
                age_band=_pick(rnd, t.AGE_BANDS),
                sex=_pick(rnd, t.SEXES),
                coverage=_pick(rnd, t.COVERAGES),
                housing=_pick(rnd, t.HOUSING),
            )
        )
    planned.sort(key=lambda item: item.at)
    return [replace(item, serial=i) for i, item in enumerate(planned)]
