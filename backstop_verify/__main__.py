"""``python -m backstop_verify BUNDLE.json [--rpc URL] [--previous OLD.json] [--signer ADDR]``.

Exit code 0 only when every check holds; otherwise 1 and the failed checks are named.
Exit code 2 for unreadable input.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys

from backstop_verify.bundle import verify_bundle


def _load(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="backstop_verify", description="Check a Backstop reserve-proof bundle offline."
    )
    parser.add_argument("bundle", help="the epoch's bundle JSON")
    parser.add_argument("--rpc", help="your own JSON-RPC node: re-read balances and Safe owners")
    parser.add_argument("--previous", help="the previous epoch's bundle: check consistency")
    parser.add_argument("--signer", help="the service's published signing address")
    parser.add_argument("--quiet", action="store_true", help="print failures only")
    args = parser.parse_args(argv)
    try:
        bundle = _load(args.bundle)
        previous = _load(args.previous) if args.previous else None
    except (OSError, json.JSONDecodeError) as exc:
        print(f"cannot read input: {exc}", file=sys.stderr)
        return 2
    gc.freeze()  # the loaded bundle lives to the end: spare the collector rescanning it
    checks = verify_bundle(bundle, previous=previous, expected_signer=args.signer)
    if args.rpc:
        from backstop_verify.rpc import verify_onchain

        checks += verify_onchain(bundle, args.rpc)
    failed = [check for check in checks if not check.ok]
    for check in checks:
        if check.ok and not args.quiet:
            print(f"ok      {check.name}  {check.detail}")
    for check in failed:
        print(f"FAILED  {check.name}  {check.detail}")
    if failed:
        print(f"{len(failed)} of {len(checks)} checks failed", file=sys.stderr)
        return 1
    print(f"all {len(checks)} checks hold")
    return 0


if __name__ == "__main__":
    sys.exit(main())
