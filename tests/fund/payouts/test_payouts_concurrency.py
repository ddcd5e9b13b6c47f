"""Concurrent approvals on real PostgreSQL: a payout is booked exactly once.

Committed transactions (``transaction=True``) and one database connection per thread, so the
advisory lock and the row lock are what keep the two approvals apart.
"""

import threading

import pytest
from django.db import connection

from fund.models import Entry, Payout, PayoutApproval
from fund.selectors.ledger import fund_balance
from fund.services.payouts import payout_approve
from tests.fund.payouts.conftest import FUNDED

pytestmark = pytest.mark.django_db(transaction=True)


def approve_all_at_once(payout, users) -> list:
    barrier = threading.Barrier(len(users))
    outcomes = []

    def run(user):
        try:
            barrier.wait()
            outcomes.append(payout_approve(payout=payout, user=user).status)
        except Exception as exc:  # noqa: BLE001 - reported to the test
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


@pytest.mark.parametrize(("threshold", "approvers"), [(10**12, 2), (0, 3)])
def test_concurrent_approvals_book_once(
    funded, reviewer, transfer, fund_params, threshold, approvers
):
    fund_params(payout_review_threshold=threshold)
    payout = transfer(reviewer(), 1_000)
    outcomes = approve_all_at_once(payout, [reviewer() for _ in range(approvers)])
    assert all(isinstance(outcome, str) for outcome in outcomes), outcomes
    payout.refresh_from_db()
    assert payout.status == Payout.Status.BOOKED
    assert Entry.objects.filter(kind="payout").count() == 1
    assert fund_balance(payout.fund) == FUNDED - 1_000
    assert PayoutApproval.objects.filter(payout=payout).count() == payout.approvals_required
