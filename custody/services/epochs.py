"""Reserve-proof epochs: pin blocks and a ledger cut, measure, build the trees, sign, publish.

1. Outside any transaction: pin a confirmed block per configured chain and read every
   tracked wallet there (balances, and Safe owners), so node latency holds no lock.
2. Cut the ledger at the last ``Entry.seq``; liabilities per fund are the fund account plus
   payouts payable from postings up to the cut; assets are the fund asset's balances of the
   fund's wallets at the pinned blocks.
3. Build the bundle with ``backstop_verify`` (the auditors' own code): RFC 6962 root over the
   entries' hashes with a consistency proof from the previous epoch, staker sum tree, signed
   with ``SERVICE_SIGNING_KEY``. The bundle is verified before it is stored: a ledger whose
   old entries were rewritten fails its consistency proof, and an entry whose content no
   longer matches its hash fails the ledger's own chain check; neither is ever published.
4. Store it; a fund whose assets are below its liabilities pauses automatic payouts.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from backstop_verify.bundle import (
    BUNDLE_FORMAT,
    bundle_digest,
    bundle_sign,
    ledger_section,
    stakers_section,
    verify_bundle,
)
from common.exceptions import Conflict
from common.locking import advisory_lock
from common.services.audit import audit_log_write
from custody.clients.chain import BlockRef, ChainClient
from custody.models import (
    BalanceReading,
    CustodyAlert,
    ReserveEpoch,
    ReserveFundStatus,
    SafeReading,
    TrackedWallet,
)
from custody.services.alerts import custody_alert_raise
from custody.services.readings import NATIVE, wallets_read
from fund.models import Entry, Fund, LedgerAccount, Posting
from fund.selectors.ledger import postings_sum
from fund.selectors.staking import staker_values
from fund.services.ledger_verify import chain_verify


def _liabilities(fund: Fund, cut: int) -> dict[str, str]:
    upto = {"entry__seq__lte": cut, "account__asset_id": fund.asset_id}
    balance = postings_sum(
        Posting.objects.filter(
            account__kind=LedgerAccount.Kind.FUND, account__key=fund.name, **upto
        )
    )
    payable = postings_sum(
        Posting.objects.filter(
            account__kind=LedgerAccount.Kind.PAYOUTS_PAYABLE, account__fund=fund, **upto
        )
    )
    return {
        "fund_balance": str(balance),
        "payouts_payable": str(payable),
        "total": str(balance + payable),
    }


def _assets(fund: Fund, pins: dict[int, BlockRef]) -> dict:
    """The fund asset held by the fund's wallets on the asset's chain, at the pinned block."""
    asset = fund.asset
    pin = pins.get(asset.chain_id)
    if pin is None:
        return {"status": "no chain configured", "total": None, "wallets": []}
    wallets = list(fund.wallets.filter(chain_id=asset.chain_id).order_by("address"))
    if not wallets:
        return {"status": "no wallets tracked", "total": None, "wallets": []}
    rows = []
    for wallet in wallets:
        live = {"wallet": wallet, "block_hash": pin.hash, "rewound_at__isnull": True}
        reading = BalanceReading.objects.get(**live, token=asset.token_address or NATIVE)
        safe = None
        if wallet.kind == TrackedWallet.Kind.SAFE:
            state = SafeReading.objects.get(**live)
            safe = {"owners": state.owners, "threshold": state.threshold}
        rows.append(
            {
                "chain_id": wallet.chain_id,
                "address": wallet.address,
                "kind": wallet.kind,
                "token": asset.token_address or None,
                "amount": str(reading.amount),
                "block_number": pin.number,
                "safe": safe,
            }
        )
    total = sum(int(row["amount"]) for row in rows)
    return {"status": "measured", "total": str(total), "wallets": rows}


def _fund_section(fund: Fund, cut: int, pins: dict[int, BlockRef]) -> dict:
    liabilities = _liabilities(fund, cut)
    assets = _assets(fund, pins)
    solvent = None
    if assets["status"] == "measured":
        solvent = int(assets["total"]) >= int(liabilities["total"])
    return {
        "name": fund.name,
        "asset": fund.asset.symbol,
        "decimals": fund.asset.decimals,
        "liabilities": liabilities,
        "assets": assets,
        "solvent": solvent,
        "stakers": stakers_section(staker_values(fund=fund)),
    }


def _previous(last: ReserveEpoch | None) -> dict | None:
    if last is None:
        return None
    ledger = json.loads(last.bundle)["ledger"]
    return {"epoch": last.number, "size": ledger["size"], "root": ledger["root"]}


def reserve_epoch_create(
    *, actor: str = "custody", clients: dict[int, ChainClient] | None = None
) -> ReserveEpoch:
    """Measure, prove, sign and publish the next epoch (see the module docstring)."""
    if not settings.SERVICE_SIGNING_KEY:
        raise ImproperlyConfigured("SERVICE_SIGNING_KEY is not set: epochs cannot be signed")
    pins = wallets_read(clients=clients)
    last = ReserveEpoch.objects.first()
    cut = Entry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    hashes = list(Entry.objects.filter(seq__lte=cut).order_by("seq").values_list("hash", flat=True))
    unsigned = {
        "format": BUNDLE_FORMAT,
        "epoch": (last.number + 1) if last else 1,
        "created_at": timezone.now().isoformat(timespec="seconds"),
        "ledger": ledger_section(hashes, previous=_previous(last)),
        "chains": [
            {"chain_id": chain_id, "block_number": pin.number, "block_hash": pin.hash}
            for chain_id, pin in sorted(pins.items())
        ],
        "funds": [_fund_section(fund, cut, pins) for fund in Fund.objects.select_related("asset")],
    }
    bundle = bundle_sign(unsigned, settings.SERVICE_SIGNING_KEY)
    failures = [f"{c.name}: {c.detail}" for c in verify_bundle(bundle) if not c.ok]
    problem = None if failures else chain_verify()
    if problem:  # the leaves are entry hashes: each must still match its entry's content
        failures = [f"ledger.chain: {problem.where}: {problem.reason}"]
    if failures:
        custody_alert_raise(
            kind=CustodyAlert.Kind.PROOF_FAILED,
            message=f"epoch {bundle['epoch']} not published: {failures[0]}",
            details={"failed": failures},
        )
        raise Conflict(f"the epoch does not verify ({failures[0]}); not published")
    return _store(bundle, last, actor)


def _store(bundle: dict, last: ReserveEpoch | None, actor: str) -> ReserveEpoch:
    with transaction.atomic():
        advisory_lock("custody:epoch")
        if ReserveEpoch.objects.first() != last:
            raise Conflict("another epoch was published meanwhile; retry")
        epoch = ReserveEpoch.objects.create(
            number=bundle["epoch"],
            cut_seq=bundle["ledger"]["cut_seq"],
            ledger_root=bundle["ledger"]["root"] or "",
            chains=bundle["chains"],
            digest=bundle_digest(bundle).hex(),
            signer=bundle["signer"],
            bundle=json.dumps(bundle, sort_keys=True, separators=(",", ":")),
        )
        funds = {fund.name: fund for fund in Fund.objects.all()}
        for section in bundle["funds"]:
            fund = funds[section["name"]]
            assets = section["assets"]["total"]
            ReserveFundStatus.objects.create(
                epoch=epoch,
                fund=fund,
                assets=int(assets) if assets is not None else None,
                liabilities=int(section["liabilities"]["total"]),
                solvent=section["solvent"],
                staker_root=section["stakers"]["root"] or "",
                staker_total=int(section["stakers"]["total"]),
            )
            if section["solvent"] is False:
                custody_alert_raise(
                    kind=CustodyAlert.Kind.RESERVES_SHORT,
                    message=f"{fund}: assets {assets} below liabilities "
                    f"{section['liabilities']['total']}; automatic payouts paused",
                    details={"epoch": epoch.number},
                    fund=fund,
                )
        audit_log_write(
            actor=actor,
            action="backstop.custody.epoch.published",
            object_type="custody.ReserveEpoch",
            object_id=epoch.number,
            after={"digest": epoch.digest, "cut_seq": epoch.cut_seq, "root": epoch.ledger_root},
        )
    return epoch
