"""Custody alerts: raised by readings and epochs, acknowledged by a custody admin."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from common.services.audit import audit_log_write
from custody.models import CustodyAlert


def custody_alert_raise(
    *, kind: str, message: str, details: dict, wallet=None, fund=None
) -> CustodyAlert:
    """An alert for the staff page and its audit-log row, in the caller's transaction."""
    with transaction.atomic():
        alert = CustodyAlert.objects.create(
            kind=kind, message=message[:300], details=details, wallet=wallet, fund=fund
        )
        audit_log_write(
            actor="custody",
            action=f"backstop.custody.alert.{kind}",
            object_type="custody.CustodyAlert",
            object_id=alert.pk,
            after={"message": alert.message, "details": details, "wallet": str(wallet or "")},
        )
    return alert


def custody_alert_acknowledge(*, alert: CustodyAlert, user) -> CustodyAlert:
    """Mark the alert seen by ``user`` (once; a second click changes nothing)."""
    with transaction.atomic():
        locked = CustodyAlert.objects.select_for_update().get(pk=alert.pk)
        if locked.acknowledged_at:
            return locked
        locked.acknowledged_by = user
        locked.acknowledged_at = timezone.now()
        locked.save(update_fields=["acknowledged_by", "acknowledged_at"])
        audit_log_write(
            actor=user.get_username(),
            action="backstop.custody.alert.acknowledged",
            object_type="custody.CustodyAlert",
            object_id=locked.pk,
            after={"kind": locked.kind, "message": locked.message},
        )
    return locked
