"""The batched path's content encoder is byte-identical to the general canonical JSON, whose
bytes every booked digest and chain link already cover (decision 010)."""

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from common.canonical import canonical_json
from fund.models import Fund, LedgerAccount
from fund.services.ledger import EntryInput, content_json, entry_content

SYMBOLS = {1: "USDC", 2: "BTC", 3: 'Q"\\\u00e9\x01'}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
accounts = st.builds(
    LedgerAccount,
    id=st.integers(1, 10**6),
    kind=st.sampled_from(LedgerAccount.Kind.values),
    key=st.text(max_size=30),
    asset_id=st.sampled_from(sorted(SYMBOLS)),
)
amounts = st.integers(-(10**40), 10**40).filter(bool)
times = st.builds(
    lambda at, minutes: at.replace(tzinfo=timezone(timedelta(minutes=minutes))),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    st.integers(-23 * 60, 23 * 60),
)


@given(
    key=st.text(min_size=1, max_size=200),
    kind=st.text(max_size=20),
    postings=st.lists(st.tuples(accounts, amounts), min_size=2, max_size=5),
    event_time=times | st.just(datetime(2024, 1, 1, tzinfo=UTC)),
    fund=st.none() | st.builds(Fund, name=st.text(max_size=30)),
    memo=st.text(max_size=50),
    data=st.none() | json_values,
)
def test_content_json_equals_canonical_json_of_the_content(
    key, kind, postings, event_time, fund, memo, data
):
    entry = EntryInput(key, kind, postings, event_time, fund=fund, memo=memo, data=data)
    values = [amount for _, amount in postings]
    expected = canonical_json(entry_content(entry, values, SYMBOLS))
    assert content_json(entry, values, SYMBOLS) == expected
