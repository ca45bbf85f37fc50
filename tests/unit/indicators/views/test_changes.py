"""Relative changes of the snapshot: none on a base too small to compare with."""

import numpy as np
import pandas as pd

from indicators.views.queries import MIN_BASE_SHARE, _pct_change


def test_no_percentage_on_a_negligible_base():
    new = pd.Series([40.0, 110.0, 5.0, 3.0])
    old = pd.Series([1.0, 100.0, 0.0, np.nan])
    typical = pd.Series([100.0, 100.0, 100.0, 100.0])
    change = _pct_change(new, old, typical)
    assert np.isnan(change[0]) and change[1] == 10.0 and np.isnan(change[2]) and np.isnan(change[3])
    # Exactly at the share of the typical level the change is given.
    assert _pct_change(pd.Series([10.0]), pd.Series([MIN_BASE_SHARE * 100]), pd.Series([100.0]))[0] == 100.0
