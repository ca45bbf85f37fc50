"""Forecast accuracy and speed of ``forecasting.forecast``, offline.

Accuracy: public series that ship inside the statsmodels wheel (``statsmodels.datasets``, plus
two series from its test data when present), forecast from several rolling origins per series;
MASE and sMAPE per method, per frequency and overall. The issue's bar: ``auto`` beats seasonal
naive and at least matches the best single method on average (MASE).

Speed: series per second of every method on those series, and of ``auto`` on a synthetic mix
shaped like the demo cities' catalog (mostly short yearly and monthly series, a few long daily
ones), from which the time of the nightly batch is estimated.

Run: ``.venv/bin/python benchmarks/forecast_accuracy.py [--quick] [--no-prophet] [--demo N]``; ``--demo``
adds the same scores on N city-level series per frequency of the demo store.
"""

from __future__ import annotations

import os

# One BLAS thread: the matrices are tiny, and OpenBLAS threads fighting over two cores make the
# statsmodels fits 2-3x slower. The batch should run with the same setting.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import statsmodels  # noqa: E402
import statsmodels.api as sm  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from forecasting import forecast  # noqa: E402
from forecasting.backtest import mase_scale, smape  # noqa: E402

HORIZON = {"yearly": 4, "quarterly": 8, "monthly": 12, "weekly": 13, "daily": 14}
SEASON = {"yearly": 1, "quarterly": 4, "monthly": 12, "weekly": 52, "daily": 7}
# Forecast origins per series: the last window ends with the series, the others one horizon
# earlier each; an origin needs this many training points.
EVAL_ORIGINS = 4
MIN_TRAIN = {"yearly": 12, "quarterly": 24, "monthly": 48, "weekly": 156, "daily": 84}
METHODS = ("naive", "snaive", "drift", "ets", "theta", "arima", "auto")
PROPHET_FREQUENCIES = ("daily", "weekly")
# Indicators per frequency in the reference indicator list (shared/reference), which weight the
# batch estimate, and history lengths typical of the demo cities.
CITY_MIX = {"yearly": 219, "quarterly": 16, "monthly": 117, "weekly": 8, "daily": 19}
CITY_LENGTH = {
    "yearly": (8, 16),
    "quarterly": (20, 40),
    "monthly": (36, 96),
    "weekly": (104, 260),
    "daily": (730, 1400),
}
BATCH_SERIES, BATCH_CORES = 8000, 2

_TEST_DATA = Path(statsmodels.__file__).parent / "tsa"


