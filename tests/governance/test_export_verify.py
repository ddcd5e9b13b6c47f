import json

import pytest
from django.core.management import CommandError, call_command

from governance.selectors.export import tally_export
from governance.services.ballots import ballot_cast
from governance.verify import export_verify
from tests.governance.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def export(wallets, make_proposal):
    a, b, c = wallets[:3]
    proposal = make_proposal(power={a: 5, b: 3, c: 1})
    for wallet, support in ((a, 1), (b, 0), (c, 2)):
        ballot_cast(now=at(proposal, hours=1), **wallet.ballot(proposal, support, reason="r"))
    return json.loads(json.dumps(tally_export(proposal)))


def test_export_recomputes_to_the_same_result(export, tmp_path, capsys):
    report = export_verify(export)
    assert report.ok, report.problems
    assert export["result"] == {
        "for": "5",
        "against": "3",
        "abstain": "1",
        "voters": 3,
        "quorum_reached": True,
        "passed": True,
    }
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export))
    call_command("governance_verify", str(path))
    assert "export verified" in capsys.readouterr().out


@pytest.mark.parametrize(
    "tamper, problem",
    [
        (lambda d: d["ballots"][1].update(support=1), "signature is not by"),
        (lambda d: d["snapshot"][0].update(power="50", staked="50"), "weight"),
        (lambda d: d["result"].update(passed=False), "result.passed"),
        (lambda d: d["proposal"]["changes"][0].update(value="0.0005"), "proposal_id"),
        (lambda d: d.update(domain={**d["domain"], "chainId": 1}), "signature is not by"),
    ],
)
def test_tampered_export_is_caught(export, tamper, problem, tmp_path):
    tamper(export)
    report = export_verify(export)
    assert any(problem in p for p in report.problems), report.problems
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export))
    with pytest.raises(CommandError, match="problems found"):
        call_command("governance_verify", str(path))
