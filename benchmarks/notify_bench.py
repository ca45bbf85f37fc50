"""Notification benchmark: routing 1,000 new alerts (rules, deadlines, groups, silences, the outbox) and
delivering their messages through a real SMTP server (STARTTLS, login) and a real webhook receiver on loopback.

Run ``python benchmarks/notify_bench.py`` (``--alerts`` to change the count). The store is the tests' mini
catalog for Xiamen in a temporary SQLite file with an address book of one mailbox per department, a duty officer
for red warnings and the city's event platform; the alerts are written as the warnings engine writes them, then
``route_new_alerts`` and the scheduler's ``notify_tick`` (200 messages per tick) run until the outbox is empty.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indicators.store import db  # noqa: E402
from indicators.store.models import Alert, AlertEvent, IndicatorDef, Notification  # noqa: E402
from indicators.warnings.notify import notify_tick, route_new_alerts  # noqa: E402
from indicators.warnings.routing import add_channel, add_contact, add_rule  # noqa: E402
from settings import get_settings  # noqa: E402
from tests.store._mini import XIAMEN, create_mini_store  # noqa: E402
from tests.support.loopback import Receiver, start_mail_server  # noqa: E402

LEVELS = ("blue", "yellow", "orange", "red")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        mail, controller = start_mail_server(Path(tmp))
        receiver = Receiver()
        url = f"sqlite:///{tmp}/bench.db"
        db.use(url)
        create_mini_store(url)
        with db.transaction() as session:
            departments = sorted({d for d in session.query(IndicatorDef.department)})
            codes = [c for (c,) in session.query(IndicatorDef.code)]
        for i, (department,) in enumerate(departments):
            add_contact(email=f"dept{i}@xm.gov.cn", role="mailbox", department=department, city_key="xiamen",
                        clearance="restricted")
        add_contact(email="duty@xm.gov.cn", role="mailbox", department="总值班室", city_key="xiamen")
        add_channel("一网统管", kind="platform", url=f"{receiver.url}/events", secret="bench", city_key="xiamen",
                    clearance="restricted")
        add_rule("xiamen", name="红色值班", min_level="red", departments="总值班室", stop=False)
        areas = [XIAMEN.adcode, *(d.adcode for d in XIAMEN.districts)]
        now = datetime.now()
        with db.transaction() as session:
            alerts = [Alert(indicator_code=codes[i % len(codes)], area_adcode=areas[i % len(areas)], rule="threshold",
                            level=LEVELS[i % 4], state="new", department="", sentence_zh=f"预警 {i}",
                            sentence_en=f"warning {i}", period=date(2020, 1, 1) + timedelta(days=i // len(areas)),
                            opened_at=now, updated_at=now) for i in range(args.alerts)]
            for alert, code in zip(alerts, (a.indicator_code for a in alerts)):
                alert.department = session.get(IndicatorDef, code).department
            session.add_all(alerts)
            session.flush()
            session.add_all(AlertEvent(alert_id=a.id, at=now, user="system", action="open", to_state="new",
                                       comment=a.sentence_zh) for a in alerts)
            started = time.perf_counter()
            written = route_new_alerts(session, alerts, now)
            routed = time.perf_counter() - started
        settings = replace(get_settings(), **mail.settings())
        started, ticks = time.perf_counter(), 0
        while True:
            ticks += 1
            report = notify_tick(now=now, settings=settings)
            if report.delivery.sent == 0:
                break
        delivered = time.perf_counter() - started
        with db.transaction() as session:
            sent = session.query(Notification).filter(Notification.status == "sent").count()
        controller.stop()
        receiver.shutdown()
        print(f"routed {args.alerts} alerts → {written} notifications in {routed:.2f} s "
              f"({routed / args.alerts * 1000:.2f} ms per alert)")
        print(f"delivered {sent} ({len(mail.inbox)} e-mails over STARTTLS, {len(receiver.calls)} webhook calls) "
              f"in {delivered:.2f} s over {ticks} ticks ({delivered / max(sent, 1) * 1000:.1f} ms per message)")


if __name__ == "__main__":
    main()
