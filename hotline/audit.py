"""The audit log: who viewed or changed what, and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import has_request_context, request
from sqlalchemy.orm import Session

from hotline.models import AuditEvent, User


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
    )
    session.add(event)
    session.flush()
    return event
