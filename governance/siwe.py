"""EIP-4361 (Sign-In with Ethereum) messages: rendering and strict parsing.

The grammar is small enough to parse here (the ``siwe`` package pins an old ``abnf``; see
docs/decisions/041). Only the fields we check or show are kept; anything that does not follow
the grammar line by line is refused rather than guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from eth_utils import is_checksum_address

from common.exceptions import Invalid

HEADER = re.compile(r"^(?P<domain>[^\s/]+) wants you to sign in with your Ethereum account:$")
FIELDS = (
    ("URI", "uri", True),
    ("Version", "version", True),
    ("Chain ID", "chain_id", True),
    ("Nonce", "nonce", True),
    ("Issued At", "issued_at", True),
    ("Expiration Time", "expiration_time", False),
    ("Not Before", "not_before", False),
    ("Request ID", "request_id", False),
)


@dataclass(frozen=True)
class SiweMessage:
    domain: str
    address: str
    statement: str
    uri: str
    chain_id: int
    nonce: str
    issued_at: datetime
    expiration_time: datetime | None = None
    not_before: datetime | None = None
    request_id: str | None = None
    version: str = "1"

    def render(self) -> str:
        lines = [
            f"{self.domain} wants you to sign in with your Ethereum account:",
            self.address,
            "",
        ]
        if self.statement:
            lines += [self.statement, ""]
        values = {
            "uri": self.uri,
            "version": self.version,
            "chain_id": str(self.chain_id),
            "nonce": self.nonce,
            "issued_at": _iso(self.issued_at),
            "expiration_time": _iso(self.expiration_time) if self.expiration_time else None,
            "not_before": _iso(self.not_before) if self.not_before else None,
            "request_id": self.request_id,
        }
        lines += [f"{label}: {values[key]}" for label, key, _ in FIELDS if values[key] is not None]
        return "\n".join(lines)


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _parse_time(text: str, label: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid.field("message", f"{label} is not an RFC 3339 time: {text!r}") from None
    if moment.tzinfo is None:
        raise Invalid.field("message", f"{label} must carry a time zone")
    return moment


def siwe_parse(text: str) -> SiweMessage:
    lines = text.replace("\r\n", "\n").split("\n")
    header = HEADER.match(lines[0]) if lines else None
    if not header or len(lines) < 4:
        raise Invalid.field("message", "not an EIP-4361 sign-in message")
    address = lines[1]
    if not is_checksum_address(address):
        raise Invalid.field("message", "the address must be an EIP-55 checksummed address")
    if lines[2] != "":
        raise Invalid.field("message", "a blank line must follow the address")
    rest = lines[3:]
    statement = ""
    if rest and not rest[0].startswith("URI: "):
        statement = rest[0]
        if len(rest) < 2 or rest[1] != "":
            raise Invalid.field("message", "a blank line must follow the statement")
        rest = rest[2:]
    values: dict[str, str] = {}
    for label, key, required in FIELDS:
        if rest and rest[0].startswith(f"{label}: "):
            values[key] = rest.pop(0)[len(label) + 2 :]
        elif required:
            raise Invalid.field("message", f"missing or misplaced '{label}:' line")
    if rest and rest != [""]:
        raise Invalid.field("message", f"unexpected line {rest[0]!r}")
    if values["version"] != "1":
        raise Invalid.field("message", "Version must be 1")
    if not values["chain_id"].isdigit():
        raise Invalid.field("message", "Chain ID must be a number")
    if not re.fullmatch(r"[A-Za-z0-9]{8,}", values["nonce"]):
        raise Invalid.field("message", "Nonce must be at least 8 alphanumeric characters")
    return SiweMessage(
        domain=header["domain"],
        address=address,
        statement=statement,
        uri=values["uri"],
        chain_id=int(values["chain_id"]),
        nonce=values["nonce"],
        issued_at=_parse_time(values["issued_at"], "Issued At"),
        expiration_time=_parse_time(values["expiration_time"], "Expiration Time")
        if "expiration_time" in values
        else None,
        not_before=_parse_time(values["not_before"], "Not Before")
        if "not_before" in values
        else None,
        request_id=values.get("request_id"),
    )
