"""Property-based fuzzing of the whole HTTP API with schemathesis (decision 080).

Every operation of the OpenAPI schema gets generated requests, valid and invalid, sent to
the in-process Django app (WSGI, no network) as a venue key with every scope, or as a staff
user with a verified TOTP who is also a signed-in member. The promise checked: no 5xx; every
4xx is ``{"message", "code", "fields"}``; status codes, content types and bodies are the
documented ones; and a refused write leaves the books as they were.
"""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.seeded import known_path_values
from tests.api.snapshot import books_snapshot

# Moderate by default so the suite stays under three minutes; raise it for a deeper hunt.
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "20"))
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _openapi() -> dict:
    """The schema drf-spectacular serves at /api/schema/, built without a request."""
    spec = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(spec))


schema = schemathesis.openapi.from_dict(_openapi())
schema.app = get_wsgi_application()
# Credentials are ours (below); generated Authorization/cookie values would only test DRF.
schema.config.generation.update(
    modes=["positive", "negative"], with_security_parameters=False, max_examples=MAX_EXAMPLES
)


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Each path parameter is the generated value or a seeded one (a real fund, payout, …)."""
    if not path_parameters:
        return st.just(path_parameters)
    known = known_path_values()
    return st.fixed_dictionaries(
        {
            name: st.sampled_from([value, *known.get(name, [])])
            for name, value in path_parameters.items()
        }
    )


def _named(body, names: dict):
    """The body with every value under a naming key (fund, market, …) set to a real name."""
    if isinstance(body, dict):
        return {
            key: names[key] if key in names and isinstance(value, str) else _named(value, names)
            for key, value in body.items()
        }
    if isinstance(body, list):
        return [_named(item, names) for item in body]
    return body


@schema.hook
def flatmap_body(context, body):
    """The generated body, or the same body naming a real fund, market and account."""
    if not isinstance(body, dict | list):
        return st.just(body)
    names = {"fund": "main", "market": "BTC-USDC", "symbol": "BTC-USDC", "account": "alice"}
    return st.sampled_from([body, _named(body, names)])


def _api_key_only(case) -> bool:
    return case.operation.definition.raw.get("security") == [{"ApiKey": []}]


def error_shape(ctx, response, case) -> None:
    """A 4xx answers the one error shape of common/api.py, with dotted field paths."""
    if not 400 <= response.status_code < 500:
        return
    kind = response.headers.get("content-type", [""])[0]
    assert kind.startswith("application/json"), f"{response.status_code} answered as {kind!r}"
    body = response.json()
    assert isinstance(body, dict), f"error body is not an object: {body!r}"
    assert set(body) == {"message", "code", "fields"}, f"error keys {sorted(body)}"
    assert isinstance(body["message"], str) and body["message"], body
    assert isinstance(body["code"], str) and body["code"], body
    assert isinstance(body["fields"], dict), body
    for path, reasons in body["fields"].items():
        assert isinstance(path, str) and isinstance(reasons, list), body


def _send(case, world):
    """Session cookie (staff + member) and CSRF token; the venue key where only it is accepted."""
    headers = {"X-CSRFToken": world.csrf_token}
    if _api_key_only(case):
        headers["Authorization"] = f"Api-Key {world.api_key}"
    cookies = {"sessionid": world.session_cookie, "csrftoken": world.csrf_token}
    return case.call(headers=headers, cookies=cookies)


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES)
def test_operation(case, world, db):
    before = books_snapshot() if case.method.upper() in WRITES else None
    response = _send(case, world)
    case.validate_response(response, checks=CHECKS, additional_checks=[error_shape])
    if before is not None and 400 <= response.status_code < 500:
        assert books_snapshot() == before, f"a refused {case.method} changed the books"


@pytest.mark.parametrize(
    "operation", [result.ok() for result in schema.get_all_operations()], ids=str
)
def test_without_credentials_answers_the_error_shape(operation, db):
    """No credentials: public reads answer, everything else refuses in the error shape."""
    values = {param.name: "1" for param in operation.path_parameters}
    case = operation.Case(path_parameters=values)
    response = case.call()
    assert response.status_code < 500, response.text
    checks = [status_code_conformance, content_type_conformance]
    case.validate_response(response, checks=checks, additional_checks=[error_shape])
