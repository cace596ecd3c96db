"""How long speech takes in the sandbox: a <Say> lasts as long as its text, a person reacts.

These are the sandbox's model of time, not figures Twilio publishes: text-to-speech in French runs
at about 150 words a minute, i.e. some 15 characters a second, and a person who has heard a prompt
to the end takes about a second and a half to press a key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hotline.sandbox.model import GatherWait, PauseWait
from hotline.sandbox.twiml import Node

# Our model: characters of text spoken per second by Twilio's text-to-speech.
SPEECH_CHARS_PER_S = 15.0
# Our model: seconds a person takes to press a key once the prompt has been said.
REACTION_S = 1.5


def say_seconds(text: str, times: int = 1) -> float:
    """Seconds a <Say> of `text`, said `times` times, takes to be heard."""
    return len(text.strip()) / SPEECH_CHARS_PER_S * max(1, times)


@dataclass
class SayWait(PauseWait):
    """Inside a top-level <Say>: the next verb starts once the text has been said."""


@dataclass
class PromptedGather(GatherWait):
    """Inside <Gather> while its nested <Say>/<Play>/<Pause> are still being played.

    Twilio: "When a <Gather> contains nested <Say> or <Play> verbs, the timeout begins either
    after the audio completes or when the caller presses their first key", and a digit entered
    while the prompt is said makes the "<Gather> verb stop speaking" (barge-in).
    """

    prompts: list[Node] = field(default_factory=list)
    prompting: bool = True
