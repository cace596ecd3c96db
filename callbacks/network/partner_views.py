"""The network's partners in the console: coordinators and admins list, add, change and
deactivate them (every change audited). The structures they may belong to are kept on the
directory's structure pages (``hotline.console.structures``)."""

from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from callbacks.network import partners
from callbacks.network.partner_forms import PartnerForm
from callbacks.network.partner_models import Partner
from hotline import audit, directory, hooks, structures
from hotline.admin import one_or_404, refuse
from hotline.auth import require_roles, signed_in_user
from hotline.i18n import N_
from hotline.i18n import gettext as _
from hotline.web import db_session, now

# Who keeps the network's partners.
KEEPERS = ("coordinator", "admin")

bp = Blueprint(
    "network_partners", __name__, url_prefix="/console/network", template_folder="../templates"
)


def init_app(app: Flask) -> None:
    """The partners' pages and their place in the console's menu."""
    app.register_blueprint(bp)
    hooks.add_console_section(
        app,
        hooks.NavSection("network_partners.partners", N_("Partenaires du réseau"), KEEPERS, 50),
    )


def _partner_page(form: PartnerForm, partner: Partner | None, status: int = 200) -> tuple[str, int]:
    return render_template(
        "callbacks/network/partner_edit.html",
        user=signed_in_user(),
        form=form,
        partner=partner,
        professions=partners.PARTNER_PROFESSIONS,
        structures=structures.offered_structures(
            db_session(), partner.structure_id if partner else None
        ),
    ), status


@bp.get("/partners", endpoint="partners")
@require_roles(*KEEPERS)
def partners_list() -> str:
    """Every partner of the network, the active first."""
    session = db_session()
    return render_template(
        "callbacks/network/partners.html",
        user=signed_in_user(),
        partners=partners.all_partners(session),
        structures=structures.all_structures(session),
        professions=partners.PARTNER_PROFESSIONS,
        kinds=structures.STRUCTURE_KINDS,
        language_names=partners.language_names,
    )


@bp.route("/partners/new", methods=["GET", "POST"])
@require_roles(*KEEPERS)
def new_partner() -> Response | tuple[str, int]:
    """Add a partner."""
    form = PartnerForm()
    if not form.is_submitted():
        return _partner_page(form, None)
    if not form.validate():
        refuse(form)
        return _partner_page(form, None, 400)
    session = db_session()
    try:
        partner = partners.save_partner(session, form.details())
    except ValueError as exc:
        refuse(form, exc)
        return _partner_page(form, None, 400)
    audit.record(session, signed_in_user(), "partner_added", "partner", partner.id, now())
    flash(_("{name} fait maintenant partie des partenaires.", name=partner.name), "success")
    return redirect(url_for("network_partners.partners"))


@bp.route("/partners/<int:partner_id>", methods=["GET", "POST"])
@require_roles(*KEEPERS)
def edit_partner(partner_id: int) -> Response | tuple[str, int]:
    """Change a partner."""
    session = db_session()
    partner: Partner = one_or_404(session, Partner, partner_id)
    if request.method == "GET":
        form = PartnerForm(
            data={
                "name": partner.name,
                "profession": partner.profession,
                "specialty": partner.specialty or "",
                "structure_id": str(partner.structure_id or ""),
                "commune": partner.commune or "",
                "insee_code": partner.insee_code or "",
                "phones": "\n".join(
                    f"{p.label} : {directory.national(p.number)}"
                    if p.label
                    else directory.national(p.number)
                    for p in partner.phones
                ),
                "email": partner.email or "",
                "languages": ", ".join(partner.language_codes),
                "is_accepting_patients": partner.is_accepting_patients,
                "has_third_party_payment": partner.has_third_party_payment,
                "charter_signed_on": partner.charter_signed_on,
            }
        )
        return _partner_page(form, partner)
    form = PartnerForm()
    if not form.validate():
        refuse(form)
        return _partner_page(form, partner, 400)
    try:
        partners.save_partner(session, form.details(), partner)
    except ValueError as exc:
        refuse(form, exc)
        return _partner_page(form, partner, 400)
    audit.record(session, signed_in_user(), "partner_changed", "partner", partner.id, now())
    flash(_("{name} : fiche enregistrée.", name=partner.name), "success")
    return redirect(url_for("network_partners.partners"))


@bp.post("/partners/<int:partner_id>/active")
@require_roles(*KEEPERS)
def toggle_partner(partner_id: int) -> Response:
    """Deactivate a partner (no longer offered to the nurses), or make him active again."""
    session = db_session()
    partner: Partner = one_or_404(session, Partner, partner_id)
    active = not partner.is_active
    partners.set_active(session, partner, active)
    action = "partner_reactivated" if active else "partner_deactivated"
    audit.record(session, signed_in_user(), action, "partner", partner.id, now())
    if active:
        flash(_("{name} est de nouveau proposé aux infirmières.", name=partner.name), "success")
    else:
        flash(_("{name} n'est plus proposé aux infirmières.", name=partner.name), "success")
    return redirect(url_for("network_partners.partners"))
