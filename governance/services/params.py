"""The only writer of parameter values: install-time seeding and governance execution."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from common.exceptions import Invalid
from common.services.audit import audit_log_write
from governance.models import ParamValue
from governance.registry import param_lookup, scope_level


def param_value_set(
    *,
    name: str,
    scope: str,
    value: Any,
    source: str,
    actor: str,
    effective_at: datetime | None = None,
    path: str | None = None,
) -> ParamValue:
    """Append a new version after checking the name, the scope level and the bounds.

    ``value`` is given in its text/JSON form (numbers as strings). Governance calls this when
    a proposal executes; ``params_seed`` and the replay command call it at install time.
    """
    path = path or name
    param = param_lookup(name, path=path)
    level = scope_level(scope)
    if level not in param.scopes:
        raise Invalid.field(
            path, f"cannot be set at {level} scope (allowed: {', '.join(param.scopes)})"
        )
    parsed = param.parse(value, path=path)
    if not source:
        raise Invalid.field("source", "must say what made the change")
    with transaction.atomic():
        row = ParamValue.objects.create(
            name=name,
            scope=scope,
            value=param.serialize(parsed),
            effective_at=effective_at or timezone.now(),
            source=source,
            created_by=actor,
        )
        audit_log_write(
            actor=actor,
            action="backstop.governance.param.set",
            object_type="param",
            object_id=f"{name}@{scope}",
            after={
                "value": row.value,
                "source": source,
                "effective_at": row.effective_at.isoformat(),
            },
        )
    return row
