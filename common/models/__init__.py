from common.models.apikey import ApiKey
from common.models.audit import AuditEntry

__all__ = ["ApiKey", "AuditEntry"]
