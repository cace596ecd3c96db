"""Command line: run a sandbox for manual use (`python -m hotline.sandbox --number +33…=URL`)."""

from __future__ import annotations

import argparse
import logging
import signal
import threading

from hotline.sandbox.policies import (
    AgencyMenu,
    Answer,
    Decline,
    Ignore,
    Manual,
    Policy,
    Silent,
    Voicemail,
)
from hotline.sandbox.server import Sandbox


def _policy(text: str) -> Policy:
    kind, _, arg = text.partition(":")
    if kind == "answer":
        after, _, press = arg.partition(":")
        return Answer(after_s=float(after or 0), press=press or None)
    if kind == "decline":
        return Decline()
    if kind == "ignore":
        return Ignore()
    if kind == "voicemail":
        return Voicemail(after_s=float(arg or 20))
    if kind == "agency" and arg:
        return AgencyMenu(digits=arg)
    if kind == "silent":
        return Silent(after_s=float(arg or 0))
    return Manual()


def build_parser() -> argparse.ArgumentParser:
    """The command-line options."""
    parser = argparse.ArgumentParser(prog="python -m hotline.sandbox", description=__doc__)
    parser.add_argument("--account-sid", default="AC" + "0" * 32)
    parser.add_argument("--auth-token", default="sandbox-auth-token")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4010)
    parser.add_argument(
        "--number",
        action="append",
        default=[],
        metavar="E164=VOICE_URL[,STATUS_URL]",
        help="an incoming number and the app's webhooks (repeatable)",
    )
    parser.add_argument(
        "--caller-id",
        action="append",
        default=[],
        metavar="E164",
        help="a verified caller ID of the account, allowed as From besides its numbers",
    )
    parser.add_argument(
        "--phone",
        action="append",
        default=[],
        metavar="ADDRESS=POLICY",
        help=(
            "a simulated phone: manual | answer:SECONDS[:KEYS] | decline | ignore"
            " | voicemail[:SECONDS] | agency:ACCESS_CODE | silent[:SECONDS]"
        ),
    )
    return parser


def main(argv: list[str] | None = None) -> None:
    """Run a sandbox until interrupted."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    sandbox = Sandbox(
        account_sid=args.account_sid, auth_token=args.auth_token, caller_ids=args.caller_id
    )
    for spec in args.number:
        number, _, urls = spec.partition("=")
        voice_url, _, status_url = urls.partition(",")
        sandbox.add_number(number, voice_url, status_callback=status_url or None)
    for spec in args.phone:
        address, _, policy = spec.partition("=")
        sandbox.person(address, _policy(policy or "manual"))
    base = sandbox.start(args.host, args.port)
    print(f"Twilio sandbox on {base}  (page: {base}/)", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    sandbox.stop()


if __name__ == "__main__":
    main()
