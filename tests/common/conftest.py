import pytest


@pytest.fixture
def venue_key(db):
    """An API key with the ingest and risk:read scopes: (row, full key text)."""
    from common.services.apikeys import api_key_create

    return api_key_create(name="venue", scopes=["ingest", "risk:read"], actor="test")
