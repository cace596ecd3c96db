"""TwiML fetched and run on a leg, and its simple verbs: Say, Play, Pause, Redirect,
Hangup, Reject, Gather and Record."""

from __future__ import annotations

from urllib.parse import urljoin

from hotline.sandbox import parties, twiml
from hotline.sandbox.common import (
    API_VERSION,
    APPLICATION_ERROR,
    BEEP,
    BUSY_TONE,
)
from hotline.sandbox.host import EnginePart
from hotline.sandbox.model import (
    FINAL_STATUSES,
    DialWait,
    Frame,
    GatherWait,
    Leg,
    PauseWait,
    Recording,
    RecordWait,
    Said,
    new_sid,
    rfc2822,
)
from hotline.sandbox.speech import REACTION_S, PromptedGather, SayWait, say_seconds
from hotline.sandbox.validate import validate
from hotline.sandbox.webhooks import WebhookRecord


class VerbsMixin(EnginePart):
    """Fetching a leg's TwiML and running its verbs (True when the leg is now blocked)."""

    # ===== fetching and running TwiML ===========================================================

    def _fetch(
        self,
        leg: Leg,
        url: str,
        method: str,
        kind: str,
        extra: dict[str, str] | None = None,
        fallback: bool = False,
    ) -> None:
        """POST/GET a TwiML URL for this leg; run the answer if the leg has not moved on."""
        leg.step += 1
        step = leg.step
        params = self._call_params(leg)
        params.update(extra or {})

        def done(record: WebhookRecord) -> None:
            if leg.step != step or leg.status in FINAL_STATUSES:
                return
            error = self._twiml_error(record)
            if error in ("12100", "12102"):
                self._debug_parse_failure(leg, record.response_body, url)
            if error is None:
                self._run_document(leg, record.response_body, url, method)
                return
            fallback_url = leg.fallback_url if fallback else None
            if fallback_url:
                self._fetch(
                    leg,
                    fallback_url,
                    leg.fallback_method,
                    "fallback",
                    {"ErrorCode": error, "ErrorUrl": url},
                )
            else:
                self._application_error(leg)

        self._webhook(kind, url, method, params, leg.sid, done)

    @staticmethod
    def _twiml_error(record: WebhookRecord) -> str | None:
        if record.error is not None:
            return "11205" if "Timeout" in record.error else "11200"
        if not record.ok:
            return "11200"
        try:
            twiml.parse(record.response_body)
        except twiml.TwimlError as exc:
            return str(exc.code)
        return None

    def _debug_parse_failure(self, leg: Leg, document: str, url: str | None) -> None:
        try:
            twiml.parse(document)
        except twiml.TwimlError as exc:
            self.record_error(exc.code, str(exc), leg.sid, url)

    def _application_error(self, leg: Leg) -> None:
        self._ensure_answered(leg)
        leg.hear(APPLICATION_ERROR)
        self._end_leg(leg, "completed")

    def _run_document(self, leg: Leg, document: str, url: str | None, method: str) -> None:
        try:
            parsed = twiml.parse(document)
        except twiml.TwimlError as exc:
            # 12100: Twilio cannot read the document; the caller hears the application error.
            self.record_error(exc.code, str(exc), leg.sid, url)
            self._application_error(leg)
            return
        verbs, issues = validate(parsed)
        for issue in issues:
            self.record_error(issue.code, issue.message, leg.sid, url)
        leg.step += 1
        leg.wait = None
        leg.frame = Frame(url=url, method=method, verbs=verbs)
        self._run(leg)

    def _resolve(self, leg: Leg, url: str | None) -> str | None:
        if url is None or url == "":
            return None
        base = leg.frame.url if leg.frame and leg.frame.url else (leg.url or self.base_url)
        return urljoin(base, url)

    def _run(self, leg: Leg) -> None:
        """Execute verbs until one blocks (waits for input, time or HTTP) or the document ends."""
        while leg.status not in FINAL_STATUSES and leg.frame is not None and leg.wait is None:
            frame = leg.frame
            if frame.index >= len(frame.verbs):
                self._document_ended(leg)
                return
            node = frame.verbs[frame.index]
            frame.index += 1
            if node.tag != "Reject":
                self._ensure_answered(leg)
            handler = getattr(self, f"_verb_{node.tag.lower()}", None)
            if handler is None:
                leg.hear(f"[verbe non pris en charge : {node.tag}]")
                continue
            if handler(leg, node):
                return

    def _document_ended(self, leg: Leg) -> None:
        leg.frame = None
        if leg.dial_parent is not None and leg.bridged_with is None:
            parent = self.calls_by_sid[leg.dial_parent]
            if isinstance(parent.wait, DialWait) and parent.wait.answered_sid == leg.sid:
                self._bridge(parent, parent.wait, leg)
                return
        if leg.participant_target is not None:
            return
        self._end_leg(leg, "completed")

    # ----- simple verbs (return True when the leg is now blocked) -------------------------------

    def _hear_say(self, leg: Leg, node: twiml.Node) -> float:
        """The person starts hearing a <Say>; return how long it lasts."""
        loops = node.get_int("loop", 1)
        said = Said(text=node.text, voice=node.get("voice"), language=node.get("language"))
        times = max(1, min(loops, 3))
        for _ in range(times):
            leg.hear_say(said)
        return say_seconds(node.text, times)

    def _verb_say(self, leg: Leg, node: twiml.Node) -> bool:
        seconds = self._hear_say(leg, node)
        if seconds <= 0:
            return False
        # The next verb starts once the text has been said.
        leg.wait = SayWait()
        leg.step += 1
        self._leg_timer(leg, seconds, lambda: self._resume(leg))
        return True

    def _verb_play(self, leg: Leg, node: twiml.Node) -> bool:
        digits = node.get("digits")
        if digits:
            parties.digits_played(self, leg, digits)
        if node.text:
            leg.hear(f"[play {node.text}]")
        return False

    def _verb_pause(self, leg: Leg, node: twiml.Node) -> bool:
        length = node.get_int("length", 1)
        if length <= 0:
            return False
        leg.wait = PauseWait()
        leg.step += 1
        self._leg_timer(leg, length, lambda: self._resume(leg))
        return True

    def _resume(self, leg: Leg) -> None:
        leg.wait = None
        leg.step += 1
        self._run(leg)

    def _verb_redirect(self, leg: Leg, node: twiml.Node) -> bool:
        url = self._resolve(leg, node.text) or (leg.frame.url if leg.frame else None)
        if url is None:
            return False
        self._fetch(leg, url, node.get("method", "POST") or "POST", "redirect")
        leg.frame = None
        return True

    def _verb_hangup(self, leg: Leg, node: twiml.Node) -> bool:
        self._end_leg(leg, "completed")
        return True

    def _verb_reject(self, leg: Leg, node: twiml.Node) -> bool:
        if leg.status == "in-progress":
            self._end_leg(leg, "completed")
            return True
        reason = node.get("reason", "rejected")
        leg.hear(BUSY_TONE if reason == "busy" else "[numéro non attribué]")
        self._end_leg(leg, "busy" if reason == "busy" else "failed")
        return True

    def _post_action(
        self, leg: Leg, action: str | None, method: str, extra: dict[str, str], kind: str = "action"
    ) -> bool:
        """POST an action URL and run its answer; False when there is no action to post."""
        if not action:
            return False
        if leg.status in FINAL_STATUSES:
            params = self._call_params(leg)
            params.update(extra)
            self._webhook(kind, action, method, params, leg.sid)
            return True
        leg.wait = None
        leg.frame = None
        self._fetch(leg, action, method, kind, extra)
        return True

    # ----- Gather ------------------------------------------------------------------------------

    def _verb_gather(self, leg: Leg, node: twiml.Node) -> bool:
        inputs = frozenset((node.get("input", "dtmf") or "dtmf").split())
        num_digits = node.get_int("numDigits", 0) or None
        wait = PromptedGather(
            action=self._resolve(leg, node.get("action")) or (leg.frame.url if leg.frame else None),
            method=(node.get("method", "POST") or "POST").upper(),
            inputs=inputs,
            num_digits=num_digits,
            finish_on_key=node.get("finishOnKey", "#") or "",
            timeout_s=node.get_int("timeout", 5),
            action_on_empty=node.get_bool("actionOnEmptyResult", False),
            prompts=list(node.children),
        )
        leg.wait = wait
        leg.step += 1
        self._next_prompt(leg, wait)
        return True

    def _next_prompt(self, leg: Leg, wait: PromptedGather) -> None:
        """Play the Gather's nested verbs in turn; then its timeout starts."""
        while wait.prompts:
            child = wait.prompts.pop(0)
            seconds = 0.0
            if child.tag == "Say":
                seconds = self._hear_say(leg, child)
            elif child.tag == "Play":
                self._verb_play(leg, child)
            elif child.tag == "Pause":
                seconds = child.get_int("length", 1)
            if seconds > 0:
                self._leg_timer(leg, seconds, lambda: self._next_prompt(leg, wait))
                return
        wait.prompting = False
        self._arm_gather_timeout(leg, wait)
        if leg.auto_press and "dtmf" in wait.inputs:
            # A simulated person presses once the whole prompt is said, after a reaction time.
            keys, leg.auto_press = leg.auto_press, None
            self._leg_timer(leg, REACTION_S, lambda: self._press(leg, keys))

    def _arm_gather_timeout(self, leg: Leg, wait: GatherWait) -> None:
        self._leg_timer(leg, wait.timeout_s, lambda: self._gather_timeout(leg, wait))

    def _gather_timeout(self, leg: Leg, wait: GatherWait) -> None:
        if wait.digits:
            self._gather_done(leg, wait, {"Digits": wait.digits})
        elif wait.action_on_empty:
            self._gather_done(leg, wait, {})
        else:
            self._resume(leg)

    def _gather_done(self, leg: Leg, wait: GatherWait, result: dict[str, str]) -> None:
        leg.wait = None
        if not self._post_action(leg, wait.action, wait.method, result):
            self._resume(leg)

    # ----- Record ------------------------------------------------------------------------------

    def _verb_record(self, leg: Leg, node: twiml.Node) -> bool:
        wait = RecordWait(
            action=self._resolve(leg, node.get("action")) or (leg.frame.url if leg.frame else None),
            method=(node.get("method", "POST") or "POST").upper(),
            max_length_s=node.get_int("maxLength", 3600),
            timeout_s=node.get_int("timeout", 5),
            finish_on_key=node.get("finishOnKey", "1234567890*#") or "",
            status_callback=self._resolve(leg, node.get("recordingStatusCallback")),
            status_callback_method=(node.get("recordingStatusCallbackMethod", "POST") or "POST"),
        )
        if node.get_bool("playBeep", True):
            leg.hear(BEEP)
        leg.wait = wait
        leg.step += 1
        self._arm_record_silence(leg, wait)
        return True

    def _arm_record_silence(self, leg: Leg, wait: RecordWait) -> None:
        if wait.timeout_s > 0:
            self._leg_timer(leg, wait.timeout_s, lambda: self._record_stopped(leg, wait, None))

    def _record_stopped(self, leg: Leg, wait: RecordWait, digits: str | None) -> None:
        leg.wait = None
        leg.step += 1
        if wait.seconds <= 0 and digits is None:
            # Twilio skips the action when nothing was recorded and moves to the next verb.
            self._run(leg)
            return
        if not self._finish_record(leg, wait, digits):
            self._run(leg)

    def _finish_record(self, leg: Leg, wait: RecordWait, digits: str | None) -> bool:
        recording = Recording(
            sid=new_sid("RE"),
            call_sid=leg.sid,
            account_sid=leg.account_sid,
            duration_s=round(wait.seconds),
            created_at=self.now(),
        )
        self.recordings[recording.sid] = recording
        url = f"{self.base_url}/{API_VERSION}/Accounts/{leg.account_sid}/Recordings/{recording.sid}"
        result = {
            "RecordingUrl": url,
            "RecordingSid": recording.sid,
            "RecordingDuration": str(recording.duration_s),
        }
        if digits is not None:
            result["Digits"] = digits
        if wait.status_callback:
            self._webhook(
                "recording-status",
                wait.status_callback,
                wait.status_callback_method,
                {
                    "AccountSid": leg.account_sid,
                    "CallSid": leg.sid,
                    "RecordingSid": recording.sid,
                    "RecordingUrl": url,
                    "RecordingStatus": "completed",
                    "RecordingDuration": str(recording.duration_s),
                    "RecordingChannels": "1",
                    "RecordingStartTime": rfc2822(recording.created_at) or "",
                    "RecordingSource": "RecordVerb",
                    "RecordingTrack": "both",
                    "ErrorCode": "0",
                },
                leg.sid,
            )
        return self._post_action(leg, wait.action, wait.method, result)
