"""What must hold after any crash: every liquidation settled exactly once, books provable."""

from __future__ import annotations

from django.core.management import call_command

from clearing.models import Liquidation, Settlement
from clearing.services.sweeper import liquidations_sweep
from common.models import DeadLetter
from fund.models import Entry, Fund
from fund.selectors.ledger import fund_balance
from tests.settlement.conftest import wait_until


def pending(ids: list[int]) -> int:
    return Liquidation.objects.filter(pk__in=ids).exclude(status="settled").count()


def settle_all(ids: list[int], *, sweep: bool, timeout: float = 120) -> bool:
    """Wait until every liquidation is settled; with ``sweep``, run the sweeper as beat would
    (more often, to keep the test short)."""

    def done() -> bool:
        if sweep:
            liquidations_sweep(older_than=0)
        return pending(ids) == 0

    return wait_until(done, timeout=timeout, interval=1.0 if sweep else 0.3)


def assert_settled_exactly_once(ids: list[int], funds: dict[str, int]) -> None:
    """One Settlement per liquidation, its entries exactly the ledger's entries under its key,
    each fund's balance its opening plus the settlements' fund deltas, and ledger_check."""
    assert pending(ids) == 0
    settlements = list(Settlement.objects.filter(liquidation_id__in=ids))
    assert len(settlements) == len(ids)
    for settlement in settlements:
        keyed = Entry.objects.filter(key__startswith=f"liquidation:{settlement.liquidation_id}:")
        assert sorted(keyed.values_list("pk", flat=True)) == sorted(settlement.entry_ids)
    for name, opening in funds.items():
        fund = Fund.objects.get(name=name)
        deltas = sum(s.fund_delta for s in settlements if s.fund_id == fund.pk)
        assert fund_balance(fund) == opening + deltas
    assert not DeadLetter.objects.exists()
    call_command("ledger_check")