def load_series() -> list[tuple[str, str, pd.Series]]:
    """Public series, as ``(name, frequency, series)`` with periods stamped on their first day."""
    series = []

    def add(name: str, freq: str, values, index) -> None:
        series.append((name, freq, pd.Series(np.asarray(values, dtype=float), index=index).dropna()))

    def starts(first: str, n: int, alias: str) -> pd.DatetimeIndex:
        return pd.date_range(first, periods=n, freq=alias)

    sunspots = sm.datasets.sunspots.load_pandas().data
    add("sunspots", "yearly", sunspots["SUNACTIVITY"], starts("1700-01-01", len(sunspots), "YS"))
    nile = sm.datasets.nile.load_pandas().data
    add("nile", "yearly", nile["volume"], starts("1871-01-01", len(nile), "YS"))
    copper = sm.datasets.copper.load_pandas().data
    for column in ("WORLDCONSUMPTION", "COPPERPRICE", "INCOMEINDEX", "ALUMPRICE", "INVENTORYINDEX"):
        add(f"copper.{column.lower()}", "yearly", copper[column], starts("1951-01-01", len(copper), "YS"))
    macro = sm.datasets.macrodata.load_pandas().data
    quarterly = ("realgdp", "realcons", "realinv", "realgovt", "realdpi", "cpi", "m1", "tbilrate", "unemp",
                 "pop", "infl", "realint")
    for column in quarterly:
        add(f"macrodata.{column}", "quarterly", macro[column], starts("1959-01-01", len(macro), "QS"))
    annual = macro.groupby("year")[["realgdp", "realcons", "realinv", "cpi", "m1", "unemp"]].mean()
    annual = annual[macro.groupby("year").size() == 4]
    for column in annual:
        add(f"macrodata.{column}.annual", "yearly", annual[column], starts("1959-01-01", len(annual), "YS"))
    danish = sm.datasets.danish_data.load_pandas().data
    for column in ("lrm", "lry", "lpy", "ibo", "ide"):
        add(f"danish.{column}", "quarterly", danish[column], starts("1974-01-01", len(danish), "QS"))
    rates = sm.datasets.interest_inflation.load_pandas().data
    for column in ("Dp", "R"):
        add(f"interest_inflation.{column}", "quarterly", rates[column], starts("1972-04-01", len(rates), "QS"))
    elnino = sm.datasets.elnino.load_pandas().data.iloc[:, 1:]
    add("elnino", "monthly", elnino.to_numpy().ravel(), starts("1950-01-01", elnino.size, "MS"))
    add("elnino.annual", "yearly", elnino.mean(axis=1), starts("1950-01-01", len(elnino), "YS"))
    from statsmodels.datasets import elec_equip

    equip = elec_equip.load().data.iloc[:, 0]
    add("elec_equip", "monthly", equip, pd.DatetimeIndex(equip.index).to_period("M").to_timestamp())
    co2 = sm.datasets.co2.load_pandas().data["co2"]
    monthly = co2.resample("MS").mean()
    add("co2.monthly", "monthly", monthly, monthly.index)
    # Weekly co2 (stamped on Saturdays, with gaps left in): four 10-year windows.
    for i, first in enumerate(range(len(co2) - 4 * 520, len(co2), 520)):
        series.append((f"co2.weekly.{i}", "weekly", co2.iloc[first : first + 520]))
    housing = _TEST_DATA / "holtwinters" / "tests" / "results" / "housing-data.csv"
    if housing.exists():
        houses = pd.read_csv(housing, index_col=0, parse_dates=True).iloc[:, 0]
        add("housing_starts (test data)", "monthly", houses, houses.index)
    demand = _TEST_DATA / "stl" / "tests" / "results" / "mstl_elec_vic.csv"
    if demand.exists():
        daily = pd.read_csv(demand, index_col=0, parse_dates=True)["y"].resample("D").sum()
        add("victoria_electricity (test data)", "daily", daily, daily.index)
    return series


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (Prophet's cmdstan runs as one).

    CPU rather than wall time, because the machine may be shared: the batch estimate needs what
    one series costs a core, not how long it waited for one.
    """
    children = os.times()
    return time.process_time() + children.children_user + children.children_system


def evaluate(series, methods, prophet: bool) -> pd.DataFrame:
    """Forecast every series from every origin with every method; one row per forecast."""
    rows = []
    for name, freq, y in series:
        horizon = HORIZON[freq]
        for k in range(EVAL_ORIGINS):
            cut = len(y) - horizon * (k + 1)
            if cut < MIN_TRAIN[freq]:
                break
            train, test = y.iloc[:cut], y.to_numpy()[cut : cut + horizon]
            scale = mase_scale(train.to_numpy(), SEASON[freq])
            keep = np.isfinite(test)
            chosen = list(methods)
            if prophet and freq in PROPHET_FREQUENCIES:
                chosen += ["prophet", "auto+prophet"]
            for method in chosen:
                started = cpu_seconds()
                if method == "auto+prophet":
                    result = forecast(train, horizon, prophet=True)
                else:
                    result = forecast(train, horizon, method=method)
                seconds = cpu_seconds() - started
                predicted = result["yhat"].to_numpy()
                inside = {}
                for level in (80, 95):
                    lower, upper = result[f"lower_{level}"].to_numpy(), result[f"upper_{level}"].to_numpy()
                    inside[level] = ((lower <= test) & (test <= upper))[keep]
                rows.append({
                    "series": name,
                    "frequency": freq,
                    "origin": k,
                    "method": method,
                    "mase": np.abs(test[keep] - predicted[keep]).mean() / scale,
                    "smape": smape(test, predicted),
                    "cover80": inside[80].mean(),
                    "cover95": inside[95].mean(),
                    "seconds": seconds,
                    "model": result.attrs["model"],
                })
    return pd.DataFrame(rows)


def city_mix(count: int, seed: int = 7) -> list[tuple[str, pd.Series]]:
    """Synthetic series shaped like the demo cities' catalog: trend, season, random-walk wander,
    noise, and now and then a level shift, a spike or a gap."""
    rng = np.random.default_rng(seed)
    aliases = {"yearly": "YS", "quarterly": "QS", "monthly": "MS", "weekly": "W-MON", "daily": "D"}
    mix = []
    shares = np.array(list(CITY_MIX.values())) / sum(CITY_MIX.values())
    for freq in rng.choice(list(CITY_MIX), size=count, p=shares):
        n = int(rng.integers(*CITY_LENGTH[freq]))
        t = np.arange(n)
        values = 100 + rng.normal(0, 0.3) * t + rng.normal(0, 3, n).cumsum() * rng.uniform(0, 1)
        if SEASON[freq] > 1:
            values += rng.uniform(0, 15) * np.sin(2 * np.pi * t / SEASON[freq] + rng.uniform(0, 6))
        values += rng.normal(0, 2, n)
        if rng.random() < 0.2:
            values[int(rng.integers(n // 2, n)) :] += rng.normal(0, 20)
        if rng.random() < 0.2:
            values[int(rng.integers(1, n - 2))] *= 5
        if rng.random() < 0.2:
            values[int(rng.integers(1, n - 2))] = np.nan
        index = pd.date_range(end="2025-06-01", periods=n, freq=aliases[freq])
        mix.append((freq, pd.Series(values, index=index)))
    return mix


def report_accuracy(results: pd.DataFrame) -> None:
    """Print MASE and sMAPE tables and the issue's bar."""
    counts = results[results.method == "auto"].groupby("frequency").size()
    print(f"{counts.sum()} forecasts per method; per frequency: {counts.to_dict()}\n")
    for metric, label, digits in (("mase", "Mean MASE (lower is better)", 3), ("smape", "Mean sMAPE (%)", 2)):
        print(label, "by frequency")
        print(results.pivot_table(index="frequency", columns="method", values=metric, aggfunc="mean").round(digits))
        print()
    common = results[results.method.isin(METHODS)]
    overall = common.groupby("method")[["mase", "smape"]].mean()
    print("Overall, every forecast weighted equally (methods that ran on every series)")
    print(overall.round(3).T, "\n")
    balanced = common.groupby(["frequency", "method"])["mase"].mean().unstack().mean()
    print("Overall MASE, each frequency weighted equally")
    print(balanced.round(3).to_frame("mase").T, "\n")
    singles = [m for m in METHODS if m != "auto"]
    for label, scores in (("forecast-weighted", overall["mase"]), ("frequency-weighted", balanced)):
        best = scores[singles].idxmin()
        versus_snaive = "beats" if scores["auto"] < scores["snaive"] else "DOES NOT beat"
        versus_best = "matches or beats" if scores["auto"] <= scores[best] + 1e-9 else "is WORSE than"
        print(f"[{label}] auto MASE {scores['auto']:.3f} {versus_snaive} snaive {scores['snaive']:.3f} "
              f"and {versus_best} the best single method, {best} {scores[best]:.3f}")
    print("\nInterval coverage (share of actual values inside the 80% and 95% intervals)")
    print(results.groupby("method")[["cover80", "cover95"]].mean().round(3).T)
    print("\nModels auto chose:", results[results.method == "auto"]["model"].value_counts().to_dict())


def report_speed(results: pd.DataFrame, mix: list[tuple[str, pd.Series]]) -> None:
    """Print series per second per method, and the batch-time estimate from the city-like mix."""
    print("\nSpeed on the public series (CPU time of one core)")
    speed = results.groupby("method")["seconds"].agg(["count", "sum"])
    speed["series_per_s"] = speed["count"] / speed["sum"]
    speed["ms_per_series"] = 1000 * speed["sum"] / speed["count"]
    print(speed[["series_per_s", "ms_per_series"]].round(1).T, "\n")
    print("ms per series by frequency")
    print((1000 * results.pivot_table(index="frequency", columns="method", values="seconds")).round(1), "\n")
    timings: dict[str, list[float]] = {}
    for freq, y in mix:
        started = cpu_seconds()
        forecast(y, HORIZON[freq], bounds=(0, None))
        timings.setdefault(freq, []).append(cpu_seconds() - started)
    per_frequency = {str(freq): 1000 * float(np.mean(t)) for freq, t in timings.items()}
    weighted = sum(CITY_MIX[f] * ms for f, ms in per_frequency.items()) / sum(CITY_MIX[f] for f in per_frequency)
    print(f"auto on {len(mix)} synthetic city-like series, ms per series:",
          {f: round(ms, 1) for f, ms in sorted(per_frequency.items())})
    print(f"  catalog-weighted mean {weighted:.1f} ms/series -> {BATCH_SERIES} series on {BATCH_CORES} cores "
          f"~ {BATCH_SERIES * weighted / 1000 / BATCH_CORES:.0f} s (load average now {os.getloadavg()[0]:.1f})")


def demo_series(per_frequency: int) -> list[tuple[str, str, pd.Series]]:
    """City-level series of the demo store (Xiamen, as ``init`` generates it), the first
    ``per_frequency`` indicators of each frequency in catalog order; yearly ones are too short."""
    from datetime import date

    from geo.cities import get_city
    from indicators.catalog import load_catalog
    from indicators.demo import generate_city

    city, wanted, series = get_city("xiamen"), {}, []
    for indicator in load_catalog():
        if indicator.frequency != "yearly" and wanted.get(indicator.frequency, 0) < per_frequency:
            wanted[indicator.frequency] = wanted.get(indicator.frequency, 0) + 1
    picked = {f: [i for i in load_catalog() if i.frequency == f][:n] for f, n in wanted.items()}
    chosen = {i.code: i.frequency for group in picked.values() for i in group}
    for frame in generate_city(load_catalog(), city, end=date(2026, 11, 22)):
        if frame["code"].iat[0] not in chosen:
            continue
        own = frame[frame["adcode"] == city.adcode]
        frequency = chosen[frame["code"].iat[0]]
        values = pd.Series(own["value"].to_numpy(), index=pd.DatetimeIndex(pd.to_datetime(own["period"])))
        alias = {"daily": "D", "weekly": "W-MON", "monthly": "MS", "quarterly": "QS"}[frequency]
        # Late and missing periods stay in as gaps (NaN), as the batch sees them.
        series.append((frame["code"].iat[0], frequency, values.asfreq(alias)))
    return series


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two origins per series and a smaller city mix")
    parser.add_argument("--no-prophet", action="store_true", help="skip Prophet")
    parser.add_argument("--demo", type=int, default=0, metavar="N",
                        help="also score N city-level demo-store series per frequency")
    args = parser.parse_args()
    global EVAL_ORIGINS
    if args.quick:
        EVAL_ORIGINS = 2
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 20)
    started = time.perf_counter()
    series = load_series()
    forecast(series[0][2], 3)  # imports and first-call costs stay out of the timings
    results = evaluate(series, METHODS, prophet=not args.no_prophet)
    print(f"{len(series)} public series from statsmodels {statsmodels.__version__}, offline")
    report_accuracy(results)
    report_speed(results, city_mix(150 if args.quick else 400))
    if args.demo:
        demo = demo_series(args.demo)
        print(f"\n{len(demo)} demo-store series (Xiamen, city level)")
        report_accuracy(evaluate(demo, METHODS, prophet=False))
    print(f"\nbenchmark took {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
