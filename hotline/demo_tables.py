"""The demo year's tables: who calls from where, in which language, about what, and how often.

Plain data, read by ``hotline.demo_year``: each table is a list of (value, weight) or of rows,
so a field added to the product (a commune's INSEE code on a professional, an orientation, an
age band…) is one more column here and one more argument where the generator uses it. Every
name is fictional; no table holds anything about a patient.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

SEED = 20261201
REQUESTS_A_YEAR = 400
DIRECTORY_SIZE = 80
# Practices whose two GPs share the practice's landline (a number held by two professionals).
SHARED_PRACTICES = 6
DEPARTEMENT = "31"  # Haute-Garonne


@dataclass(frozen=True)
class Commune:
    """A commune of the département, with its INSEE code (the Code officiel géographique)."""

    name: str
    insee: str
    weight: int


# 25 communes of Haute-Garonne; Toulouse and its suburbs call most.
COMMUNES = [
    Commune("Toulouse", "31555", 40),
    Commune("Colomiers", "31149", 6),
    Commune("Tournefeuille", "31557", 5),
    Commune("Muret", "31395", 5),
    Commune("Blagnac", "31069", 4),
    Commune("Balma", "31044", 3),
    Commune("L'Union", "31561", 3),
    Commune("Cugnaux", "31157", 3),
    Commune("Ramonville-Saint-Agne", "31446", 3),
    Commune("Plaisance-du-Touch", "31424", 2),
    Commune("Castanet-Tolosan", "31113", 2),
    Commune("Saint-Orens-de-Gameville", "31506", 2),
    Commune("Saint-Gaudens", "31483", 3),
    Commune("Portet-sur-Garonne", "31433", 2),
    Commune("Villeneuve-Tolosane", "31588", 2),
    Commune("Fenouillet", "31182", 1),
    Commune("Aucamville", "31022", 2),
    Commune("Fonsorbes", "31187", 1),
    Commune("Léguevin", "31291", 1),
    Commune("Revel", "31451", 1),
    Commune("Villefranche-de-Lauragais", "31582", 1),
    Commune("Grenade", "31232", 1),
    Commune("Fronton", "31202", 1),
    Commune("Auterive", "31033", 1),
    Commune("Carbonne", "31107", 1),
]

# (profession code of hotline.directory.PROFESSIONS, title, weight in the directory)
PROFESSIONS = [
    ("gp", "Dr", 55),
    ("midwife", "Mme", 9),
    ("pharmacist", None, 8),
    ("social_worker", None, 10),
    ("nurse", None, 6),
    ("specialist", "Dr", 4),
]
# Structures by profession: "{commune}" is replaced by the professional's commune.
ORGANISATIONS = {
    "gp": ["Cabinet médical de {commune}", "Maison de santé de {commune}", "Cabinet du centre"],
    "midwife": ["PMI de {commune}", "Cabinet de sages-femmes de {commune}"],
    "pharmacist": ["Pharmacie de la mairie", "Pharmacie du marché", "Grande pharmacie"],
    "social_worker": ["CCAS de {commune}", "Maison des solidarités de {commune}"],
    "nurse": ["Cabinet infirmier de {commune}", "Centre de soins de {commune}"],
    "specialist": ["Centre de santé de {commune}", "Clinique de {commune}"],
}
FIRST_NAMES = [
    "Anne", "Bruno", "Camille", "Denis", "Élodie", "Fabien", "Gaëlle", "Hugo", "Inès", "Jérôme",
    "Karine", "Luc", "Manon", "Nicolas", "Océane", "Pierre", "Quentin", "Rachida", "Sylvie",
    "Thomas", "Ulysse", "Valérie", "William", "Yasmine", "Zoé", "Amine", "Bénédicte", "Cyril",
    "Delphine", "Étienne", "Farida", "Guillaume", "Hélène", "Isabelle", "Julie", "Kevin",
]  # fmt: skip
LAST_NAMES = [
    "Arnaud", "Bertrand", "Castel", "Delmas", "Escudié", "Fabre", "Garrigues", "Huguet", "Izard",
    "Jullian", "Labat", "Marty", "Naudy", "Ourliac", "Pujol", "Quintard", "Rouquette", "Sabatier",
    "Teulé", "Usclade", "Vidal", "Azéma", "Bonnafous", "Carrère", "Dauzats", "Espinasse",
    "Fourcade", "Gineste", "Lacombe", "Maurel", "Nougaro", "Pons", "Rességuier", "Salles",
    "Tournier", "Viguier", "Bousquet", "Cazeneuve", "Dupuy", "Ferran",
]  # fmt: skip
# Landlines in ARCEP's range reserved for fiction (05 36 49 xx xx); its mobile range (06 39 98)
# is refused by phonenumbers, as the app checks numbers, so mobiles are made up in 06 59 00.
FICTION_MOBILE = 33659000000
FICTION_LANDLINE = 33536490000

# Who calls: weights of professions among the requests (GPs are the majority).
CALLER_PROFESSIONS = {
    "gp": 60,
    "midwife": 12,
    "pharmacist": 6,
    "social_worker": 12,
    "nurse": 6,
    "specialist": 4,
}
# Requests from a number the directory does not know (a new caller, a hospital switchboard).
UNKNOWN_CALLER_PCT = 8

# The pool's language codes (interpreter_pool.languages), by share of the requests for one.
LANGUAGES = [
    ("ar", 24), ("prs", 12), ("ps", 9), ("ti", 10), ("ro", 7), ("ru", 6), ("uk", 8), ("ka", 5),
    ("sq", 5), ("bn", 4), ("en", 4), ("ht", 3), ("so", 2), ("wo", 1),
]  # fmt: skip
# Interpreters the demo year adds to the pool for the languages the demo's pool lacks (Wolof
# stays without one: its requests end as "no interpreter").
EXTRA_INTERPRETERS = [
    ("Rafiq Chowdhury", "+33610000014", ["bn"], 10),
    ("Grace Thompson", "+33610000015", ["en"], 10),
]

# What a request is about (hotline.console.requests.CATEGORIES; per-helpline lists later).
CATEGORIES = [
    ("interpreting", 55),
    ("complex_situation", 15),
    ("access_to_rights", 15),
    ("orientation", 10),
    ("other", 5),
]
# The orientation and the patient's non-identifying facts, by the default codes of the
# helplines' reference lists (hotline.reference_codes.DEFAULTS, being merged): once the request
# has these fields, ``demo_plan.plan_year`` draws one of each and ``YearPlayer.log`` sets it.
ORIENTATIONS = [
    ("gp", 30), ("pass", 20), ("rights", 20), ("cmp", 8), ("hospital", 8), ("dac", 4),
    ("social_service", 6), ("network_partner", 4),
]  # fmt: skip
AGE_BANDS = [
    ("age_0_17", 15), ("age_18_24", 15), ("age_25_39", 35), ("age_40_59", 22), ("age_60_74", 9),
    ("age_75_plus", 4),
]  # fmt: skip
SEXES = [("female", 55), ("male", 43), ("not_stated", 2)]
COVERAGES = [
    ("none", 30), ("ame", 25), ("css", 15), ("general_scheme", 8), ("general_complementary", 5),
    ("pending", 12), ("unknown", 5),
]  # fmt: skip
HOUSING = [
    ("street", 8), ("emergency_shelter", 20), ("institution", 15), ("hosted", 30), ("squat", 5),
    ("own_home", 15), ("unknown", 7),
]  # fmt: skip
# A follow-up callback's coded outcome (callbacks.models.FollowUpOutcome), by weight, with the
# nurse's note (never a patient's identity).
FOLLOW_UP_OUTCOMES = [
    ("improved", 45), ("unchanged", 25), ("worsened", 8), ("lost_to_follow_up", 10),
    ("redirected", 12),
]  # fmt: skip
FOLLOW_UP_NOTES = {
    "improved": "Droits ouverts, suivi par le médecin traitant.",
    "unchanged": "Démarches en cours, rappel à prévoir.",
    "worsened": "Hospitalisation récente, lien avec l'assistante sociale.",
    "lost_to_follow_up": "Le patient n'est pas revenu au cabinet.",
    "redirected": "Réorienté vers la PASS du CHU.",
}

# How the nurse closes a request she handled without an interpreter, by weight.
NURSE_OUTCOMES = [("resolved", 45), ("oriented", 35), ("follow_up", 15), ("other", 5)]
# Notes as the nurse writes them: never a patient's name, age or address.
NOTES = {
    "interpreting": "Consultation avec interprète, pas d'autre besoin.",
    "complex_situation": "Situation complexe : coordination avec le travailleur social.",
    "access_to_rights": "Droits à ouvrir : orientation vers la PASS et la CPAM.",
    "orientation": "Orienté vers le CMP du secteur.",
    "other": "Demande d'information sur le dispositif.",
}

# How a request goes, by weight: the GP asks an interpreter from the menu; he asks the nurse
# who adds one; he talks with the nurse only; nobody answers and he leaves a message.
PATHS = [("interpreter", 52), ("nurse_interpreter", 18), ("nurse", 22), ("voicemail", 8)]
# A follow-up callback is promised on this share of the nurse's requests.
FOLLOW_UP_PCT = 25
# The request is left "to complete" (no category, no outcome) in the last days.
TO_COMPLETE_DAYS = 4
TO_COMPLETE_COUNT = 6

# Interpreting time: minutes of a connected session, (minimum, mode, maximum) of a triangle;
# ~300 sessions of ~50 min make the reference's ~250 hours a year.
SESSION_MINUTES = (15, 45, 110)
# Seconds for an interpreter to press 1, for the nurse to answer.
ANSWER_S = (6, 40)
# Share of the time a language's individual interpreters do not answer and the agency does.
AGENCY_PCT = 10

# Twilio's price of a minute of a leg, in the account's currency (EUR): the helpline's number
# answering, a call made to a French phone. A started minute is billed.
TWILIO_PER_MINUTE = {"inbound": Decimal("0.0100"), "out": Decimal("0.0450")}

# When calls come: weekdays mostly, in opening hours mostly (local hours, weights).
WEEKDAY_WEIGHTS = [22, 21, 21, 20, 19, 3, 1]  # Monday first
HOUR_WEIGHTS = {
    7: 1, 8: 4, 9: 12, 10: 14, 11: 13, 12: 6, 13: 6, 14: 12, 15: 12, 16: 11, 17: 9, 18: 4,
    19: 2, 20: 1,
}  # fmt: skip
# The nurses' rota of the past year: weekdays 09:00-18:00, on duty and backup by turns of a week.
ROTA_HOURS = ("09:00", "18:00")

# Structures (hotline.structures): (name, kind, FINESS, commune, INSEE code). Fictional; the
# FINESS numbers have a valid key in a range no establishment of Haute-Garonne uses. The health
# centre takes part in a Facilisoins-like experiment: a budget line funds its interpreting.
DEMO_STRUCTURES = [
    ("Centre de santé des Izards", "health_centre", "319990016", "Toulouse", "31555"),
    ("Maison de santé de Bagatelle", "msp", "319990024", "Toulouse", "31555"),
    ("Cabinet médical des Carmes", "cabinet", None, "Toulouse", "31555"),
    ("CCAS de Toulouse", "ccas", None, "Toulouse", "31555"),
]
FACILISOINS_STRUCTURE = "Centre de santé des Izards"
# Who works where, by a number of theirs: the demo's professionals (hotline.demo: Dr Martin
# works in two structures, so the nurse chooses; the others' requests get theirs at once), then
# four of the demo year's directory by their place in it (after the shared practices' GPs).
DEMO_WORKPLACES = [
    ("+33612345678", ("Cabinet médical des Carmes", "Centre de santé des Izards")),
    ("+33623456789", ("Maison de santé de Bagatelle",)),
    ("+33645678901", ("CCAS de Toulouse",)),
]
YEAR_WORKPLACES = [
    (12, ("Centre de santé des Izards",)),
    (13, ("Centre de santé des Izards",)),
    (14, ("Centre de santé des Izards", "Maison de santé de Bagatelle")),
    (15, ("Maison de santé de Bagatelle",)),
]
