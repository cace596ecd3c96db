"""The audit log: who viewed or changed what, and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import has_request_context, request
from sqlalchemy import text
from sqlalchemy.orm import Session

from hotline.models import AuditEvent, Request, User

# The objects that belong to one helpline, by audit type: the table holding their helpline_id
# (the features' tables are named, not imported: the audit log is the ground floor's).
HELPLINE_TABLES = {
    "request": "requests",
    "reference_value": "reference_values",
    "shift": "shifts",
    "closure": "closures",
    "rota_pattern": "rota_patterns",
    "rota_exception": "rota_exceptions",
    "meeting": "meetings",
    "network_activity": "network_activities",
    "callback": "callbacks",
}


def helpline_of(session: Session, object_type: str, object_id: object | None) -> int | None:
    """The helpline an audited object belongs to, or None for the region's shared records."""
    if object_id is None:
        return None
    try:
        key = int(str(object_id))
    except ValueError:
        return None
    if object_type == "helpline":
        return key
    if object_type == "request":  # the request being read is in the session already
        found_request = session.get(Request, key)
        return found_request.helpline_id if found_request is not None else None
    table = HELPLINE_TABLES.get(object_type)
    if table is None:
        return None
    if table == "callbacks":
        query = "SELECT r.helpline_id FROM callbacks c JOIN requests r ON r.id = c.request_id "
        query += "WHERE c.id = :id"
    else:
        query = f"SELECT helpline_id FROM {table} WHERE id = :id"  # noqa: S608 (a fixed name)
    found = session.execute(text(query), {"id": key}).scalar()
    return int(found) if found is not None else None


def record(
    session: Session,
    user: User | None,
    action: str,
    object_type: str,
    object_id: object | None,
    at: datetime,
    **detail: Any,
) -> AuditEvent:
    """Write one audit event (flushed with the change it describes)."""
    event = AuditEvent(
        at=at,
        user_id=user.id if user is not None else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        detail=detail,
        address=request.remote_addr if has_request_context() else None,
        helpline_id=helpline_of(session, object_type, object_id),
    )
    session.add(event)
    session.flush()
    return event


# A loose index scan: each step reads the next type from the index on (object_type, object_id).
OBJECT_TYPES = """
WITH RECURSIVE found(object_type) AS (
    SELECT min(object_type) FROM audit_events
    UNION ALL
    SELECT (SELECT min(a.object_type) FROM audit_events a WHERE a.object_type > found.object_type)
    FROM found WHERE found.object_type IS NOT NULL
)
SELECT object_type FROM found WHERE object_type IS NOT NULL ORDER BY object_type
"""


def object_types(session: Session) -> list[str]:
    """The types of object the log holds (its filter's choices), in order: one index step a
    type, not a read of the whole log."""
    return [str(found) for found in session.execute(text(OBJECT_TYPES)).scalars()]
