"""Locust users of the load test: analysts who walk the pages and big screens that refresh.

Run by ``benchmarks/load_test.py``, which prepares the store, the accounts, the server and the workload
file (the exact callback bodies, see its docstring) and passes them in the environment:

* ``CITYVITALS_LOAD_WORKLOAD``: the workload file (JSON);
* ``CITYVITALS_LOAD_ANALYSTS``, ``CITYVITALS_LOAD_SCREENS``: how many of each;
* ``CITYVITALS_LOAD_THINK``: the analysts' think time between actions, ``MIN,MAX`` seconds;
* ``CITYVITALS_LOAD_SCREEN_INTERVAL``: seconds between two refreshes of a screen;
* ``CITYVITALS_LOAD_WARMUP``: seconds after the last user has started at which the figures start afresh,
  so they leave out the sign-ins and the first visits to a cold cache; what the warm-up counted goes to
  the JSON file ``CITYVITALS_LOAD_WARMUP_REPORT``.

A request fails when it answers anything but 200, or when its body carries the notice a page shows when
the store is down or the viewer may not see what was asked (the workload only asks for what its
accounts may see, so a refusal means the test is wrong).
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import gevent
from gevent.pool import Group
from locust import FastHttpUser, between, constant, events, task

CALLBACK = "/_dash-update-component"
HEADERS = {"Content-Type": "application/json", "Accept-Encoding": "gzip, deflate, br"}
# The store-down notice (zh, en) and the refusal notice of pages/_i18n.py.
FAILURE_MARKS = ("数据暂不可用", "Data temporarily unavailable", "该内容不存在,或您无权查看", "Not found, or not yours to see")
WORKLOAD = json.loads(Path(os.environ["CITYVITALS_LOAD_WORKLOAD"]).read_text())
THINK = tuple(float(part) for part in os.environ.get("CITYVITALS_LOAD_THINK", "0.1,0.5").split(","))
SCREEN_INTERVAL = float(os.environ.get("CITYVITALS_LOAD_SCREEN_INTERVAL", "5"))
WARMUP = float(os.environ.get("CITYVITALS_LOAD_WARMUP", "60"))


@events.init.add_listener
def reset_figures_after_warmup(environment, **_kwargs) -> None:
    """Once every user has started, wait ``WARMUP`` seconds (sign-ins, a cold cache), then write what the
    warm-up counted (failures must not go unseen) and start the figures afresh."""

    def reset() -> None:
        stats = environment.stats
        Path(os.environ["CITYVITALS_LOAD_WARMUP_REPORT"]).write_text(json.dumps({
            "requests": stats.total.num_requests, "failures": stats.total.num_failures,
            "errors": [f"{error.occurrences} × {error.name}: {error.error}" for error in stats.errors.values()]},
            ensure_ascii=False))
        stats.reset_all()

    environment.events.spawning_complete.add_listener(lambda **_: gevent.spawn_later(WARMUP, reset))


def think() -> None:
    """An analyst reading what just arrived before the next click."""
    gevent.sleep(random.uniform(*THINK))


class SignedInUser(FastHttpUser):
    """A browser session: signs in through the login form once, then posts callbacks with its cookie."""

    abstract = True
    account = ""

    def on_start(self) -> None:
        login = self.client.get("/login", name="login-page")
        token = login.text.split('name="csrf_token" value="', 1)[-1].split('"', 1)[0]
        form = {"username": WORKLOAD["accounts"][self.account], "password": WORKLOAD["password"],
                "csrf_token": token, "next": "/"}
        with self.client.post("/login", data=form, name="login", allow_redirects=False,
                              catch_response=True) as answer:
            if answer.status_code != 302:
                answer.failure(f"sign-in answered {answer.status_code}")

    def call(self, name: str, body: dict) -> None:
        """One callback request, as the browser posts it; fails on a non-200 or a failure notice."""
        with self.client.post(CALLBACK, data=json.dumps(body), headers=HEADERS, name=name,
                              catch_response=True) as answer:
            if answer.status_code != 200:
                answer.failure(f"HTTP {answer.status_code}: {(answer.text or '')[:200]}")
                return
            text = answer.text
            mark = next((mark for mark in FAILURE_MARKS if mark in text), None)
            if mark:
                answer.failure(f"answer carries the notice {mark!r}")

    def act(self, action: list[list[list]]) -> None:
        """One user action: its steps one after the other, each step's callbacks at once (as Dash sends
        the callbacks that do not wait for each other)."""
        for step in action:
            group = Group()
            for name, body in step:
                group.spawn(self.call, name, body)
            group.join()


class Analyst(SignedInUser):
    """Opens a page (weighted by how often analysts open each kind), then takes its interactions."""

    account = "analyst"
    wait_time = between(*THINK)

    @task
    def visit(self) -> None:
        visits = WORKLOAD["analyst"]["visits"]
        kinds = list(WORKLOAD["analyst"]["weights"])
        kind = random.choices(kinds, weights=[WORKLOAD["analyst"]["weights"][k] for k in kinds])[0]
        actions = random.choice(visits[kind])
        for number, action in enumerate(actions):
            if number:
                think()
            self.act(action)


class Screen(SignedInUser):
    """Opens the big screen of one city (rotating through its topic screens), then refreshes it."""

    account = "screen"
    wait_time = constant(SCREEN_INTERVAL)

    def on_start(self) -> None:
        super().on_start()
        self.screen = random.choice(WORKLOAD["screen"])
        self.tick = 0
        self.act(self.screen["open"])

    @task
    def refresh(self) -> None:
        self.tick += 1
        body = json.loads(json.dumps(self.screen["refresh"][self.tick % len(self.screen["refresh"])]))
        body["inputs"][0]["value"] = self.tick  # the refresh interval's counter, as the browser sends it
        self.call("screen", body)


Analyst.fixed_count = int(os.environ.get("CITYVITALS_LOAD_ANALYSTS", "50"))
Screen.fixed_count = int(os.environ.get("CITYVITALS_LOAD_SCREENS", "10"))
