"""Members are wallets signed in with EIP-4361; the session keeps their checksummed address.

Other apps' member pages use ``member_required`` and ``member_address``; API views that act
for the signed-in member use ``IsMember``, which also enforces CSRF (members are not Django
users, so DRF's session authentication would not).
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.http import HttpRequest
from django.shortcuts import redirect
from rest_framework.authentication import CSRFCheck
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

SESSION_KEY = "member_address"
SIGNIN_URL = "/governance/signin/"


def member_address(request: HttpRequest) -> str | None:
    session = getattr(request, "session", None)
    return session.get(SESSION_KEY) if session is not None else None


def member_login(request: HttpRequest, address: str) -> None:
    """Start a member session; a new session key so a planted one cannot be reused."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = address


def member_logout(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()


def member_required(view):
    """Page decorator: send visitors without a wallet session to the sign-in page."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not member_address(request):
            return redirect(f"{SIGNIN_URL}?{urlencode({'next': request.get_full_path()})}")
        return view(request, *args, **kwargs)

    return wrapped


class IsMember(BasePermission):
    message = "sign in with your wallet first (EIP-4361, /governance/signin/)"

    def has_permission(self, request, view) -> bool:
        if not member_address(request):
            return False
        check = CSRFCheck(lambda req: None)
        check.process_request(request)
        reason = check.process_view(request, None, (), {})
        if reason:
            raise PermissionDenied(f"CSRF failed: {reason}")
        return True
