"""drf-spectacular postprocessing: what every operation answers, documented once.

Any operation that reads an ``Authorization: Api-Key`` header answers 401 in the error shape
for a missing (where a login is required), unknown or revoked key; DRF decides that before
the view runs, so no view's ``@extend_schema`` would list it.
"""

from __future__ import annotations

import copy

ERROR_RESPONSE = {
    "description": "missing, unknown or revoked credentials",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOutput"}}},
}


def document_unauthorized(result, generator, request, public):
    for path in result.get("paths", {}).values():
        for operation in path.values():
            schemes = {
                name for requirement in operation.get("security", []) for name in requirement
            }
            if "ApiKey" in schemes:
                operation["responses"].setdefault("401", copy.deepcopy(ERROR_RESPONSE))
    return result
