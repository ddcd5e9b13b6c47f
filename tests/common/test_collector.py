"""The cycle collector pause: off inside, back on after the outermost pause, even on error."""

from __future__ import annotations

import gc

import pytest

from common.collector import cycle_collector_paused


def test_pause_nests_and_resumes_after_the_outermost():
    assert gc.isenabled()
    with cycle_collector_paused():
        assert not gc.isenabled()
        with cycle_collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_pause_resumes_after_an_error():
    with pytest.raises(ValueError), cycle_collector_paused():
        raise ValueError("boom")
    assert gc.isenabled()
