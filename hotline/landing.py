"""The front page at `/`: what this service is, the way to the console's sign-in, and in the
demo the simulator's address and the demo's accounts (the demo puts them in DEMO_LANDING); the
accessibility statement that every page's footer links to."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from hotline.auth import current_user

bp = Blueprint("landing", __name__)

# The app's config key under which the demo leaves its simulator address and sign-ins.
DEMO_LANDING = "DEMO_LANDING"


@bp.get("/")
def index() -> str:
    """The landing page (French, English with ?lang=en)."""
    demo = current_app.config.get(DEMO_LANDING)
    return render_template("landing.html", user=current_user(), demo=demo)


@bp.get("/accessibilite")
def accessibility() -> str:
    """The accessibility statement in the RGAA's form (French, English with ?lang=en)."""
    return render_template("accessibility.html", user=current_user())
