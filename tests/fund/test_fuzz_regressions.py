"""Regressions found by the API fuzzer (tests/api): documented shapes match the answers."""

from drf_spectacular.generators import SchemaGenerator


def test_a_pending_unstake_documents_its_closed_at_as_nullable():
    """GET staking/me answered ``closed_at: null`` for a pending unstake; the schema said string."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    closed_at = schema["components"]["schemas"]["UnstakeRequestOutput"]["properties"]["closed_at"]
    assert closed_at.get("nullable") is True


def test_a_stake_from_the_balance_documents_its_tx_hash_as_nullable():
    """POST staking/stake answered ``tx_hash: null`` for a balance stake; the schema said string."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    tx_hash = schema["components"]["schemas"]["StakeDepositOutput"]["properties"]["tx_hash"]
    assert tx_hash.get("nullable") is True
