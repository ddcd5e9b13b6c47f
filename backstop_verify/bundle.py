"""The reserve-proof bundle: its canonical digest, its signature, and every offline check.

A bundle is JSON (amounts as integer strings, hashes as hex). The service signs
``sha256(canonical_json(bundle without "signature"))`` with EIP-191 ``personal_sign``; the
server builds bundles with these same functions, so the format has one definition.

Shape (``format`` = ``backstop-reserve-proof/1``)::

    {"format", "epoch", "created_at", "signer",
     "ledger": {"cut_seq", "size", "root", "leaves": [entry hash hex, by seq],
                "previous": null | {"epoch", "size", "root", "consistency_proof": [hex]}},
     "chains": [{"chain_id", "block_number", "block_hash"}],
     "funds": [{"name", "asset", "decimals",
                "liabilities": {"fund_balance", "payouts_payable", "total"},
                "assets": {"status": "measured" | "no chain configured", "total": str | null,
                           "wallets": [{"chain_id", "address", "kind", "token", "amount",
                                        "block_number", "safe": null | {"owners", "threshold"}}]},
                "solvent": bool | null,
                "stakers": {"size", "root", "total", "ids": [address], "amounts": [str]}}],
     "signature"}
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from eth_account import Account
from eth_account.messages import encode_defunct

from backstop_verify.merkle import MerkleTree, verify_consistency
from backstop_verify.sumtree import SumTree

BUNDLE_FORMAT = "backstop-reserve-proof/1"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""


def canonical_json(data: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8: the bytes that are hashed and signed."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def bundle_digest(bundle: dict) -> bytes:
    unsigned = {key: value for key, value in bundle.items() if key != "signature"}
    return hashlib.sha256(canonical_json(unsigned)).digest()


def bundle_sign(bundle: dict, private_key: str) -> dict:
    """The bundle with ``signer`` set to the key's address and ``signature`` over its digest."""
    account = Account.from_key(private_key)
    signed = {**bundle, "signer": account.address}
    signed.pop("signature", None)
    message = encode_defunct(primitive=bundle_digest(signed))
    signed["signature"] = "0x" + account.sign_message(message).signature.hex().removeprefix("0x")
    return signed


def bundle_signer(bundle: dict) -> str | None:
    """The address that signed the bundle, or None when the signature cannot be recovered."""
    try:
        message = encode_defunct(primitive=bundle_digest(bundle))
        return Account.recover_message(message, signature=bytes.fromhex(bundle["signature"][2:]))
    except (KeyError, ValueError, TypeError):
        return None


def ledger_tree(ledger: dict) -> MerkleTree:
    """The tree over the entries' hashes in seq order (each leaf is an entry hash)."""
    return MerkleTree.from_leaves([bytes.fromhex(leaf) for leaf in ledger["leaves"]])


def staker_tree(stakers: dict) -> SumTree:
    return SumTree.from_columns(stakers["ids"], [int(amount) for amount in stakers["amounts"]])


def ledger_section(entry_hashes: list[str], *, previous: dict | None) -> dict:
    """The ``ledger`` part for entries 1..n; ``previous`` is the last epoch (epoch, size, root)."""
    section = {"cut_seq": len(entry_hashes), "size": len(entry_hashes), "root": None}
    section["leaves"] = list(entry_hashes)
    section["previous"] = None
    tree = ledger_tree(section) if entry_hashes else None
    if tree:
        section["root"] = tree.root.hex()
    if previous:
        old = previous["size"]
        proof = tree.consistency_proof(old) if tree and 0 < old <= tree.size else []
        section["previous"] = {**previous, "consistency_proof": [p.hex() for p in proof]}
    return section


def stakers_section(values: list[tuple[str, int]]) -> dict:
    """The ``stakers`` part: ids sorted, so the same balances always give the same root.

    Leaves are two parallel arrays (ids, amounts as strings) rather than one object per
    staker: a million small containers would cost more than the hashing.
    """
    ordered = sorted(values, key=itemgetter(0))
    ids = [leaf_id for leaf_id, _ in ordered]
    amounts = [amount for _, amount in ordered]
    section = {"size": len(ids), "root": None, "total": "0"}
    section |= {"ids": ids, "amounts": [str(amount) for amount in amounts]}
    if ids:
        root = SumTree.from_columns(ids, amounts).root
        section["root"], section["total"] = root.hash.hex(), str(root.sum)
    return section


