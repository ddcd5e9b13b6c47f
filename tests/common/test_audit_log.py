"""The audit log is hash-chained and append-only; audit_verify finds a tampered row."""

import io
from contextlib import redirect_stderr
from decimal import Decimal

import pytest
from django.core.management import ManagementUtility, call_command
from django.db import IntegrityError, connection, transaction

from common.canonical import GENESIS_HASH, chain_hash
from common.models import AuditEntry
from common.services.audit import audit_chain_verify, audit_log_write

pytestmark = pytest.mark.django_db

on_postgres = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="the append-only trigger is PostgreSQL's"
)


def write_three() -> list[AuditEntry]:
    return [
        audit_log_write(actor="alice", action="backstop.test.one", object_type="x", object_id=1),
        audit_log_write(
            actor="bob", action="backstop.test.two", before={"a": "1"}, after={"a": "2"}
        ),
        audit_log_write(actor="carol", action="backstop.test.three", after={"amount": "10"}),
    ]


def verify_exit() -> tuple[int, str]:
    """Run `manage.py audit_verify` as the shell would: (exit status, stderr)."""
    err = io.StringIO()
    with redirect_stderr(err):
        try:
            ManagementUtility(["manage.py", "audit_verify"]).execute()
        except SystemExit as exc:
            return int(exc.code or 0), err.getvalue()
    return 0, err.getvalue()


def test_chain_links_and_verifies(capsys):
    first, second, third = write_three()
    assert [e.seq for e in (first, second, third)] == [1, 2, 3]
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    stored = AuditEntry.objects.get(seq=2)
    assert chain_hash(stored.prev_hash, stored.chained_content()) == stored.hash
    assert audit_chain_verify() is None
    call_command("audit_verify")
    assert "audit log verified: 3 entries" in capsys.readouterr().out
    assert verify_exit()[0] == 0


def tamper(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The trigger refuses changes; an attacker with DDL rights could switch it off.
            # ALTER TABLE is transactional: the test's rollback switches it back on.
            cursor.execute("ALTER TABLE common_auditentry DISABLE TRIGGER USER")
        cursor.execute(sql, params)


def test_altered_content_is_detected():
    write_three()
    tamper("UPDATE common_auditentry SET actor = %s WHERE seq = 2", ["mallory"])
    problem = audit_chain_verify()
    assert problem is not None and problem.seq == 2
    status, stderr = verify_exit()
    assert status != 0
    assert "audit log broken at entry #2" in stderr
    assert "altered" in stderr


def test_rewritten_hash_breaks_the_next_link():
    write_three()
    entry = AuditEntry.objects.get(seq=2)
    entry.after = {"a": "999"}
    forged = chain_hash(entry.prev_hash, entry.chained_content())
    tamper(
        "UPDATE common_auditentry SET after = %s, hash = %s WHERE seq = 2",
        ['{"a": "999"}', forged],
    )
    status, stderr = verify_exit()
    assert status != 0
    assert "entry #3" in stderr and "prev_hash" in stderr


def test_deleted_row_is_a_sequence_gap():
    write_three()
    tamper("DELETE FROM common_auditentry WHERE seq = 2", [])
    status, stderr = verify_exit()
    assert status != 0 and "entry #3" in stderr and "sequence gap" in stderr


@on_postgres
def test_trigger_refuses_update_and_delete():
    write_three()
    for sql in (
        "UPDATE common_auditentry SET actor = 'mallory' WHERE seq = 1",
        "DELETE FROM common_auditentry WHERE seq = 3",
    ):
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql)
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEntry.objects.filter(seq=1).update(actor="mallory")
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEntry.objects.filter(seq=1).delete()
    assert AuditEntry.objects.get(seq=1).actor == "alice"
    assert AuditEntry.objects.count() == 3
    assert audit_chain_verify() is None


def test_the_audit_page_lists_entries(staff_factory, verified_client):
    user, device = staff_factory("auditor")
    client = verified_client(user, device)
    write_three()
    page = client.get("/staff/audit/")
    assert page.status_code == 200
    assert b"backstop.test.three" in page.content


def test_values_are_stored_exactly_as_hashed():
    entry = audit_log_write(
        actor="a", action="backstop.test.kinds", after={"amount": Decimal("1.5"), "ids": (1, 2)}
    )
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.after == {"amount": "1.5", "ids": [1, 2]}
    assert stored.hash == entry.hash
    assert audit_chain_verify() is None
