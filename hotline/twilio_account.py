"""The Twilio account the service runs on: what it must hold, checked and put right over REST.

``desired_account`` says what the settings require (pure); ``check_account`` lists, in French and
English, what the account lacks or has wrong; ``set_up_account`` makes it so and is idempotent:
a second run finds everything in place and changes nothing. Both use the real twilio client,
pointed by the settings at Twilio or at the sandbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from hotline.settings import Settings

if TYPE_CHECKING:
    from twilio.rest.api.v2010.account.application import ApplicationInstance
    from twilio.rest.api.v2010.account.incoming_phone_number import IncomingPhoneNumberInstance

INCOMING_PATH = "/twilio/voice/incoming"
STATUS_PATH = "/twilio/voice/status"
BROWSER_OUTGOING_PATH = "/twilio/voice/browser-outgoing"
TWIML_APP_NAME = "Hotline - téléphone du navigateur (browser phone)"
API_KEY_NAME = "Hotline - téléphone du navigateur (browser phone)"


@dataclass(frozen=True)
class Line:
    """One thing said to the administrator, in French and in English."""

    fr: str
    en: str

    def text(self) -> str:
        """Both languages on one line."""
        return f"{self.fr} / {self.en}"


@dataclass(frozen=True)
class NumberWanted:
    """How one helpline number must be configured."""

    phone_number: str
    voice_url: str
    status_callback: str
    voice_method: str = "POST"
    status_callback_method: str = "POST"


@dataclass(frozen=True)
class AccountWanted:
    """Everything the settings require of the account."""

    numbers: tuple[NumberWanted, ...]
    twiml_app_voice_url: str
    twiml_app_sid: str | None
    api_key_sid: str | None
    api_key_secret: str | None


def desired_account(settings: Settings, helpline_numbers: list[str]) -> AccountWanted:
    """What the account must hold for these settings and the active helplines' numbers.

    The configured number (HOTLINE_NUMBER) is always among them: a call to a number no active
    helpline holds is answered by its helpline (``hotline.services.helpline_for_number``).
    """
    root = settings.public_root
    numbers = [*helpline_numbers, settings.hotline_number]
    return AccountWanted(
        numbers=tuple(
            NumberWanted(
                phone_number=number,
                voice_url=root + INCOMING_PATH,
                status_callback=root + STATUS_PATH,
            )
            for number in sorted(set(numbers))
        ),
        twiml_app_voice_url=root + BROWSER_OUTGOING_PATH,
        twiml_app_sid=settings.twilio_twiml_app_sid,
        api_key_sid=settings.twilio_api_key_sid,
        api_key_secret=settings.twilio_api_key_secret,
    )


@dataclass
class Report:
    """What a check found or a setup did."""

    problems: list[Line] = field(default_factory=list)
    changes: list[Line] = field(default_factory=list)
    # Values to put in the settings (name → value), each said once.
    settings_to_set: dict[str, str] = field(default_factory=dict)


# ----- numbers -------------------------------------------------------------------------------


def _find_number(client: Client, phone_number: str) -> IncomingPhoneNumberInstance | None:
    for number in client.incoming_phone_numbers.list(phone_number=phone_number):
        if number.phone_number == phone_number:
            return number
    return None


def _number_fields(number: IncomingPhoneNumberInstance, wanted: NumberWanted) -> dict[str, str]:
    """The fields of an incoming number to change (the twilio client's names) → new value."""
    fields: dict[str, str] = {}
    if number.voice_url != wanted.voice_url:
        fields["voice_url"] = wanted.voice_url
    if (number.voice_method or "POST").upper() != wanted.voice_method:
        fields["voice_method"] = wanted.voice_method
    if number.status_callback != wanted.status_callback:
        fields["status_callback"] = wanted.status_callback
    if (number.status_callback_method or "POST").upper() != wanted.status_callback_method:
        fields["status_callback_method"] = wanted.status_callback_method
    return fields


def _application_overrides(number: IncomingPhoneNumberInstance) -> list[Line]:
    # Spec, UpdateIncomingPhoneNumber.VoiceApplicationSid: "If a `voice_application_sid` is
    # present, we ignore all of the voice urls"; it takes only an AP SID, so it is not cleared
    # over REST here: the administrator removes it in the Console.
    if not number.voice_application_sid:
        return []
    phone, app = number.phone_number, number.voice_application_sid
    return [
        Line(
            f"{phone} : l'application TwiML {app} remplace l'URL d'appel entrant ; retirez-la du "
            "numéro (Console > Phone Numbers > Voice Configuration).",
            f"{phone}: the TwiML app {app} overrides the voice URL; remove it from the number "
            "(Console > Phone Numbers > Voice Configuration).",
        )
    ]


def _number_problems(number: IncomingPhoneNumberInstance, wanted: NumberWanted) -> list[Line]:
    phone = wanted.phone_number
    lines = _application_overrides(number)
    if not number.voice_url:
        lines.append(
            Line(
                f"{phone} : aucune URL d'appel entrant ; attendue : {wanted.voice_url}",
                f"{phone}: no voice URL; expected: {wanted.voice_url}",
            )
        )
    elif number.voice_url != wanted.voice_url:
        lines.append(
            Line(
                f"{phone} : l'URL d'appel entrant est {number.voice_url} au lieu de "
                f"{wanted.voice_url}",
                f"{phone}: the voice URL is {number.voice_url} instead of {wanted.voice_url}",
            )
        )
    method = (number.voice_method or "POST").upper()
    if method != wanted.voice_method:
        lines.append(
            Line(
                f"{phone} : la méthode de l'URL d'appel entrant est {method} au lieu de "
                f"{wanted.voice_method}",
                f"{phone}: the voice URL's method is {method} instead of {wanted.voice_method}",
            )
        )
    if not number.status_callback:
        lines.append(
            Line(
                f"{phone} : aucune URL de suivi des appels (status callback) ; attendue : "
                f"{wanted.status_callback}",
                f"{phone}: no status callback; expected: {wanted.status_callback}",
            )
        )
    elif number.status_callback != wanted.status_callback:
        lines.append(
            Line(
                f"{phone} : l'URL de suivi des appels est {number.status_callback} au lieu de "
                f"{wanted.status_callback}",
                f"{phone}: the status callback is {number.status_callback} instead of "
                f"{wanted.status_callback}",
            )
        )
    callback_method = (number.status_callback_method or "POST").upper()
    if callback_method != wanted.status_callback_method:
        lines.append(
            Line(
                f"{phone} : la méthode du suivi des appels est {callback_method} au lieu de "
                f"{wanted.status_callback_method}",
                f"{phone}: the status callback's method is {callback_method} instead of "
                f"{wanted.status_callback_method}",
            )
        )
    return lines


def _missing_number(phone: str) -> Line:
    return Line(
        f"{phone} n'est pas un numéro de ce compte Twilio : achetez-le ou portez-le "
        "(Console > Phone Numbers), puis relancez.",
        f"{phone} is not a number of this Twilio account: buy or port it (Console > Phone "
        "Numbers), then run again.",
    )


# ----- the browser phone: TwiML app and API key ----------------------------------------------


def _find_twiml_app(client: Client, wanted: AccountWanted) -> ApplicationInstance | None:
    if wanted.twiml_app_sid:
        try:
            return client.applications(wanted.twiml_app_sid).fetch()
        except TwilioRestException as exc:
            if exc.status != 404:
                raise
            return None
    found = client.applications.list(friendly_name=TWIML_APP_NAME)
    return found[0] if found else None


def _app_fields(app: ApplicationInstance, wanted: AccountWanted) -> dict[str, str]:
    fields: dict[str, str] = {}
    if app.voice_url != wanted.twiml_app_voice_url:
        fields["voice_url"] = wanted.twiml_app_voice_url
    if (app.voice_method or "POST").upper() != "POST":
        fields["voice_method"] = "POST"
    return fields


def _key_exists(client: Client, sid: str) -> bool:
    try:
        client.keys(sid).fetch()
    except TwilioRestException as exc:
        if exc.status == 404:
            return False
        raise
    return True


def _secret_works(client: Client, settings: Settings, sid: str, secret: str) -> bool:
    """Does the key authenticate? (Twilio takes an API key SID and secret as REST credentials.)"""
    keyed = Client(sid, secret, settings.twilio_account_sid, http_client=client.http_client)
    keyed.api.base_url = client.api.base_url
    try:
        keyed.keys(sid).fetch()
    except TwilioRestException as exc:
        if exc.status == 401:
            return False
        raise
    return True


def _api_key_problems(client: Client, settings: Settings, wanted: AccountWanted) -> list[Line]:
    if wanted.api_key_sid is None or wanted.api_key_secret is None:
        return [
            Line(
                "Téléphone du navigateur : TWILIO_API_KEY_SID et TWILIO_API_KEY_SECRET ne sont "
                "pas réglés (lancez « hotline twilio setup »).",
                "Browser phone: TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET are not set (run "
                "`hotline twilio setup`).",
            )
        ]
    if not _key_exists(client, wanted.api_key_sid):
        return [
            Line(
                f"Téléphone du navigateur : la clé d'API {wanted.api_key_sid} (TWILIO_API_KEY_SID)"
                " n'existe pas sur ce compte.",
                f"Browser phone: the API key {wanted.api_key_sid} (TWILIO_API_KEY_SID) is not on "
                "this account.",
            )
        ]
    if not _secret_works(client, settings, wanted.api_key_sid, wanted.api_key_secret):
        return [
            Line(
                "Téléphone du navigateur : TWILIO_API_KEY_SECRET n'est pas le secret de la clé "
                f"{wanted.api_key_sid}.",
                f"Browser phone: TWILIO_API_KEY_SECRET is not the secret of key "
                f"{wanted.api_key_sid}.",
            )
        ]
    return []


# ----- check and setup -----------------------------------------------------------------------


def check_account(client: Client, settings: Settings, wanted: AccountWanted) -> Report:
    """Everything the account lacks or has wrong for these settings (nothing is changed)."""
    report = Report()
    for number_wanted in wanted.numbers:
        number = _find_number(client, number_wanted.phone_number)
        if number is None:
            report.problems.append(_missing_number(number_wanted.phone_number))
        else:
            report.problems += _number_problems(number, number_wanted)
    app = _find_twiml_app(client, wanted)
    if app is None and wanted.twiml_app_sid:
        report.problems.append(
            Line(
                f"Téléphone du navigateur : l'application TwiML {wanted.twiml_app_sid} "
                "(TWILIO_TWIML_APP_SID) n'existe pas sur ce compte.",
                f"Browser phone: the TwiML app {wanted.twiml_app_sid} (TWILIO_TWIML_APP_SID) is "
                "not on this account.",
            )
        )
    elif app is None or not wanted.twiml_app_sid:
        report.problems.append(
            Line(
                "Téléphone du navigateur : TWILIO_TWIML_APP_SID n'est pas réglé"
                + (f" (l'application {app.sid} existe)." if app is not None else "."),
                "Browser phone: TWILIO_TWIML_APP_SID is not set"
                + (f" (the app {app.sid} exists)." if app is not None else "."),
            )
        )
    if app is not None and app.voice_url != wanted.twiml_app_voice_url:
        report.problems.append(
            Line(
                f"Téléphone du navigateur : l'application TwiML {app.sid} a l'URL "
                f"{app.voice_url} au lieu de {wanted.twiml_app_voice_url}",
                f"Browser phone: the TwiML app {app.sid} has the voice URL {app.voice_url} "
                f"instead of {wanted.twiml_app_voice_url}",
            )
        )
    report.problems += _api_key_problems(client, settings, wanted)
    return report


def _set_up_numbers(client: Client, wanted: AccountWanted, report: Report) -> None:
    for number_wanted in wanted.numbers:
        phone = number_wanted.phone_number
        number = _find_number(client, phone)
        if number is None:
            report.problems.append(_missing_number(phone))
            continue
        report.problems += _application_overrides(number)
        fields = _number_fields(number, number_wanted)
        if not fields:
            continue
        client.incoming_phone_numbers(number.sid).update(**fields)
        names = ", ".join(sorted(fields))
        report.changes.append(
            Line(
                f"{phone} : appels entrants vers {number_wanted.voice_url}, suivi vers "
                f"{number_wanted.status_callback} (modifié : {names}).",
                f"{phone}: calls go to {number_wanted.voice_url}, status to "
                f"{number_wanted.status_callback} (changed: {names}).",
            )
        )


def _set_up_twiml_app(client: Client, wanted: AccountWanted, report: Report) -> None:
    app = _find_twiml_app(client, wanted)
    if app is None and wanted.twiml_app_sid:
        report.problems.append(
            Line(
                f"L'application TwiML {wanted.twiml_app_sid} (TWILIO_TWIML_APP_SID) n'existe pas "
                "sur ce compte : videz TWILIO_TWIML_APP_SID pour qu'une autre soit créée.",
                f"The TwiML app {wanted.twiml_app_sid} (TWILIO_TWIML_APP_SID) is not on this "
                "account: empty TWILIO_TWIML_APP_SID to have another one created.",
            )
        )
        return
    if app is None:
        app = client.applications.create(
            friendly_name=TWIML_APP_NAME, voice_url=wanted.twiml_app_voice_url, voice_method="POST"
        )
        report.changes.append(
            Line(
                f"Application TwiML du téléphone du navigateur créée : {app.sid}",
                f"TwiML app of the browser phone created: {app.sid}",
            )
        )
    else:
        fields = _app_fields(app, wanted)
        if fields:
            client.applications(app.sid).update(**fields)
            report.changes.append(
                Line(
                    f"Application TwiML {app.sid} : URL réglée sur {wanted.twiml_app_voice_url}",
                    f"TwiML app {app.sid}: voice URL set to {wanted.twiml_app_voice_url}",
                )
            )
    if wanted.twiml_app_sid != app.sid:
        report.settings_to_set["TWILIO_TWIML_APP_SID"] = str(app.sid)


def _set_up_api_key(
    client: Client, settings: Settings, wanted: AccountWanted, report: Report
) -> None:
    if wanted.api_key_sid is not None:
        report.problems += _api_key_problems(client, settings, wanted)
        return
    existing = [key for key in client.keys.list() if key.friendly_name == API_KEY_NAME]
    if existing:
        # Twilio shows a key's secret once, at creation: it cannot be read back.
        report.problems.append(
            Line(
                f"La clé d'API {existing[0].sid} existe déjà mais TWILIO_API_KEY_SID et "
                "TWILIO_API_KEY_SECRET ne sont pas réglés : réglez-les avec le secret affiché à "
                "sa création, ou supprimez la clé (Console > API keys) et relancez.",
                f"The API key {existing[0].sid} exists but TWILIO_API_KEY_SID and "
                "TWILIO_API_KEY_SECRET are not set: set them with the secret shown when it was "
                "created, or delete the key (Console > API keys) and run again.",
            )
        )
        return
    key = client.new_keys.create(friendly_name=API_KEY_NAME)
    report.changes.append(
        Line(
            f"Clé d'API du téléphone du navigateur créée : {key.sid}",
            f"API key of the browser phone created: {key.sid}",
        )
    )
    report.settings_to_set["TWILIO_API_KEY_SID"] = str(key.sid)
    report.settings_to_set["TWILIO_API_KEY_SECRET"] = str(key.secret)


def set_up_account(client: Client, settings: Settings, wanted: AccountWanted) -> Report:
    """Point the numbers at the service, make the TwiML app and API key; change what differs."""
    report = Report()
    _set_up_numbers(client, wanted, report)
    _set_up_twiml_app(client, wanted, report)
    _set_up_api_key(client, settings, wanted, report)
    return report
