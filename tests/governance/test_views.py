import pytest

from governance.auth import SESSION_KEY
from governance.models import Proposal

pytestmark = pytest.mark.django_db


def member_client(client, wallet):
    session = client.session
    session[SESSION_KEY] = wallet.address
    session.save()
    return client


def test_pages_render(client, wallets, make_proposal):
    proposal = make_proposal(power={wallets[0]: 3})
    assert b"Set fee_take_rate" in client.get("/governance/").content
    page = client.get(f"/governance/p/{proposal.proposal_id}/").content.decode()
    assert "<strong>fee take</strong>" in page and "0.0002" in page and "0.0003" in page
    assert "Preview not available" in page
    assert client.get(f"/governance/p/{proposal.proposal_id}/tally/").status_code == 200
    assert client.get("/governance/p/0xdead/").status_code == 404
    assert b"fee_take_rate" in client.get("/governance/params/").content
    assert b"data-wallet-signin" in client.get("/governance/signin/").content


def test_description_is_sanitized(client, wallets):
    from governance.services.proposals import proposal_create
    from tests.governance.conftest import T0

    proposal = proposal_create(
        proposer=wallets[0].address,
        title="x",
        description="<script>alert(1)</script>hi",
        changes=[{"name": "fee_take_rate", "value": "0.0001"}],
        now=T0,
    )
    page = client.get(f"/governance/p/{proposal.proposal_id}/").content.decode()
    assert "<script>alert" not in page


def test_new_proposal_form(client, wallets):
    assert client.get("/governance/new/").status_code == 302
    member_client(client, wallets[0])
    page = client.get("/governance/new/").content.decode()
    assert "fee_take_rate (now 0.0002; 0 … 0.0005, step ≤ 0.0002)" in page
    bad = client.post(
        "/governance/new/", {"title": "t", "name_0": "fee_take_rate", "value_0": "0.9"}
    )
    assert "above the maximum" in bad.content.decode() and not Proposal.objects.exists()
    good = client.post(
        "/governance/new/", {"title": "t", "name_0": "fee_take_rate", "value_0": "0.0003"}
    )
    proposal = Proposal.objects.get()
    assert good.status_code == 302 and proposal.proposer == wallets[0].address


def test_impact_preview_section_renders_a_cached_result(client, wallets, make_proposal):
    from django.core.cache import cache

    from governance.services.impact import impact_cache_key

    proposal = make_proposal(power={wallets[0]: 1})
    side = {
        "liquidations": 2,
        "fund_paid": "5",
        "fund_taken": "7",
        "adl_events": 1,
        "socialized": "0",
        "funds": {"main": "9"},
        "fund_delta_path": ["-5", "2"],
    }
    recent = {"title": "Last 30 days", "current": side, "proposed": side, "notes": ["n1"]}
    crash = {"title": "Crash scenario", "current": side, "proposed": side}
    cache.set(impact_cache_key(proposal), {"scenarios": {"recent": recent, "crash": crash}})
    page = client.get(f"/governance/p/{proposal.proposal_id}/").content.decode()
    assert 'id="impact-data"' in page and 'data-scenario="crash"' in page
    assert page.index('id="impact-recent"') < page.index('id="impact-crash"')
    assert 'data-scenario="recent"' in page and "<li>n1</li>" in page
    assert "governance-impact.js" in page and "<th>ADL events</th>" in page


def test_a_quiet_window_says_so_instead_of_a_chart(client, wallets, make_proposal):
    from django.core.cache import cache

    from governance.services.impact import impact_cache_key
    from tests.governance.conftest import T0

    proposal = make_proposal(power={wallets[0]: 1})
    window = {"start": T0, "end": T0, "events": 0}
    recent = {"title": "Last 30 days", "window": window, "notes": [], "empty": True}
    cache.set(impact_cache_key(proposal), {"scenarios": {"recent": recent}})
    page = client.get(f"/governance/p/{proposal.proposal_id}/").content.decode()
    assert "No clearing events (fills, marks, closes) in this window" in page
    assert 'data-scenario="recent"' not in page


GUARDIAN = "0x" + "ab" * 20


def test_guardian_cancel_section_for_members_while_cancelable(
    client, wallets, make_proposal, settings
):
    from datetime import timedelta

    from governance.services.lifecycle import proposals_tick

    settings.GOVERNANCE_GUARDIAN = GUARDIAN
    proposal = make_proposal(power={wallets[0]: 1})
    url = f"/governance/p/{proposal.proposal_id}/"
    assert 'id="guardian-cancel"' not in client.get(url).content.decode()  # not signed in
    member_client(client, wallets[1])
    page = client.get(url).content.decode()
    assert 'id="guardian-cancel"' in page and "data-wallet-guardian-cancel" in page
    assert 'data-guardian="0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB"' in page
    proposals_tick(now=proposal.vote_end + timedelta(seconds=1))  # no votes: defeated
    assert 'id="guardian-cancel"' not in client.get(url).content.decode()


def test_no_guardian_no_cancel_section(client, wallets, make_proposal, settings):
    settings.GOVERNANCE_GUARDIAN = ""
    proposal = make_proposal(power={wallets[0]: 1})
    member_client(client, wallets[1])
    page = client.get(f"/governance/p/{proposal.proposal_id}/").content.decode()
    assert 'id="guardian-cancel"' not in page