def _check_signature(bundle: dict, expected_signer: str | None, prefix: str = "") -> list[Check]:
    signer = bundle_signer(bundle)
    declared = bundle.get("signer")
    checks = [
        Check(
            f"{prefix}signature",
            signer is not None and signer == declared,
            f"signed by {signer}, bundle says {declared}",
        )
    ]
    if expected_signer:
        checks.append(
            Check(
                f"{prefix}signer",
                signer is not None and signer.lower() == expected_signer.lower(),
                f"signed by {signer}, expected {expected_signer}",
            )
        )
    return checks


def _check_ledger(ledger: dict) -> list[Check]:
    size = len(ledger["leaves"])
    checks = [
        Check(
            "ledger.size",
            size == ledger["size"] == ledger["cut_seq"],
            f"{size} leaves, size {ledger['size']}, cut at seq {ledger['cut_seq']}",
        )
    ]
    if size:
        root = ledger_tree(ledger).root.hex()
        checks.append(Check("ledger.root", root == ledger["root"], f"recomputed {root}"))
    previous = ledger.get("previous")
    if previous:
        proof = [bytes.fromhex(item) for item in previous["consistency_proof"]]
        if previous["size"] == 0:  # the empty ledger is a prefix of every ledger
            ok = not proof
        else:
            ok = size > 0 and verify_consistency(
                previous["size"],
                size,
                bytes.fromhex(previous["root"]),
                bytes.fromhex(ledger["root"]),
                proof,
            )
        detail = f"epoch {previous['epoch']} (size {previous['size']}) to size {size}"
        checks.append(Check("ledger.consistency", ok, detail))
    return checks


def _check_fund(fund: dict) -> list[Check]:
    name = f"fund[{fund['name']}]"
    liabilities = fund["liabilities"]
    owed = int(liabilities["fund_balance"]) + int(liabilities["payouts_payable"])
    checks = [Check(f"{name}.liabilities", owed == int(liabilities["total"]), f"recomputed {owed}")]
    assets = fund["assets"]
    if assets["status"] == "measured":
        held = sum(int(wallet["amount"]) for wallet in assets["wallets"])
        checks.append(Check(f"{name}.assets", held == int(assets["total"]), f"recomputed {held}"))
        checks.append(
            Check(f"{name}.solvent", fund["solvent"] == (held >= owed), f"{held} vs {owed}")
        )
    else:
        checks.append(Check(f"{name}.solvent", fund["solvent"] is None, "assets not measured"))
    stakers = fund["stakers"]
    ids = stakers["ids"]
    checks.append(Check(f"{name}.stakers.unique", len(set(ids)) == len(ids)))
    root = staker_tree(stakers).root if ids else None
    expected = (root.hash.hex(), str(root.sum)) if root else (None, "0")
    checks.append(
        Check(
            f"{name}.stakers.root",
            expected == (stakers["root"], stakers["total"])
            and len(ids) == len(stakers["amounts"]) == stakers["size"],
            f"recomputed {expected[0]} total {expected[1]}",
        )
    )
    return checks


def check_previous(bundle: dict, previous_bundle: dict) -> list[Check]:
    """The bundle's claim about the previous epoch must match that epoch's own bundle."""
    claimed = bundle["ledger"].get("previous") or {}
    old = previous_bundle["ledger"]
    ok = (
        claimed.get("epoch") == previous_bundle["epoch"]
        and claimed.get("size") == old["size"]
        and claimed.get("root") == old["root"]
    )
    detail = f"previous epoch {previous_bundle['epoch']} root {old['root']}, size {old['size']}"
    return [
        Check("previous.matches", ok, detail),
    ]


def verify_bundle(
    bundle: dict, *, previous: dict | None = None, expected_signer: str | None = None
) -> list[Check]:
    """Every offline check; a malformed bundle becomes one failed ``format`` check."""
    try:
        checks = [Check("format", bundle.get("format") == BUNDLE_FORMAT, str(bundle.get("format")))]
        checks += _check_signature(bundle, expected_signer)
        checks += _check_ledger(bundle["ledger"])
        for fund in bundle["funds"]:
            checks += _check_fund(fund)
        if previous is not None:
            checks += _check_signature(
                previous, expected_signer or bundle.get("signer"), prefix="previous."
            )
            checks += check_previous(bundle, previous)
        return checks
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return [Check("format", False, f"malformed bundle: {exc!r}")]
