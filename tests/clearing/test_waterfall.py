"""The pure waterfall: surplus, full cover, caps, and each ADL policy when the fund covers part."""

from decimal import Decimal as D

from clearing import formulas as f
from clearing.adl import AdlBook, Holder, adl_match, adl_quintile, adl_rank, adl_score
from clearing.waterfall import FundLimits, Liquidated, cover_available, waterfall_decide
from common.money import split_largest_remainder

USDC = 10**6
BTC_USDC = f.Contract(kind=f.LINEAR, decimals=6, tick=D("0.1"), lot=D("0.001"))
# Seed 003: 1 BTC long at 20,000 with 2,000 USDC (10×); P_b = 18,000.
LONG = Liquidated(side=f.LONG, qty=D("1"), entry=D("20000"), margin=2_000 * USDC)
P_B = D("18000.0")


def decide(close, limits, policy="adl", opposite=(), rate=D("1")):
    return waterfall_decide(
        contract=BTC_USDC,
        position=LONG,
        close_price=D(close),
        bankruptcy_price=P_B,
        limits=limits,
        max_fee_rate=rate,
        policy=policy,
        opposite=lambda: AdlBook(opposite),
    )


def short(ref, qty, upnl, margin=1_000 * USDC, notional=None, opened=0):
    notional = notional if notional is not None else int(D(qty) * 18_000 * USDC)
    return Holder(ref, f"acct{ref}", (opened, ref), D(qty), margin, upnl * USDC, notional)


def test_scenario_1_surplus_goes_to_the_fund_up_to_the_fee_cap():
    outcome = decide("18050", FundLimits(balance=0))
    assert (outcome.equity, outcome.fund_delta, outcome.trader_return) == (50 * USDC, 50 * USDC, 0)
    # With a 0.1% cap on notional (18.05 USDC) the trader gets the rest back.
    capped = decide("18050", FundLimits(balance=0), rate=D("0.001"))
    assert (capped.fund_delta, capped.trader_return) == (18_050_000, 31_950_000)


def test_scenario_2_fund_covers_the_shortfall():
    outcome = decide("17900", FundLimits(balance=1_000 * USDC))
    assert (outcome.shortfall, outcome.fund_delta, outcome.deficit) == (100 * USDC, -100 * USDC, 0)


def test_cover_respects_floor_and_caps():
    assert cover_available(100, FundLimits(balance=60, reserve_floor=50)) == 10
    assert cover_available(100, FundLimits(balance=1000, cap_event=40)) == 40
    assert cover_available(100, FundLimits(balance=1000, daily_cap=100, paid_24h=70)) == 30
    assert cover_available(100, FundLimits(balance=40, reserve_floor=50)) == 0
    assert cover_available(100, FundLimits(balance=1000, daily_cap=100, paid_24h=170)) == 0


def test_review_policy_leaves_the_rest_for_admins():
    outcome = decide("17900", FundLimits(balance=60 * USDC), policy="review")
    assert (outcome.fund_delta, outcome.review, outcome.deficit) == (-60 * USDC, 40 * USDC, 0)


def test_socialize_policy_charges_winners_pro_rata():
    book = [short(1, "1", 300), short(2, "1", 100), short(3, "1", -50)]
    outcome = decide("17900", FundLimits(balance=60 * USDC), policy="socialize", opposite=book)
    assert [(h.ref, amount) for h, amount in outcome.socialized] == [(1, 30 * USDC), (2, 10 * USDC)]
    assert (outcome.fund_delta, outcome.deficit) == (-60 * USDC, 0)


def test_socialize_beyond_all_profit_leaves_a_deficit():
    book = [short(1, "1", 15), short(2, "1", 5)]
    outcome = decide("17900", FundLimits(balance=60 * USDC), policy="socialize", opposite=book)
    assert outcome.socialized_total == 20 * USDC and outcome.deficit == 20 * USDC


def test_adl_policy_closes_what_the_fund_affords_and_matches_the_rest_at_bankruptcy():
    # d = 100 USDC per BTC; A = 60 → 0.6 BTC at 17,900 (−1,260), 0.4 BTC at 18,000 (−800).
    book = [short(1, "0.3", 50), short(2, "1", 900, margin=500 * USDC), short(3, "2", -10)]
    outcome = decide("17900", FundLimits(balance=60 * USDC), opposite=book)
    assert [(leg.qty, leg.price, leg.pnl) for leg in outcome.legs] == [
        (D("0.6"), D("17900"), -1_260 * USDC),
        (D("0.4"), P_B, -800 * USDC),
    ]
    assert [(m.holder.ref, m.qty) for m in outcome.adl] == [(2, D("0.4"))]
    assert (outcome.fund_delta, outcome.deficit) == (-60 * USDC, 0)


def test_adl_with_too_little_opposite_size_leaves_a_deficit():
    book = [short(1, "0.1", 50)]
    outcome = decide("17900", FundLimits(balance=60 * USDC), opposite=book)
    assert [(leg.qty, leg.price) for leg in outcome.legs] == [
        (D("0.9"), D("17900")),
        (D("0.1"), P_B),
    ]
    # 0.9 × −2,100 + 0.1 × −2,000 = −2,090 → equity −90: the fund pays 60, 30 is uncovered.
    assert (outcome.fund_delta, outcome.deficit) == (-60 * USDC, 30 * USDC)


def test_adl_ranking_quintiles_and_ties():
    high = short(1, "1", 500, margin=100 * USDC)  # high profit, high leverage
    low = short(2, "1", 10, margin=1_000 * USDC)
    loser = short(3, "1", -10)
    older = short(4, "1", 10, margin=1_000 * USDC, opened=-1)  # same score as 2, opened earlier
    ranked = adl_rank([loser, low, high, older])
    assert [h.ref for h in ranked] == [1, 4, 2, 3]
    assert (
        adl_score(upnl=-1, margin=10, notional=100) < 0 < adl_score(upnl=1, margin=10, notional=100)
    )
    assert adl_score(upnl=-10, margin=10, notional=100) is None  # no equity left: queues last
    assert [adl_quintile(i, 10) for i in range(10)] == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert adl_quintile(0, 1) == 5
    matches, left = adl_match(D("1.5"), ranked)
    assert [(m.holder.ref, m.qty) for m in matches] == [(1, D("1")), (4, D("0.5"))] and left == 0


def test_largest_remainder_split_sums_to_the_whole():
    assert split_largest_remainder(10, [1, 1, 1]) == [4, 3, 3]
    assert split_largest_remainder(7, [5, 0, 2]) == [5, 0, 2]
    assert split_largest_remainder(100, [3, 3, 1]) == [43, 43, 14]
