"""Briefing benchmark: seconds for one city's briefing — its data (the view, read from the store outside the web
app, so uncached), its HTML document and its PDF (WeasyPrint) — for the daily, weekly and monthly kinds, in Chinese.

Run: ``.venv/bin/python benchmarks/briefing_bench.py [--database-url URL] [--city xiamen] [--repeat N]``; without a
URL it builds a demo store of the city in a temporary SQLite file (init evaluates the warnings) and routes its
alerts (deadlines, so overdue handling counts), as the scheduler's first tick would.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _pages(pdf: bytes) -> int | str:
    """The PDF's page count by poppler's pdfinfo ("?" without it)."""
    import shutil
    import subprocess

    if shutil.which("pdfinfo") is None:
        return "?"
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, text=False).stdout.decode()
    return int(next((line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")), 0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--city", default="xiamen")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--save", help="a folder to keep each kind's PDF in (to look at)")
    args = parser.parse_args()

    from indicators.bootstrap import init_store
    from indicators.store import db
    from indicators.views.briefing import KINDS, briefing
    from indicators.warnings.notify import notify_tick
    from pages._briefing_parts import document_html
    from pages._briefing_pdf import pdf_bytes

    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url
        if not url:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
            print(f"building a demo store of {args.city} …", flush=True)
            started = time.perf_counter()
            init_store(url, city_keys=(args.city,), seed=20190101, progress=False)
            db.use(url)
            notify_tick()  # init's warnings were routed as they opened; the tick follows their deadlines
            print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
        db.use(url)
        print(f"{'kind':<9}{'data s':>9}{'HTML s':>9}{'PDF s':>9}{'total s':>9}{'PDF kB':>9}{'pages':>7}"
              f"  (median of {args.repeat})")
        for kind in KINDS:
            data, page, pdf, size, pages = [], [], [], 0, 0
            for _ in range(args.repeat):
                now = datetime.now()
                t0 = time.perf_counter()
                made = briefing(args.city, kind, now)
                t1 = time.perf_counter()
                document_html(made, "zh", now)
                t2 = time.perf_counter()
                out = pdf_bytes(made, "zh", now)
                t3 = time.perf_counter()
                data.append(t1 - t0)
                page.append(t2 - t1)
                pdf.append(t3 - t2)
                size, pages = len(out), _pages(out)
            if args.save:
                (Path(args.save) / f"briefing-{args.city}-{kind}.pdf").write_bytes(out)
            row = [statistics.median(x) for x in (data, page, pdf)]
            print(f"{kind:<9}{row[0]:>9.3f}{row[1]:>9.3f}{row[2]:>9.3f}{sum(row):>9.3f}{size / 1024:>9.0f}{pages:>7}",
                  flush=True)
            print(f"  {made.opened} opened, {made.open_total} open, {made.moved_count} moved, "
                  f"{made.forecast_count} forecasts, {made.overdue_count} overdue, {made.late_count} late series",
                  flush=True)


if __name__ == "__main__":
    main()
