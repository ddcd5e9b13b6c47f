"""Demo step of the foundation: a staff account with TOTP and a venue API key."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model

from common.demo import demo_step
from common.models import ApiKey
from common.services.apikeys import api_key_create
from common.services.staff import staff_create

DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"  # RFC 6238 test secret, demo only


@demo_step(10, "Staff account and venue API key")
def staff_and_keys(say) -> None:
    User = get_user_model()
    if not User.objects.filter(username="admin").exists():
        staff_create(
            username="admin",
            password="backstop-demo-admin",
            roles=["payout_reviewer", "custody_admin", "auditor"],
            actor="demo",
            totp_key=DEMO_TOTP_KEY,
        )
    say(
        "staff login: admin / backstop-demo-admin, TOTP secret (base32) "
        "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ (demo only)"
    )
    key_file = Path(settings.DEMO_DIR) / "demo-venue-api-key.txt"
    saved = key_file.read_text().strip() if key_file.exists() else ""
    if not ApiKey.objects.filter(prefix=saved.partition(".")[0], revoked_at=None).exists():
        # No file, or one left from another database: make a key this database knows.
        key_file.parent.mkdir(parents=True, exist_ok=True)
        _, text = api_key_create(name="demo venue", scopes=["ingest", "risk:read"], actor="demo")
        key_file.write_text(text + "\n")
    say(f"venue API key in {key_file}")
