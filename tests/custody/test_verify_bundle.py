"""The offline verifier: a bundle verifies, and each kind of tampering is caught by name."""

import copy
import hashlib
import json

import pytest
from eth_account import Account

from backstop_verify.__main__ import main
from backstop_verify.bundle import (
    BUNDLE_FORMAT,
    bundle_sign,
    ledger_section,
    stakers_section,
    verify_bundle,
)

SERVICE_KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
SERVICE = Account.from_key(SERVICE_KEY).address


def entry_hashes(count: int, *, rewrite: int | None = None) -> list[str]:
    out = []
    for seq in range(1, count + 1):
        content = b"forged" if seq == rewrite else str(seq).encode()
        out.append(hashlib.sha256(content).hexdigest())
    return out


def make_bundle(epoch: int, entries: list[str], previous: dict | None = None) -> dict:
    prev = (
        {"epoch": previous["epoch"], "size": previous["ledger"]["size"]}
        | {"root": previous["ledger"]["root"]}
        if previous
        else None
    )
    wallets = [
        {
            "chain_id": 31337,
            "address": "0x" + "ab" * 20,
            "kind": "safe",
            "token": "0x" + "cd" * 20,
            "amount": "7000000",
            "block_number": 12,
            "safe": {"owners": ["0x" + "01" * 20], "threshold": 1},
        }
    ]
    return bundle_sign(
        {
            "format": BUNDLE_FORMAT,
            "epoch": epoch,
            "created_at": "2026-01-01T00:00:00Z",
            "ledger": ledger_section(entries, previous=prev),
            "chains": [{"chain_id": 31337, "block_number": 12, "block_hash": "0x" + "00" * 32}],
            "funds": [
                {
                    "name": "main",
                    "asset": "USDC",
                    "decimals": 6,
                    "liabilities": {
                        "fund_balance": "5000000",
                        "payouts_payable": "1000000",
                        "total": "6000000",
                    },
                    "assets": {"status": "measured", "total": "7000000", "wallets": wallets},
                    "solvent": True,
                    "stakers": stakers_section([("0xbb", 3000000), ("0xaa", 2000000)]),
                }
            ],
        },
        SERVICE_KEY,
    )


def failed(bundle, **kwargs) -> set[str]:
    return {check.name for check in verify_bundle(bundle, **kwargs) if not check.ok}


@pytest.fixture
def bundle():
    return make_bundle(1, entry_hashes(13))


def test_generated_bundle_verifies(bundle):
    assert failed(bundle, expected_signer=SERVICE) == set()


def test_changed_balance_is_caught(bundle):
    tampered = copy.deepcopy(bundle)
    tampered["funds"][0]["stakers"]["amounts"][0] = "1"
    assert {"signature", "fund[main].stakers.root"} <= failed(tampered)


def test_changed_wallet_amount_is_caught(bundle):
    tampered = copy.deepcopy(bundle)
    tampered["funds"][0]["assets"]["wallets"][0]["amount"] = "9000000"
    assert {"signature", "fund[main].assets"} <= failed(tampered)


def test_reordered_leaf_is_caught(bundle):
    tampered = copy.deepcopy(bundle)
    leaves = tampered["ledger"]["leaves"]
    leaves[2], leaves[3] = leaves[3], leaves[2]
    assert {"signature", "ledger.root"} <= failed(tampered)


def test_swapped_root_is_caught(bundle):
    other = make_bundle(1, entry_hashes(14))
    tampered = copy.deepcopy(bundle)
    tampered["ledger"]["root"] = other["ledger"]["root"]
    assert {"signature", "ledger.root"} <= failed(tampered)


def test_forged_signature_is_caught(bundle):
    """Re-signed by another key: the bundle's own signer field no longer matches, nor the pin."""
    forged = copy.deepcopy(bundle)
    forged["signature"] = bundle_sign(bundle, "0x" + "11" * 32)["signature"]
    assert "signature" in failed(forged)
    resigned = bundle_sign(bundle, "0x" + "11" * 32)
    assert failed(resigned, expected_signer=SERVICE) == {"signer"}


def test_consistency_between_epochs():
    first = make_bundle(1, entry_hashes(13))
    second = make_bundle(2, entry_hashes(29), previous=first)
    assert failed(second, previous=first, expected_signer=SERVICE) == set()


def test_consistency_fails_after_rewriting_an_old_entry():
    first = make_bundle(1, entry_hashes(13))
    rewritten = make_bundle(2, entry_hashes(29, rewrite=5), previous=first)
    # The server claims the old root but its new tree no longer contains the old entries.
    assert "ledger.consistency" in failed(rewritten, previous=first)


def test_malformed_bundle_is_a_failure_not_a_crash():
    assert failed({"format": BUNDLE_FORMAT}) == {"format"}


def test_cli_exit_codes(tmp_path, bundle, capsys):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(bundle))
    assert main([str(good), "--signer", SERVICE]) == 0
    tampered = copy.deepcopy(bundle)
    tampered["funds"][0]["liabilities"]["total"] = "1"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(tampered))
    assert main([str(bad)]) == 1
    assert "FAILED  fund[main].liabilities" in capsys.readouterr().out
    assert main([str(tmp_path / "missing.json")]) == 2


def test_verifier_runs_without_the_server(tmp_path, bundle):
    """``python -m backstop_verify`` from a copy of the package imports nothing of the server."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    package = Path(__file__).resolve().parents[2] / "backstop_verify"
    shutil.copytree(
        package, tmp_path / "backstop_verify", ignore=shutil.ignore_patterns("__pycache__")
    )
    (tmp_path / "bundle.json").write_text(json.dumps(bundle))
    probe = (
        "import sys, runpy; sys.argv = ['backstop_verify', 'bundle.json', '--quiet'];"
        "code = 0\n"
        "try:\n    runpy.run_module('backstop_verify', run_name='__main__')\n"
        "except SystemExit as exit:\n    code = exit.code\n"
        "server = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'django', 'common', 'custody', 'fund', 'governance', 'clearing', 'config'})\n"
        "print('server modules:', server); sys.exit(code)"
    )
    env = {"PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "server modules: []" in result.stdout
    assert "all " in result.stdout and "checks hold" in result.stdout


def test_consistency_from_an_empty_first_epoch():
    first = make_bundle(1, [])
    second = make_bundle(2, entry_hashes(5), previous=first)
    assert failed(second, previous=first) == set()


def test_a_shrunk_ledger_fails_consistency():
    first = make_bundle(1, entry_hashes(9))
    shrunk = make_bundle(2, entry_hashes(4), previous=first)
    assert "ledger.consistency" in failed(shrunk, previous=first)
