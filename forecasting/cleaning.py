"""Outliers and gaps: what the models are fitted on.

Outliers become gaps, so one rule handles both: models that cannot take NaN get the gaps filled
by linear interpolation, and the backtest does not score against them. Plain numpy, because this
runs on every series of the batch.
"""

from __future__ import annotations

from typing import Final

import numpy as np

# A jump is extreme when it is this many robust standard deviations (1.4826 * MAD) of the usual
# jumps. Five keeps ordinary peaks while catching typing errors (a slipped decimal point is a
# factor of 10).
OUTLIER_THRESHOLD: Final = 5.0
# A jump and the jump back must be of comparable size (within this ratio) to count as a spike.
SPIKE_SYMMETRY: Final = 3.0


def flag_outliers(x: np.ndarray, season: int) -> np.ndarray:
    """Find isolated spikes (typing errors, one-off glitches): a value that jumps away from the
    series and is undone right after.

    A spike at ``t`` is an extreme jump from ``t - 1`` followed by an extreme jump back at
    ``t + 1``, of similar size. For seasonal series with three cycles of data the same must hold
    against the same period one cycle before and after, so that recurring peaks (a weekly
    closing day, a Spring Festival month) and week-long holiday dips in daily data are kept.
    A level shift (one jump, never undone) and the latest values (nothing yet to undo them)
    are never flagged: a forecast that ignores the latest figures looks wrong to anyone
    reading the chart.

    Args:
        x: Values of a regular series, NaN allowed.
        season: Periods per cycle of the frequency.

    Returns:
        A boolean mask of the outliers.
    """
    flagged = _spikes(x, 1)
    if season > 1 and np.isfinite(x).sum() >= 3 * season:
        flagged &= _spikes(x, season)
    return flagged


def _spikes(x: np.ndarray, lag: int) -> np.ndarray:
    """Points that jump away from the value ``lag`` periods before and back ``lag`` periods after."""
    flagged = np.zeros(len(x), dtype=bool)
    if np.isfinite(x).sum() < 8 or len(x) <= 2 * lag:
        return flagged
    jumps = x[lag:] - x[:-lag]
    with np.errstate(all="ignore"):
        centre = np.nanmedian(jumps)
        spread = 1.4826 * np.nanmedian(np.abs(jumps - centre))
        # Zero spread means most jumps are identical (e.g. a count that is mostly 0); every
        # other value would look infinitely far off, so nothing is flagged.
        if not spread > 0:
            return flagged
        away, back = jumps[:-lag] - centre, jumps[lag:] - centre
        extreme = (np.abs(away) > OUTLIER_THRESHOLD * spread) & (np.abs(back) > OUTLIER_THRESHOLD * spread)
        undone = (np.sign(away) == -np.sign(back)) & (np.abs(away) <= SPIKE_SYMMETRY * np.abs(back))
        undone &= np.abs(back) <= SPIKE_SYMMETRY * np.abs(away)
    # jumps[i] is x[i + lag] - x[i], so away = jumps[i] is the jump into position i + lag.
    flagged[lag : len(x) - lag] = extreme & undone
    return flagged


def fill_gaps(x: np.ndarray) -> np.ndarray:
    """Fill NaN by linear interpolation; NaN at the ends take the nearest observed value.

    Args:
        x: Values of a regular series with at least one observation.

    Returns:
        The values without NaN (the input itself when it had none).
    """
    missing = ~np.isfinite(x)
    if not missing.any():
        return x
    positions = np.arange(len(x))
    filled = x.copy()
    filled[missing] = np.interp(positions[missing], positions[~missing], x[~missing])
    return filled
