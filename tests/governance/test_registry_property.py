"""Property: a value outside a parameter's bounds can never be stored."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.exceptions import Invalid
from governance.models import ParamValue
from governance.registry import REGISTRY
from governance.selectors.params import param_get
from governance.services.params import param_value_set

BOUNDED = sorted(
    name
    for name, p in REGISTRY.items()
    if p.kind in ("decimal", "amount", "int", "duration")
    and (p.min is not None or p.max is not None)
)


def numbers(kind: str, *, min_value=None, max_value=None):
    if kind == "decimal":
        return st.decimals(
            min_value=min_value, max_value=max_value, allow_nan=False, allow_infinity=False
        )
    return st.integers(min_value=min_value, max_value=max_value)


@st.composite
def out_of_bounds(draw):
    name = draw(st.sampled_from(BOUNDED))
    param = REGISTRY[name]
    sides = [s for s, bound in (("low", param.min), ("high", param.max)) if bound is not None]
    side = draw(st.sampled_from(sides))
    if side == "low":
        value = (
            draw(numbers(param.kind, max_value=param.min - 1))
            if param.kind != "decimal"
            else (
                param.min
                - draw(numbers("decimal", min_value=Decimal("1e-12"), max_value=Decimal("1e30")))
            )
        )
    else:
        value = (
            draw(numbers(param.kind, min_value=param.max + 1))
            if param.kind != "decimal"
            else (
                param.max
                + draw(numbers("decimal", min_value=Decimal("1e-12"), max_value=Decimal("1e30")))
            )
        )
    scope = draw(st.sampled_from(param.scopes))
    scope = {"global": "global", "fund": "fund:main", "market": "market:BTC-USDC"}[scope]
    return name, scope, value


@st.composite
def in_bounds(draw):
    name = draw(st.sampled_from(BOUNDED))
    param = REGISTRY[name]
    high = param.max if param.max is not None else 10**30
    value = draw(numbers(param.kind, min_value=param.min, max_value=high))
    return name, value


@pytest.mark.django_db
@given(case=out_of_bounds(), as_text=st.booleans())
def test_a_value_outside_bounds_is_never_stored(case, as_text):
    name, scope, value = case
    before = ParamValue.objects.count()
    with pytest.raises(Invalid) as err:
        param_value_set(
            name=name,
            scope=scope,
            value=str(value) if as_text else value,
            source="seed",
            actor="property",
        )
    assert name in err.value.fields
    assert ParamValue.objects.count() == before


@pytest.mark.django_db
@given(case=in_bounds())
def test_a_value_inside_bounds_round_trips(case):
    name, value = case
    param_value_set(name=name, scope="global", value=str(value), source="seed", actor="property")
    assert param_get(name) == value
