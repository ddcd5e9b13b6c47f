"""Staff access: every staff page needs a password login *and* a verified TOTP device."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

ROLES = ("payout_reviewer", "custody_admin", "auditor")


def user_has_role(user, role: str) -> bool:
    return bool(
        user.is_authenticated and (user.is_superuser or user.groups.filter(name=role).exists())
    )


def staff_verified(user) -> bool:
    """True only for active staff who passed the second factor in this session."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and getattr(user, "is_verified", lambda: False)()
    )


def staff_required(role: str | None = None):
    """View decorator: staff with a verified second factor, optionally holding ``role``."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not staff_verified(request.user):
                return redirect_to_login(request.get_full_path())
            if role and not user_has_role(request.user, role):
                raise PermissionDenied(f"this page needs the '{role}' role")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
