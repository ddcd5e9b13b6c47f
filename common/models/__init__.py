from common.models.apikey import ApiKey
from common.models.audit import AuditEntry
from common.models.dead_letter import DeadLetter

__all__ = ["ApiKey", "AuditEntry", "DeadLetter"]
