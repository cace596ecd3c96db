"""The ground floor's sockets: signals reach the receivers of their own app, in connection order."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from hotline import hooks


def make_app(name: str) -> Flask:
    app = Flask(name)
    hooks.init_app(app)
    return app


def test_a_signal_reaches_the_receivers_of_the_sending_app_in_the_order_they_were_connected() -> (
    None
):
    heard: list[tuple[str, Any]] = []

    def second(sender: Flask, **kwargs: Any) -> None:
        heard.append(("second", kwargs["call"]))

    def first(sender: Flask, **kwargs: Any) -> None:
        heard.append(("first", kwargs["call"]))

    app, other = make_app("one"), make_app("other")
    for receiver in (first, second):
        hooks.connect(hooks.gp_left, app, receiver)
    hooks.connect(hooks.gp_left, other, second)

    with app.app_context():
        hooks.send(hooks.gp_left, call="CA1")
    with other.app_context():
        hooks.send(hooks.gp_left, call="CA2")

    assert heard == [("first", "CA1"), ("second", "CA1"), ("second", "CA2")]


def test_a_menu_key_belongs_to_one_branch_and_the_prompts_come_by_key() -> None:
    app = make_app("menu")

    def callback(*_: object) -> None: ...

    def nurse(*_: object) -> None: ...

    hooks.add_menu_branch(app, "3", callback, name="callback", prompt="Pour être rappelé")
    hooks.add_menu_branch(app, "2", nurse, name="nurse", prompt="Pour l'infirmière")
    hooks.add_menu_branch(app, "9", nurse, name="hidden")
    with pytest.raises(ValueError, match="already taken"):
        hooks.add_menu_branch(app, "2", callback)  # a taken key is not given to a second branch

    assert hooks.menu_prompts(app) == [("2", "Pour l'infirmière"), ("3", "Pour être rappelé")]
    assert hooks.registries(app).menu_options["9"] == hooks.MenuOption("hidden")
