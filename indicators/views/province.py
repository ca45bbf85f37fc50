"""The province view (``/province``): a province's configured cities ranked on headline figures.

For each city the viewer may see (a city-bound account sees its own city only, a district-bound one none),
the figures leaders compare cities on: GDP growth and industrial growth (同比), retail sales per resident
(per capita), the share of good-air days (a level), the mean health score and the open red and orange
warnings. Each figure ranks the cities (1 = best, by the figure's direction); the overall rank is by the
mean of the ranks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from geo.cities import City
from geo.provinces import province_cities
from indicators.accounts.access import current_viewer
from indicators.catalog.levels import WORST_FIRST
from indicators.views.queries import alert_counts, latest_snapshot, theme_scores

# figure: (source indicator or None, higher is better)
FIGURES: dict[str, tuple[str | None, bool]] = {
    "gdp_growth": ("ECO-GDP-002", True),
    "industry_growth": ("ECO-IND-002", True),
    "retail_per_capita": ("ECO-CON-001", True),
    "good_air_days": ("ENV-AIR-006", True),
    "score": (None, True),
    "warnings": (None, False),
}
YUAN_PER_YI = 1e8


@dataclass(frozen=True)
class ProvinceView:
    """A province's cities, ranked."""

    province_zh: str
    cities: list[City]  # those the viewer may see
    table: pd.DataFrame  # one row per city: key, adcode, names, each figure, its rank, overall rank; best first
    hidden: int  # configured cities of the province the viewer may not see
    alert_totals: dict[str, int]  # open alerts by level over the cities the viewer may see


def city_figures(city: City) -> dict[str, float]:
    """One city's figures (NaN where it has no data)."""
    snapshot = latest_snapshot(city.adcode).set_index("code")

    def value(code: str) -> float:
        return float(snapshot.at[code, "value"]) if code in snapshot.index else math.nan

    counts = alert_counts(city.key)
    scores = theme_scores(city.adcode)["score"].astype(float)
    return {
        "gdp_growth": value("ECO-GDP-002"),
        "industry_growth": value("ECO-IND-002"),
        # Year-to-date retail sales (亿元) per resident, in yuan.
        "retail_per_capita": value("ECO-CON-001") * YUAN_PER_YI / city.population if city.population else math.nan,
        "good_air_days": value("ENV-AIR-006"),
        "score": float(scores.mean()) if scores.notna().any() else math.nan,
        "warnings": float(counts.get("red", 0) + counts.get("orange", 0)),
    }


def rank_cities(frame: pd.DataFrame) -> pd.DataFrame:
    """Rank columns (``<figure>_rank``, 1 = best; ties share the best rank) and ``rank`` (by mean rank), best first."""
    ranked = frame.copy()
    for figure, (_, higher_better) in FIGURES.items():
        ranked[f"{figure}_rank"] = ranked[figure].rank(ascending=not higher_better, method="min")
    ranks = ranked[[f"{figure}_rank" for figure in FIGURES]]
    ranked["rank"] = ranks.mean(axis=1).rank(method="min")
    return ranked.sort_values(["rank", "key"]).reset_index(drop=True)


def province_view(province_zh: str) -> ProvinceView:
    """The province's cities the viewer may see, with their figures and ranks."""
    viewer = current_viewer()
    configured = province_cities(province_zh)
    visible = [city for city in configured if viewer.sees_area(city.adcode)]
    totals = {level: 0 for level in WORST_FIRST}
    for city in visible:
        for level, count in alert_counts(city.key).items():
            totals[level] = totals.get(level, 0) + count
    rows = [{"key": city.key, "adcode": city.adcode, "name_zh": city.name_zh, "name_en": city.name_en,
             **city_figures(city)} for city in visible]
    columns = ["key", "adcode", "name_zh", "name_en", *FIGURES]
    table = rank_cities(pd.DataFrame(rows, columns=columns)) if rows else pd.DataFrame(columns=columns)
    return ProvinceView(province_zh=province_zh, cities=visible, table=table, hidden=len(configured) - len(visible),
                        alert_totals=totals)
