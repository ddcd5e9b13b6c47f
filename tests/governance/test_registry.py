"""The parameter registry: declarations, bounds, versions by time and scope fallback."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.utils import timezone

from common.exceptions import Invalid
from common.models import AuditEntry
from governance.models import ParamValue
from governance.registry import REGISTRY, Param, declare, param_lookup
from governance.selectors.params import param_get, param_reading
from governance.services.params import param_value_set


@pytest.fixture
def registry():
    """Declarations made by a test are forgotten afterwards."""
    saved = dict(REGISTRY)
    yield REGISTRY
    REGISTRY.clear()
    REGISTRY.update(saved)


def put(name, scope, value, *, at=None):
    return param_value_set(
        name=name, scope=scope, value=value, source="seed", actor="test", effective_at=at
    )


# Declarations ------------------------------------------------------------------------------


def test_every_app_declares_its_parameters():
    apps = {param.app for param in REGISTRY.values()}
    assert {"fund", "clearing", "governance", "custody"} <= apps
    for name in (
        "fee_take_rate",
        "max_liquidation_fee_rate",
        "payout_cap_per_event",
        "daily_payout_cap",
        "reserve_floor",
        "adl_policy",
        "coverage_warn",
        "coverage_critical",
        "restricted_margin_multiplier",
        "payout_review_threshold",
        "unstake_cooldown",
        "staker_revenue_share",
        "quorum",
        "voting_period",
    ):
        assert name in REGISTRY, name


@pytest.mark.parametrize(
    "param",
    [
        Param("t_high", "int", 5, "h", min=0, max=3),
        Param("t_low", "decimal", Decimal("-1"), "h", min=Decimal("0")),
    ],
)
def test_default_outside_its_bounds_is_refused_at_declaration(registry, param):
    with pytest.raises(ImproperlyConfigured, match="outside its bounds"):
        declare(param, app="tests")
    assert param.name not in registry


@pytest.mark.parametrize(
    ("param", "match"),
    [
        (Param("t_float", "decimal", 0.1, "h"), "not a decimal"),
        (Param("t_choice", "choice", "x", "h", choices=("a", "b")), "not among choices"),
        (Param("t_scope", "int", 1, "h", scopes=("planet",)), "bad scopes"),
        (Param("t_none", "amount", None, "h"), "no default and not nullable"),
        (Param("t_bool_int", "int", True, "h"), "must be an integer"),
    ],
)
def test_inconsistent_declarations_are_refused(registry, param, match):
    with pytest.raises(ImproperlyConfigured, match=match):
        declare(param, app="tests")
    assert param.name not in registry


def test_a_name_cannot_be_declared_by_two_apps(registry):
    with pytest.raises(ImproperlyConfigured, match="declared twice"):
        declare(Param("fee_take_rate", "decimal", Decimal("0"), "h"), app="tests")
    assert registry["fee_take_rate"].app == "clearing"


# Bounds and kinds --------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("fee_take_rate", "0.0006", "above the maximum 0.0005"),
        ("fee_take_rate", "-0.0001", "below the minimum 0"),
        ("fee_take_rate", 0.0001, "not floats"),
        ("fee_take_rate", "abc", "must be a decimal"),
        ("fee_take_rate", "NaN", "finite"),
        ("confirmations", "257", "above the maximum 256"),
        ("confirmations", "1.5", "must be an integer"),
        ("adl_policy", "pray", "must be one of adl, socialize, review"),
        ("reserve_floor", None, "a value is required"),
    ],
)
def test_bounds_and_kinds_are_enforced(name, value, reason):
    with pytest.raises(Invalid) as err:
        put(name, "global", value)
    assert reason in err.value.fields[name][0]
    assert not ParamValue.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_nullable_parameter_can_be_unset():
    put("payout_cap_per_event", "fund:main", "100")
    put("payout_cap_per_event", "fund:main", None, at=timezone.now() + timedelta(seconds=1))
    later = timezone.now() + timedelta(minutes=1)
    assert param_get("payout_cap_per_event", fund="main", at=later) is None
    assert param_get("payout_cap_per_event", fund="main") == 100


@pytest.mark.django_db
def test_unknown_parameter_is_refused():
    with pytest.raises(Invalid) as err:
        put("free_money_rate", "global", "1")
    assert err.value.fields == {"free_money_rate": ["unknown parameter 'free_money_rate'"]}
    with pytest.raises(Invalid, match="unknown parameter"):
        param_get("free_money_rate")
    with pytest.raises(Invalid):
        param_lookup("free_money_rate")
    assert not ParamValue.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "scope", "reason"),
    [
        ("reserve_floor", "market:BTC-USDC", "cannot be set at market scope"),
        ("confirmations", "fund:main", "cannot be set at fund scope"),
        ("fee_take_rate", "fund:", "scope must be"),
        ("fee_take_rate", "venue:x", "scope must be"),
    ],
)
def test_scope_must_be_one_the_parameter_allows(name, scope, reason):
    with pytest.raises(Invalid, match=reason):
        put(name, scope, "1" if name != "fee_take_rate" else "0.0001")
    assert not ParamValue.objects.exists()


def test_max_step_limits_one_change():
    fee = param_lookup("fee_take_rate")  # max_step 0.0002
    fee.check_step(Decimal("0.0001"), Decimal("0.0003"))
    fee.check_step(Decimal("0.0003"), Decimal("0.0001"))
    with pytest.raises(Invalid, match="exceeds the largest step") as err:
        fee.check_step(Decimal("0.0001"), Decimal("0.00031"), path="changes.0.value")
    assert list(err.value.fields) == ["changes.0.value"]
    with pytest.raises(Invalid):
        fee.check_step(Decimal("0.0004"), Decimal("0"))
    cooldown = param_lookup("unstake_cooldown")  # max_step 14 days
    cooldown.check_step(13 * 86400, 27 * 86400)
    with pytest.raises(Invalid):
        cooldown.check_step(13 * 86400, 27 * 86400 + 1)
    # No step limit declared, or a change from/to "unset": nothing to compare.
    param_lookup("coverage_warn").check_step(Decimal("0"), Decimal("10"))
    param_lookup("payout_cap_per_event").check_step(None, 10**30)


# Versions and scopes -----------------------------------------------------------------------


@pytest.mark.django_db
def test_default_when_nothing_is_set():
    reading = param_reading("fee_take_rate", market="BTC-USDC", fund="main")
    assert reading.value == Decimal("0.0002")
    assert (reading.scope, reading.version_id) == ("default", None)


@pytest.mark.django_db
def test_versions_are_picked_by_effective_time():
    t0 = timezone.now() - timedelta(days=10)
    first = put("fee_take_rate", "global", "0.0001", at=t0)
    second = put("fee_take_rate", "global", "0.0003", at=t0 + timedelta(days=2))
    # Written last but effective in between: time decides, not the order of writing.
    third = put("fee_take_rate", "global", "0.0002", at=t0 + timedelta(days=1))

    def at(delta):
        return param_reading("fee_take_rate", at=t0 + delta)

    assert at(timedelta(seconds=-1)).scope == "default"
    assert at(timedelta(0)).version_id == first.pk
    assert at(timedelta(hours=30)).version_id == third.pk
    assert at(timedelta(days=2)).value == Decimal("0.0003")
    assert at(timedelta(days=2)).version_id == second.pk
    assert param_get("fee_take_rate") == Decimal("0.0003")
    future = put("fee_take_rate", "global", "0.0005", at=timezone.now() + timedelta(hours=1))
    assert param_get("fee_take_rate") == Decimal("0.0003")  # not in force yet
    assert param_reading("fee_take_rate", at=future.effective_at).version_id == future.pk


@pytest.mark.django_db
def test_same_time_latest_write_wins():
    t = timezone.now() - timedelta(hours=1)
    put("fee_take_rate", "global", "0.0001", at=t)
    last = put("fee_take_rate", "global", "0.0004", at=t)
    assert param_reading("fee_take_rate").version_id == last.pk


@pytest.mark.django_db
def test_scope_falls_back_market_fund_global_default():
    t = timezone.now() - timedelta(hours=1)
    put("fee_take_rate", "market:BTC-USDC", "0.0004", at=t)
    put("fee_take_rate", "fund:main", "0.0003", at=t)
    put("fee_take_rate", "global", "0.0001", at=t)

    def read(market, fund):
        return param_reading("fee_take_rate", market=market, fund=fund)

    assert (read("BTC-USDC", "main").scope, read("BTC-USDC", "main").value) == (
        "market:BTC-USDC",
        Decimal("0.0004"),
    )
    assert read("ETH-USDC", "main").scope == "fund:main"
    assert read("ETH-USDC", "main").value == Decimal("0.0003")
    assert read("ETH-USDC", "other").scope == "global"
    assert read(None, None).value == Decimal("0.0001")
    assert param_reading("coverage_warn", market="BTC-USDC", fund="main").scope == "default"


@pytest.mark.django_db
def test_a_narrow_scope_only_counts_once_it_is_in_force():
    t = timezone.now() - timedelta(days=1)
    put("fee_take_rate", "global", "0.0001", at=t)
    put("fee_take_rate", "market:BTC-USDC", "0.0004", at=t + timedelta(hours=12))
    before = param_reading("fee_take_rate", market="BTC-USDC", at=t + timedelta(hours=6))
    assert (before.scope, before.value) == ("global", Decimal("0.0001"))
    assert param_get("fee_take_rate", market="BTC-USDC") == Decimal("0.0004")


@pytest.mark.django_db
def test_levels_the_parameter_does_not_allow_are_skipped():
    t = timezone.now() - timedelta(hours=1)
    put("reserve_floor", "fund:main", "500", at=t)
    put("reserve_floor", "global", "100", at=t)
    # reserve_floor has no market level: a market reading goes to its fund.
    assert param_reading("reserve_floor", market="BTC-USDC", fund="main").scope == "fund:main"
    put("confirmations", "global", "12", at=t)
    assert param_get("confirmations", fund="main") == 12


@pytest.mark.django_db
def test_every_change_is_audited():
    row = put("adl_policy", "market:BTC-USDC", "review")
    entry = AuditEntry.objects.get(action="backstop.governance.param.set")
    assert entry.object_id == "adl_policy@market:BTC-USDC"
    assert entry.after["value"] == "review" and entry.after["source"] == "seed"
    assert row.created_by == "test"


# Seeding -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_params_seed_is_all_or_nothing(tmp_path):
    good = tmp_path / "good.json"
    good.write_text('{"global": {"fee_take_rate": "0.0001"}, "fund:main": {"reserve_floor": "7"}}')
    call_command("params_seed", str(good))
    assert param_get("reserve_floor", fund="main") == 7
    bad = tmp_path / "bad.json"
    bad.write_text('{"global": {"coverage_warn": "0.2"}, "fund:main": {"reserve_floor": "-1"}}')
    with pytest.raises(CommandError, match=r"fund:main\.reserve_floor.*nothing was seeded"):
        call_command("params_seed", str(bad))
    assert not ParamValue.objects.filter(name="coverage_warn").exists()
