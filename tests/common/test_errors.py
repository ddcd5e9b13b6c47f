"""One JSON error shape, {"message", "code", "fields"}, with dotted field paths."""

import pytest
from rest_framework.test import APIClient

from common.api import error_body, flatten_errors
from common.exceptions import Invalid


def test_flatten_nested_detail_to_dotted_paths():
    detail = {
        "memo": ["Ensure this field has no more than 10 characters."],
        "legs": [{}, {"amount": ["must be positive"], "account": ["required", "bad"]}],
        "non_field_errors": ["legs must balance"],
    }
    assert flatten_errors(detail) == {
        "memo": ["Ensure this field has no more than 10 characters."],
        "legs.1.amount": ["must be positive"],
        "legs.1.account": ["required", "bad"],
        "__all__": ["legs must balance"],
    }


def test_flatten_deeper_lists_and_plain_values():
    assert flatten_errors({"a": {"b": [{"c": ["x"]}]}}) == {"a.b.0.c": ["x"]}
    assert flatten_errors(["one", "two"]) == {"__all__": ["one", "two"]}
    assert flatten_errors("boom") == {"__all__": ["boom"]}
    assert flatten_errors({"items": [[], ["bad"]]}) == {"items.1": ["bad"]}


def test_nested_non_field_errors_keep_their_path():
    assert flatten_errors({"legs": [{"non_field_errors": ["x"]}]}) == {
        "legs.0.non_field_errors": ["x"]
    }


def test_error_body_shape_and_field_helper():
    exc = Invalid.field("legs.2.amount", "must be an integer")
    assert exc.message == "legs.2.amount: must be an integer"
    assert error_body(exc.message, exc.code, exc.fields) == {
        "message": "legs.2.amount: must be an integer",
        "code": "invalid",
        "fields": {"legs.2.amount": ["must be an integer"]},
    }


@pytest.mark.urls("tests.common.testviews")
def test_a_real_endpoint_answers_400_with_dotted_paths():
    response = APIClient().post(
        "/test/nested",
        {"memo": "far too long a memo", "legs": [{"account": "a", "amount": 5}, {"amount": 0}]},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"message", "code", "fields"}
    assert body["code"] == "invalid"
    assert set(body["fields"]) == {"memo", "legs.1.account", "legs.1.amount"}
    assert "legs.1.amount" in body["message"]


@pytest.mark.django_db
def test_whoami_answers_400_for_an_unknown_scope(venue_key):
    _, text = venue_key
    response = APIClient().get(
        "/api/v1/venue/whoami?scope=everything", HTTP_AUTHORIZATION=f"Api-Key {text}"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == ["scope"]
    assert body["message"].startswith("scope: unknown scope 'everything'")


@pytest.mark.django_db
def test_not_found_and_auth_errors_use_the_same_shape():
    response = APIClient().get("/api/v1/venue/whoami")
    assert response.status_code == 401
    assert response.json() == {
        "message": "Authentication credentials were not provided.",
        "code": "not_authenticated",
        "fields": {},
    }
