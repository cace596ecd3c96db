"""The demo's network: a few structures and partner practitioners of Toulouse (fictitious)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from callbacks.network import partners
from callbacks.network.partner_models import Partner
from hotline.directory import PhoneEntry
from hotline.models import Structure
from hotline.structures import StructureDetails, save_structure

# Partners whose e-mail address the demo knows (the agenda of a meeting goes there).
DEMO_EMAILS = {
    "Dr Yasmine Cherif": "y.cherif@partenaire.example.org",
    "PASS du CHU (démonstration)": "pass.social@partenaire.example.org",
}
# (name, kind, finess, commune, INSEE code): the directory's structures of these names are
# kept (``hotline.demo_structures`` may have made them first).
DEMO_STRUCTURES = [
    ("Maison de santé de Bagatelle", "msp", None, "Toulouse", "31555"),
    ("PASS du CHU (démonstration)", "pass", "319990040", "Toulouse", "31555"),
]
# (name, profession, specialty, structure, commune, INSEE, phone, languages, accepts new
# patients, third-party payment, charter signed on)
DEMO_PARTNERS = [
    ("Dr Yasmine Cherif", "gp", None, "Maison de santé de Bagatelle", "Toulouse", "31555",
     "+33561000101", ["ar", "fr"], True, True, date(2024, 9, 12)),
    ("Dr Thomas Garcia", "gp", None, None, "Toulouse", "31555",
     "+33561000102", ["es", "en"], False, True, date(2023, 5, 2)),
    ("Dr Nadia Bensaïd", "gp", None, None, "Blagnac", "31069",
     "+33561000103", ["ar", "fr"], True, False, date(2025, 1, 20)),
    ("Mme Hélène Moreau", "midwife", None, "Maison de santé de Bagatelle", "Toulouse", "31555",
     "+33561000104", ["fr", "en"], True, True, date(2024, 11, 4)),
    ("M. Ivan Petrenko", "psychologist", "Psychotraumatologie", None, "Toulouse", "31555",
     "+33561000105", ["uk", "ru"], True, False, date(2025, 6, 30)),
    ("PASS du CHU (démonstration)", "structure", None, "PASS du CHU (démonstration)",
     "Toulouse", "31555", "+33561000106", ["ar", "en", "es"], True, True, date(2022, 3, 1)),
]  # fmt: skip


def seed_demo_partners(session: Session) -> None:
    """The demo's structures and partners, once (running it again adds nothing)."""
    if session.scalars(select(Partner.id)).first() is not None:
        return
    structures = {}
    for name, kind, finess, commune, insee in DEMO_STRUCTURES:
        known = session.scalars(select(Structure.id).where(Structure.name == name)).first()
        wanted = StructureDetails(name, kind, finess, commune, insee)
        structures[name] = known or save_structure(session, wanted).id
    for (
        name,
        profession,
        specialty,
        structure,
        commune,
        insee,
        phone,
        languages,
        accepting,
        third_party,
        charter,
    ) in DEMO_PARTNERS:
        details = partners.PartnerDetails(
            name=name,
            profession=profession,
            specialty=specialty,
            structure_id=structures[structure] if structure else None,
            commune=commune,
            insee_code=insee,
            phones=[PhoneEntry(phone, "cabinet")],
            languages=languages,
            is_accepting_patients=accepting,
            has_third_party_payment=third_party,
            charter_signed_on=charter,
            email=DEMO_EMAILS.get(name),
        )
        partners.save_partner(session, details)
