"""The yearly report's words in French and English (pure, like the registry's labels)."""

from __future__ import annotations

# What a number is shown in: rates as percentages, durations in seconds or minutes, money in €.
UNIT_TEXT = {
    "count": ("nombre", "count"),
    "rate": ("%", "%"),
    "seconds": ("secondes", "seconds"),
    "minutes": ("minutes", "minutes"),
    "hours": ("heures", "hours"),
    "eur": ("€", "€"),
    "ratio": ("ratio", "ratio"),
    "score": ("note sur 5", "score out of 5"),
}
TEXTS = {
    "title": ("Rapport d'activité", "Activity report"),
    "summary": ("Synthèse", "Summary"),
    "monthly": ("Mensuel", "Monthly"),
    "finance": ("Finances", "Finance"),
    "definitions": ("Définitions", "Definitions"),
    "data": ("Données", "Data"),
    "id": ("indicateur", "indicator"),
    "label": ("libellé", "label"),
    "unit": ("unité", "unit"),
    "group": ("groupe", "group"),
    "value": ("période", "period"),
    "previous": ("N−1", "Y−1"),
    "change": ("évolution (%)", "change (%)"),
    "total": ("Total", "Total"),
    "definition": ("définition", "definition"),
    "breakdowns": ("ventilations", "breakdowns"),
    "manual": ("saisie manuelle", "manual input"),
    "version": ("version", "version"),
    "yes": ("oui", "yes"),
    "no": ("non", "no"),
    "figure": ("détail", "detail"),
    "reference": ("référence", "reference"),
    "opened": ("ouverte le", "opened on"),
    "closed": ("close le", "closed on"),
    "channel": ("canal", "channel"),
    "outcome": ("issue", "outcome"),
    "orientation": ("orientation", "orientation"),
    "interpreting": ("séances d'interprétariat", "interpreting sessions"),
    "days_open": ("durée (jours)", "length (days)"),
    "category": ("Motifs", "Categories"),
    "profession": ("Professions", "Professions"),
    "territory": ("Territoires", "Territories"),
    "language": ("Langues", "Languages"),
    "provider": ("Prestataires", "Providers"),
    "structure": ("Structures", "Structures"),
    "helpline": ("Lignes d'écoute", "Helplines"),
    "key:category": ("motif", "category"),
    "key:profession": ("profession", "profession"),
    "key:territory": ("territoire", "territory"),
    "key:language": ("langue", "language"),
    "key:provider": ("prestataire", "provider"),
    "key:structure": ("type de structure", "structure type"),
    "key:helpline": ("ligne d'écoute", "helpline"),
    "unknown": ("non renseigné", "not recorded"),
    "chart:monthly": ("Demandes par mois", "Requests by month"),
    "chart:languages": ("Interprétariats par langue", "Interpreting sessions by language"),
    "chart:masked": ("petits effectifs non représentés", "small cells not shown"),
    "chart:spend": ("Dépense d'interprétariat par mois", "Interpreting spend by month"),
    "internal": ("usage interne", "internal use"),
    "external": ("diffusion externe (petits effectifs masqués)", "external (small cells masked)"),
}


def text(key: str, locale: str) -> str:
    """One of the report's words in the reader's language."""
    french, english = TEXTS[key]
    return english if locale.startswith("en") else french
