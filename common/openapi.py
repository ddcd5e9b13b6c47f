"""drf-spectacular postprocessing: what every operation answers, documented once.

DRF decides these before the view runs, so no view's ``@extend_schema`` would list them, and
each answers the error shape: 401 wherever an ``Authorization: Api-Key`` header is read (a
missing key where a login is required, an unknown or revoked one); 400 (malformed body) and
415 (a content type no parser takes) wherever a request body is accepted.
"""

from __future__ import annotations

import copy

ERROR_RESPONSE = {
    "description": "the error shape",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOutput"}}},
}


def document_framework_errors(result, generator, request, public):
    for path in result.get("paths", {}).values():
        for operation in path.values():
            schemes = {
                name for requirement in operation.get("security", []) for name in requirement
            }
            codes = ["401"] if "ApiKey" in schemes else []
            if "requestBody" in operation:
                codes += ["400", "415"]
            for code in codes:
                operation["responses"].setdefault(code, copy.deepcopy(ERROR_RESPONSE))
    return result
