import pytest


@pytest.mark.django_db
def test_home_and_health(client):
    assert client.get("/").status_code == 200
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_api_docs_and_schema(client):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
