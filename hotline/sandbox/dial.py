"""<Dial> to numbers and clients: the children rung, the first to answer bridged, the result
posted."""

from __future__ import annotations

import phonenumbers

from hotline.sandbox import parties, twiml
from hotline.sandbox.common import (
    BUSY_TONE,
    RING_BUFFER_S,
    split_events,
)
from hotline.sandbox.host import EnginePart
from hotline.sandbox.model import (
    RINGING_STATUSES,
    DialWait,
    Leg,
    as_form_bool,
)


def _dialable(number: str) -> bool:
    """A valid E.164 number (Twilio dials nothing else from <Number>)."""
    if not number.startswith("+"):
        return False
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(number))
    except phonenumbers.NumberParseException:
        return False


class DialMixin(EnginePart):
    """<Dial> with <Number>/<Client> nouns and its results."""

    # ----- Dial to numbers and clients ---------------------------------------------------------

    def _verb_dial(self, leg: Leg, node: twiml.Node) -> bool:
        action = self._resolve(leg, node.get("action"))
        method = (node.get("method", "POST") or "POST").upper()
        conference = next((c for c in node.children if c.tag == "Conference"), None)
        if conference is not None:
            return self._dial_conference(leg, conference, action, method)
        targets: list[tuple[str, twiml.Node | None]] = []
        if node.text and not node.children:
            targets.append((node.text, None))
        for child in node.children:
            if child.tag == "Number":
                targets.append((child.text, child))
            elif child.tag == "Client":
                identity = child.text or next(
                    (c.text for c in child.children if c.tag == "Identity"), ""
                )
                targets.append((f"client:{identity}", child))
        if not targets:
            return False
        time_limit = node.get_int("timeLimit", 0) or None
        wait = DialWait(
            action=action,
            method=method,
            timeout_s=node.get_int("timeout", 30),
            time_limit_s=time_limit,
            hangup_on_star=node.get_bool("hangupOnStar", False),
            record=(node.get("record", "do-not-record") or "").startswith("record"),
        )
        leg.wait = wait
        leg.step += 1
        caller_id = node.get("callerId") or leg.from_
        undialable: list[Leg] = []
        for target, noun in targets:
            callee = self._new_leg(caller_id, target, "outbound-dial", parent_sid=leg.sid)
            callee.dial_parent = leg.sid
            callee.timeout_s = wait.timeout_s
            if noun is not None:
                callee.whisper_url = self._resolve(leg, noun.get("url"))
                callee.whisper_method = (noun.get("method", "POST") or "POST").upper()
                callee.send_digits = noun.get("sendDigits")
                callee.amd = parties.amd_from_noun(noun.get)
                callee.status_callback = self._resolve(leg, noun.get("statusCallback"))
                callee.status_callback_method = (
                    noun.get("statusCallbackMethod", "POST") or "POST"
                ).upper()
                callee.status_events = split_events(noun.get("statusCallbackEvent"), ("completed",))
                callee.custom_params = {
                    p.get("name", "") or "": p.get("value", "") or ""
                    for p in noun.children
                    if p.tag == "Parameter"
                }
            wait.children.append(callee.sid)
            if not target.startswith("client:") and not _dialable(target):
                undialable.append(callee)
                continue
            self._initiate(callee)
        self._leg_timer(leg, wait.timeout_s + RING_BUFFER_S, lambda: self._dial_timeout(leg, wait))
        for callee in undialable:
            # 13224 "Dial: Twilio does not support calling this number or the number is invalid"
            # ("when the provided number is not in E.164 format"): that leg fails.
            self.record_error(
                13224,
                f"Twilio does not support calling this number or the number is invalid: "
                f"{callee.to!r}",
                leg.sid,
                leg.frame.url if leg.frame else None,
            )
            self._end_leg(callee, "failed")
        return True

    def _dial_timeout(self, parent: Leg, wait: DialWait) -> None:
        if wait.answered_sid is not None:
            return
        for sid in list(wait.children):
            child = self.calls_by_sid[sid]
            if child.status in RINGING_STATUSES:
                child.dial_parent = None  # detach first: the parent concludes below
                self._end_leg(child, "no-answer")
                child.dial_parent = parent.sid
        self._finish_dial(parent, wait, "no-answer")

    def _child_answered(self, child: Leg) -> None:
        parent = self.calls_by_sid[child.dial_parent or ""]
        wait = parent.wait
        if not isinstance(wait, DialWait) or wait.answered_sid is not None:
            # Someone else won the race; this late answer is hung up.
            self._end_leg(child, "completed")
            return
        wait.answered_sid = child.sid
        for sid in wait.children:
            other = self.calls_by_sid[sid]
            if sid != child.sid and other.status in RINGING_STATUSES:
                self._end_leg(other, "canceled")
        if child.whisper_url:
            self._fetch(child, child.whisper_url, child.whisper_method, "whisper")
        else:
            self._bridge(parent, wait, child)

    def _bridge(self, parent: Leg, wait: DialWait, child: Leg) -> None:
        wait.bridged = True
        wait.bridged_at = self.now()
        parent.bridged_with = child.sid
        child.bridged_with = parent.sid
        child.frame = None
        child.wait = None
        if wait.time_limit_s:
            step = parent.step
            self._schedule(
                wait.time_limit_s,
                lambda: (
                    self._end_leg(child, "completed")
                    if parent.step == step and child.status == "in-progress"
                    else None
                ),
            )

    def _child_ended(self, child: Leg) -> None:
        parent = self.calls_by_sid.get(child.dial_parent or "")
        if parent is None or not isinstance(parent.wait, DialWait):
            return
        wait = parent.wait
        if child.sid not in wait.children:
            return
        if wait.answered_sid == child.sid:
            if wait.bridged:
                self._finish_dial(parent, wait, "completed")
                return
            # Screening refused (or the callee hung up during the whisper).
            wait.answered_sid = None
            wait.last_child_status = "completed"
        elif wait.answered_sid is None:
            wait.last_child_status = child.status
        pending = [
            sid for sid in wait.children if self.calls_by_sid[sid].status in RINGING_STATUSES
        ]
        if not pending and wait.answered_sid is None:
            self._finish_dial(parent, wait, wait.last_child_status)

    def _dial_result(self, wait: DialWait, status: str) -> dict[str, str]:
        result = {"DialCallStatus": status, "DialBridged": as_form_bool(wait.bridged)}
        child_sid = wait.answered_sid or (wait.children[-1] if wait.children else None)
        if child_sid:
            result["DialCallSid"] = child_sid
        if wait.bridged and wait.bridged_at is not None:
            seconds = int((self.now() - wait.bridged_at).total_seconds())
            result["DialCallDuration"] = str(seconds)
        else:
            result["DialCallDuration"] = "0"
        return result

    def _finish_dial(self, parent: Leg, wait: DialWait, status: str) -> None:
        if parent.wait is not wait:
            return
        parent.wait = None
        parent.step += 1
        if status == "busy":
            parent.hear(BUSY_TONE)
        if not self._post_action(parent, wait.action, wait.method, self._dial_result(wait, status)):
            self._run(parent)

    def _abandon_dial(self, parent: Leg, wait: DialWait, caller_hung_up: bool) -> None:
        """The parent leaves the Dial (hang-up or redirect): end its children."""
        for sid in wait.children:
            child = self.calls_by_sid[sid]
            child.dial_parent = None
            if child.status in RINGING_STATUSES:
                self._end_leg(child, "canceled")
            elif child.status == "in-progress":
                self._end_leg(child, "completed")
            child.dial_parent = parent.sid
        if caller_hung_up and wait.action:
            status = "completed" if wait.bridged else "canceled"
            self._post_action(parent, wait.action, wait.method, self._dial_result(wait, status))
