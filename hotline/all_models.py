"""Imports every package's models so the metadata knows all tables (Alembic, tests)."""

from callbacks import models as callbacks_models
from callbacks.network import meeting_models as network_meeting_models
from callbacks.network import orientation_models as network_orientation_models
from callbacks.network import partner_models as network_partner_models
from hotline import models as hotline_models
from hotline import sms as sms_models
from interpreter_pool import models as interpreter_models
from reports import aggregate_tables as report_models
from reports import telephony_days as telephony_models
from routing import models as routing_models

__all__ = [
    "callbacks_models",
    "hotline_models",
    "interpreter_models",
    "network_meeting_models",
    "network_orientation_models",
    "network_partner_models",
    "report_models",
    "routing_models",
    "sms_models",
    "telephony_models",
]
