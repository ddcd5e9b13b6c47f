"""Navigation shared by every page: sections for the public, members, staff and auditors."""

from common.auth import staff_verified

PUBLIC = [
    ("Overview", "/"),
    ("Funds", "/fund/"),
    ("Markets", "/clearing/"),
    ("Governance", "/governance/"),
    ("Reserves", "/custody/reserves/"),
    ("API", "/api/docs/"),
]
STAFF = [
    ("Payouts", "/fund/staff/payouts/"),
    ("Custody", "/custody/staff/"),
    ("Settlement", "/clearing/staff/"),
    ("Audit log", "/staff/audit/"),
]


def navigation(request) -> dict:
    member = request.session.get("member_address") if hasattr(request, "session") else None
    return {
        "nav_public": PUBLIC,
        "nav_staff": STAFF if staff_verified(request.user) else [],
        "member_address": member,
    }
