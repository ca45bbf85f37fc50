import math

import pytest

from indicators.catalog.levels import level_of, score_of

PM25 = (75, 115, 150, 250)          # down: lower is better
SATISFACTION = (85, 80, 75, 70)     # up: higher is better
CPI_DISTANCE = (0.5, 1.0, 1.5, 2.0)  # target 3: distance from target


@pytest.mark.parametrize("value, level", [
    (30, "normal"), (75, "normal"), (75.1, "blue"), (120, "yellow"), (150.5, "orange"), (300, "red"),
])
def test_down_levels(value, level):
    assert level_of(value, "down", PM25) == level


@pytest.mark.parametrize("value, level", [
    (92, "normal"), (85, "normal"), (84.9, "blue"), (79, "yellow"), (74.9, "orange"), (60, "red"),
])
def test_up_levels(value, level):
    assert level_of(value, "up", SATISFACTION) == level


@pytest.mark.parametrize("value, level", [(3.2, "normal"), (3.6, "blue"), (1.9, "yellow"), (5.5, "red")])
def test_target_levels_use_distance(value, level):
    assert level_of(value, "target", CPI_DISTANCE, target=3.0) == level


def test_no_thresholds_and_no_data():
    assert level_of(10, "neutral", (None,) * 4) == "normal"
    assert level_of(None, "down", PM25) == "nodata"
    assert level_of(float("nan"), "down", PM25) == "nodata"
    assert score_of(10, "neutral", (None,) * 4) is None


def test_score_anchors_and_monotonic():
    assert score_of(75, "down", PM25) == pytest.approx(60)
    assert score_of(115, "down", PM25) == pytest.approx(40)
    assert score_of(250, "down", PM25) == 0
    assert score_of(-100, "down", PM25) == 100
    values = [10, 40, 80, 130, 200]
    scores = [score_of(v, "down", PM25) for v in values]
    assert scores == sorted(scores, reverse=True)


def test_score_uses_a_good_side_target_as_full_marks():
    assert score_of(95, "up", SATISFACTION, target=95) == pytest.approx(100)
    assert score_of(90, "up", SATISFACTION, target=95) == pytest.approx(80)
    assert math.isclose(score_of(3.0, "target", CPI_DISTANCE, target=3.0), 100)


def test_summed_thresholds_apply_to_the_city_total_only():
    from indicators.catalog.levels import area_thresholds

    assert area_thresholds((10, 20, 30, 40), "sum", "district") == (None, None, None, None)
    assert area_thresholds((10, 20, 30, 40), "sum", "city") == (10, 20, 30, 40)
    assert area_thresholds((10, 20, 30, 40), "wmean:ECO-POP-001", "district") == (10, 20, 30, 40)


def test_vectorised_levels_and_scores_match_the_scalar_ones():
    import numpy as np

    from indicators.catalog.levels import levels_and_scores

    rng = np.random.default_rng(3)
    cases = []
    for _ in range(400):
        direction = rng.choice(["up", "down", "target", "neutral"])
        base = np.sort(rng.uniform(0, 100, 4))
        thresholds = tuple(base[::-1]) if direction == "up" else tuple(base)
        if direction == "target":
            thresholds = tuple(np.sort(rng.uniform(0.1, 5, 4)))
        if direction == "neutral" or rng.random() < 0.1:
            thresholds = (None,) * 4
        target = float(rng.uniform(0, 100)) if direction == "target" or rng.random() < 0.3 else None
        value = float("nan") if rng.random() < 0.05 else float(rng.uniform(-20, 120))
        cases.append((value, direction, thresholds, target))
    levels, scores = levels_and_scores(
        np.array([c[0] for c in cases]), np.array([c[1] for c in cases]),
        np.array([[np.nan if t is None else t for t in c[2]] for c in cases]),
        np.array([np.nan if c[3] is None else c[3] for c in cases]))
    for (value, direction, thresholds, target), level, score in zip(cases, levels, scores):
        assert level == level_of(value, direction, thresholds, target)
        expected = score_of(value, direction, thresholds, target)
        assert (np.isnan(score) if expected is None else score == pytest.approx(expected))


def test_a_level_is_its_string_with_rank_token_and_labels():
    from indicators.catalog.levels import LEVELS, WORST_FIRST, Level

    assert Level.RED == "red" and {"red": 1}[Level.RED] == 1
    assert [level.rank for level in Level] == [-1, 0, 1, 2, 3, 4]
    assert Level.ORANGE.token == "--level-orange"
    assert (Level.RED.label("zh"), Level.RED.label("en"), Level.NODATA.label("en")) == ("红色", "Red", "No data")
    assert LEVELS == ("blue", "yellow", "orange", "red") and WORST_FIRST == ("red", "orange", "yellow", "blue")
    assert Level.worst(["blue", "red", "yellow"]) is Level.RED and Level.worst([]) is Level.NORMAL


def test_every_level_has_a_colour_token():
    from indicators.catalog.levels import Level
    from pages._tokens import TOKENS

    assert all(TOKENS[level.token].startswith("#") for level in Level)
