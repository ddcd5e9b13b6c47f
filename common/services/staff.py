"""Staff accounts: a password, a TOTP device and roles (Django groups)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from common.auth import ROLES
from common.exceptions import Invalid
from common.services.audit import audit_log_write


def staff_create(
    *, username: str, password: str, roles: list[str], actor: str, totp_key: str | None = None
) -> tuple[object, TOTPDevice]:
    """Create a staff user with a confirmed TOTP device; returns the user and the device."""
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise Invalid.field(
            "roles", f"unknown role(s) {', '.join(unknown)}; valid: {', '.join(ROLES)}"
        )
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise Invalid.field("username", f"{username!r} already exists")
    with transaction.atomic():
        user = User.objects.create_user(username=username, password=password, is_staff=True)
        # The roles' groups come from migration common/0003; create any that are missing (a
        # database flushed by a transactional test, say) rather than silently drop a role.
        user.groups.set([Group.objects.get_or_create(name=role)[0] for role in sorted(roles)])
        device_kwargs = {"key": totp_key} if totp_key else {}
        device = TOTPDevice.objects.create(
            user=user, name="default", confirmed=True, **device_kwargs
        )
        audit_log_write(
            actor=actor,
            action="backstop.common.staff.created",
            object_type="user",
            object_id=user.pk,
            after={"username": username, "roles": sorted(roles)},
        )
    return user, device
