"""A small fixed-window rate limit for page views (login, sign-in, proposals) on the cache."""

from __future__ import annotations

import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or the header a trusted proxy sets
    (``CLIENT_IP_HEADER``, e.g. ``HTTP_X_REAL_IP``), else every client would share the proxy's.
    """
    header = settings.CLIENT_IP_HEADER
    if header and request.META.get(header):
        return request.META[header].split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "unknown")


def hit(key: str, *, limit: int, period: int) -> bool:
    """Count one hit for ``key``; False once more than ``limit`` hits fall in this window."""
    window = int(time.time() // period)
    bucket = f"rl:{key}:{window}"
    cache.add(bucket, 0, timeout=period + 1)
    try:
        count = cache.incr(bucket)
    except ValueError:
        cache.set(bucket, 1, timeout=period + 1)
        count = 1
    return count <= limit


def ratelimited(*, key: str, limit: int, period: int):
    """Refuse POSTs beyond ``limit`` per ``period`` seconds per client address with 429."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST" and not hit(
                f"{key}:{client_ip(request)}", limit=limit, period=period
            ):
                return HttpResponse(
                    "Too many attempts; wait a minute and try again.",
                    status=429,
                    headers={"Retry-After": str(period)},
                )
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
