"""Warning levels and health scores of single values, from the catalog's thresholds.

Health score (0–100) of one value, documented for the pages: the value is placed on a
piecewise-linear scale anchored at the *good anchor* = 100, blue = 60, yellow = 40,
orange = 20 and red = 0, measured in the indicator's bad direction (for ``target``
indicators, on the distance from the target). The good anchor is the target when it lies
on the good side of blue, otherwise two threshold steps (blue − yellow) beyond blue.
A theme's score is the mean over its indicators that have thresholds and a value.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np


class Level(StrEnum):
    """A warning level: the one vocabulary of levels for the store, rules, pages, maps and CSS.

    A member equals its string (``Level.RED == "red"``), so stored values and dict keys need no
    conversion. Its colour is the design token ``token`` (``assets/00-variables.css``), which the
    pages and the map's JavaScript read; its labels are here.
    """

    NODATA = "nodata"
    NORMAL = "normal"
    BLUE = "blue"
    YELLOW = "yellow"
    ORANGE = "orange"
    RED = "red"

    @property
    def rank(self) -> int:
        """Severity: −1 no data, 0 normal, 1 blue … 4 red."""
        return _RANKS[self]

    @property
    def token(self) -> str:
        """The CSS custom property that holds this level's colour."""
        return f"--level-{self.value}"

    def label(self, lang: str) -> str:
        """The level's name in ``lang`` ("红色" / "Red")."""
        zh, en = _LABELS[self]
        return en if lang == "en" else zh

    @classmethod
    def worst(cls, levels) -> Level:
        """The most severe of ``levels`` (strings or members); ``normal`` when there are none."""
        return max((cls(level) for level in levels), key=lambda level: level.rank, default=cls.NORMAL)


_RANKS = {Level.NODATA: -1, Level.NORMAL: 0, Level.BLUE: 1, Level.YELLOW: 2, Level.ORANGE: 3, Level.RED: 4}
_LABELS = {Level.NODATA: ("无数据", "No data"), Level.NORMAL: ("正常", "Normal"), Level.BLUE: ("蓝色", "Blue"),
           Level.YELLOW: ("黄色", "Yellow"), Level.ORANGE: ("橙色", "Orange"), Level.RED: ("红色", "Red")}
# The four warning levels in threshold order (mildest first), and worst first for lists and counts.
LEVELS = (Level.BLUE, Level.YELLOW, Level.ORANGE, Level.RED)
WORST_FIRST = LEVELS[::-1]
LEVEL_RANK = {level: level.rank for level in Level}
ANCHOR_SCORES = (100.0, 60.0, 40.0, 20.0, 0.0)


def area_thresholds(thresholds, aggregation: str, area_level: str):
    """The catalog thresholds that apply to an area.

    Thresholds of summed indicators are set for the city total, so a district (a part of
    that total) gets none; a per-area override can still give it its own.

    Returns:
        (blue, yellow, orange, red), all None when the thresholds do not apply.
    """
    if aggregation == "sum" and area_level == "district":
        return (None, None, None, None)
    return tuple(thresholds)


def badness(value: float, direction: str, target: float | None) -> float:
    """``value`` expressed so that larger is worse (negated for ``up``, distance for ``target``)."""
    if direction == "up":
        return -value
    if direction == "target":
        return abs(value - (target or 0.0))
    return value


def _bad_thresholds(direction: str, thresholds: tuple[float, float, float, float]) -> tuple[float, ...]:
    return tuple(-t for t in thresholds) if direction == "up" else tuple(thresholds)


def level_of(value: float | None, direction: str, thresholds, target: float | None = None) -> str:
    """The warning level of ``value``: ``normal``, ``blue``, ``yellow``, ``orange`` or ``red``.

    Args:
        value: the value; ``None`` or NaN gives ``nodata``.
        direction: ``up``, ``down``, ``target`` or ``neutral``.
        thresholds: (blue, yellow, orange, red) in the bad direction, or Nones.
        target: the target, for ``target`` indicators.

    Returns:
        The level name; ``normal`` when no threshold is passed (a value equal to a
        threshold has not passed it) or there are none.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "nodata"
    if direction == "neutral" or thresholds[0] is None:
        return "normal"
    bad = badness(value, direction, target)
    level = "normal"
    for name, threshold in zip(LEVELS, _bad_thresholds(direction, thresholds)):
        if bad > threshold:
            level = name
    return level


def score_of(value: float | None, direction: str, thresholds, target: float | None = None) -> float | None:
    """The 0–100 health score of ``value`` (see the module docstring); None without thresholds."""
    if value is None or direction == "neutral" or thresholds[0] is None or np.isnan(value):
        return None
    bad_thresholds = _bad_thresholds(direction, thresholds)
    step = bad_thresholds[1] - bad_thresholds[0]
    anchor = bad_thresholds[0] - 2 * step
    if direction == "target":
        anchor = 0.0
    elif target is not None and badness(target, direction, None) < bad_thresholds[0]:
        anchor = badness(target, direction, None)
    xs = (anchor, *bad_thresholds)
    return float(np.interp(badness(value, direction, target), xs, ANCHOR_SCORES))


def levels_and_scores(values: np.ndarray, directions: np.ndarray, thresholds: np.ndarray,
                      targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``level_of`` and ``score_of`` for many values at once (the snapshot of an area).

    Args:
        values: n values (NaN for none).
        directions: n directions.
        thresholds: n×4 (blue, yellow, orange, red), NaN where there are none.
        targets: n targets, NaN where there are none.

    Returns:
        (levels as strings, scores with NaN where there is no score).
    """
    values, thresholds, targets = (np.asarray(a, dtype=float) for a in (values, thresholds, targets))
    directions = np.asarray(directions)
    up, target_dir = directions == "up", directions == "target"
    bad = np.where(target_dir, np.abs(values - np.nan_to_num(targets)), np.where(up, -values, values))
    bad_thr = np.where(up[:, None], -thresholds, thresholds)
    usable = ~np.isnan(bad_thr[:, 0]) & (directions != "neutral")
    with np.errstate(invalid="ignore"):
        passed = (bad[:, None] > bad_thr).sum(axis=1)
    names = np.array(("normal", *LEVELS))
    levels = np.where(np.isnan(values), "nodata", np.where(usable, names[np.where(usable, passed, 0)], "normal"))
    step = bad_thr[:, 1] - bad_thr[:, 0]
    target_bad = np.where(up, -targets, targets)
    anchor = np.where(~np.isnan(target_bad) & (target_bad < bad_thr[:, 0]), target_bad, bad_thr[:, 0] - 2 * step)
    anchor = np.where(target_dir, 0.0, anchor)
    xs = np.column_stack([anchor, bad_thr])
    ys = np.array(ANCHOR_SCORES)
    with np.errstate(invalid="ignore", divide="ignore"):
        segment = np.clip((xs[:, 1:4] < bad[:, None]).sum(axis=1), 0, 3)
        rows = np.arange(len(values))
        x0, x1 = xs[rows, segment], xs[rows, segment + 1]
        inside = ys[segment] + (bad - x0) / (x1 - x0) * (ys[segment + 1] - ys[segment])
        scores = np.where(bad <= xs[:, 0], 100.0, np.where(bad >= xs[:, 4], 0.0, inside))
    scores = np.where(usable & ~np.isnan(values), scores, np.nan)
    return levels, scores
