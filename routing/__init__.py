"""Who should take a call now: opening hours, holidays, the rota and the escalation plan."""
