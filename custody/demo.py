"""Demo step of custody: a reserve-proof epoch, measured on anvil when one answers.

Without a chain (the default, on SQLite) the epoch is built from the ledger alone and the
reserves page says "no chain configured". With an anvil at ``ETH_RPC_URLS`` a 2-of-3 Safe
holding test USDC (110% of the main fund's liabilities) is deployed and tracked once, and
the demo's USDC asset is bound to that token (demo only). A new epoch is published only
when the ledger has moved or a chain became measurable, so running it again changes nothing.
"""

from __future__ import annotations

from django.conf import settings

from common.demo import demo_step
from common.exceptions import BackstopError
from custody.clients.chain import ChainClient
from custody.devchain import dev_safe_deploy
from custody.models import ReserveEpoch, TrackedWallet
from custody.services.epochs import reserve_epoch_create
from custody.services.wallets import wallet_track
from fund.models import Asset, Entry, Fund
from fund.selectors.ledger import fund_balance

DEMO_FUND = "main"


def _reachable_chain() -> ChainClient | None:
    for chain_id, url in settings.ETH_RPC_URLS.items():
        client = ChainClient(chain_id=chain_id, url=url, timeout=2, retries=0)
        try:
            client.head()
        except BackstopError:
            continue
        return client
    return None


def _demo_safe(client: ChainClient, say) -> bool:
    """Deploy and track the demo Safe once; False if the tracked one is not on this chain."""
    fund = Fund.objects.select_related("asset").get(name=DEMO_FUND)
    tracked = TrackedWallet.objects.filter(chain_id=client.chain_id, fund=fund).first()
    if tracked:
        if not client.code(tracked.address):
            say(f"tracked Safe {tracked.address} is not on this chain (anvil restarted?)")
            return False
        say(f"Safe {tracked.address} already tracked")
        return True
    deployed = dev_safe_deploy(client, safe_funds=fund_balance(fund) * 11 // 10)
    Asset.objects.filter(pk=fund.asset_id).update(
        chain_id=client.chain_id, token_address=deployed.token
    )
    client.w3.provider.make_request("anvil_mine", [hex(3)])
    fund.refresh_from_db()
    wallet_track(
        chain_id=client.chain_id,
        address=deployed.safe,
        kind="safe",
        fund=fund,
        label="demo 2-of-3 Safe",
        actor="demo",
        client=client,
    )
    say(f"deployed a 2-of-3 Safe {deployed.safe} holding test USDC {deployed.token}")
    return True


@demo_step(50, "Custody: reserve-proof epoch")
def reserve_epoch(say) -> None:
    if not settings.SERVICE_SIGNING_KEY:
        say("SERVICE_SIGNING_KEY is not set: no epoch signed")
        return
    client = _reachable_chain()
    if client and Fund.objects.filter(name=DEMO_FUND).exists():
        if not _demo_safe(client, say):
            return
    else:
        say("no chain configured: the epoch covers the ledger only")
    last = ReserveEpoch.objects.first()
    cut = Entry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    if last and last.cut_seq == cut and (last.chains or not client):
        say(f"epoch {last.number} already covers the ledger up to #{cut}")
        return
    epoch = reserve_epoch_create(actor="demo")
    say(f"epoch {epoch.number} signed by {epoch.signer}: see /custody/reserves/")
