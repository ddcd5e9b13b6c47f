"""One JSON error shape for every API response: {"message", "code", "fields"}.

``fields`` maps dotted field paths (``items.3.price``) to lists of reasons.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions as drf_exceptions
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from common.exceptions import BackstopError, LockTimeout


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error detail into {"a.b.0.c": ["reason", …]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if key == "non_field_errors" and not prefix:
                path = "__all__"
            for k, v in flatten_errors(value, path).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            out.setdefault(prefix or "__all__", []).extend(str(item) for item in detail)
        else:
            for index, item in enumerate(detail):
                if item:
                    path = f"{prefix}.{index}" if prefix else str(index)
                    for k, v in flatten_errors(item, path).items():
                        out.setdefault(k, []).extend(v)
    else:
        out.setdefault(prefix or "__all__", []).append(str(detail))
    return out


def error_body(message: str, code: str, fields: dict[str, list[str]] | None = None) -> dict:
    return {"message": message, "code": code, "fields": fields or {}}


def _summary(fields: dict[str, list[str]]) -> str:
    return "; ".join(f"{path}: {' '.join(reasons)}" for path, reasons in fields.items())


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, BackstopError):
        headers = {"Retry-After": "1"} if isinstance(exc, LockTimeout) else None
        return Response(
            error_body(exc.message, exc.code, exc.fields), status=exc.status, headers=headers
        )
    if isinstance(exc, DjangoValidationError):
        fields = (
            {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
            if hasattr(exc, "error_dict")
            else {"__all__": [str(m) for m in exc.messages]}
        )
        return Response(error_body(_summary(fields), "invalid", fields), status=400)
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, serializers.ValidationError):
        fields = flatten_errors(exc.detail)
        response.data = error_body(_summary(fields), "invalid", fields)
    else:
        detail = getattr(exc, "detail", str(exc))
        code = getattr(exc, "default_code", "error")
        response.data = error_body(str(detail), code)
    return response


def not_found(request, exception=None):
    """``handler404``: a URL under /api/ that no route matches (a path parameter of the wrong
    form, say) still answers the error shape, not the HTML page."""
    if request.path.startswith("/api/"):
        body = error_body(
            "no API endpoint matches this URL: check the path and its parameters", "not_found"
        )
        return JsonResponse(body, status=404)
    return defaults.page_not_found(request, exception)


class ErrorOutputSerializer(serializers.Serializer):
    """Schema of every error response (documented once, referenced by each view)."""

    message = serializers.CharField()
    code = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
