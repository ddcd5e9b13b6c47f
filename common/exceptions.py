"""The project's error tree. Services raise these; the API and pages render them the same way.

Each error carries a human message, a stable code, and optional per-field messages keyed by
field path (``postings.1.amount``) so a client can point at the exact bad input.
"""

from __future__ import annotations


class BackstopError(Exception):
    status = 400
    code = "error"

    def __init__(
        self, message: str, *, fields: dict[str, list[str]] | None = None, code: str | None = None
    ):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code

    @classmethod
    def field(cls, path: str, reason: str) -> BackstopError:
        """An error about one input field: the message names the field and the reason."""
        return cls(f"{path}: {reason}", fields={path: [reason]})


class Invalid(BackstopError):
    status = 400
    code = "invalid"


class Forbidden(BackstopError):
    status = 403
    code = "forbidden"


class NotFound(BackstopError):
    status = 404
    code = "not_found"


class Conflict(BackstopError):
    status = 409
    code = "conflict"


class LockTimeout(Conflict):
    """Another transaction holds the lock; the caller may retry shortly."""

    code = "busy"


class LockBusy(LockTimeout):
    """Another transaction holds the lock and the caller asked not to wait for it."""


class ExternalUnavailable(BackstopError):
    """A node, broker or other outside service did not answer; never turned into data."""

    status = 503
    code = "unavailable"
