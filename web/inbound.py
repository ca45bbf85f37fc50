"""``POST /api/platform/events``: the city's 一网统管 event platform reports how an alert is being handled
(``accepted``, ``handling``, ``done``), which moves the alert (and the rest of its group).

No sign-in: the call is signed. Headers ``X-CityVitals-Timestamp`` (seconds) and ``X-CityVitals-Signature`` (hex
HMAC-SHA256 of ``{timestamp}.{body}`` with ``CITYVITALS_INBOUND_WEBHOOK_SECRET``); a timestamp more than five
minutes off, a wrong signature or the same call again is refused with 401 and audited. Body:
``{"alert_id": 12, "state": "done", "comment": "已处置", "platform": "xm-ywtg"}``.
"""

from __future__ import annotations

import json
from datetime import datetime

import flask
from flask import Blueprint, jsonify, request

from indicators.accounts.audit import record
from indicators.warnings.channels import check_platform_call
from indicators.warnings.notify import PlatformReportError, accept_receipt, platform_report

blueprint = Blueprint("inbound", __name__)
PATH = "/api/platform/events"


def _refused(reason: str):
    record("webhook_refused", target=PATH, detail={"reason": reason}, user="platform")
    return jsonify(error=reason), 401


@blueprint.route(PATH, methods=["POST"])
def platform_events():
    """Verify the platform's signed report and move the alert."""
    settings = flask.current_app.config["CITYVITALS_SETTINGS"]
    body = request.get_data()
    signature = request.headers.get("X-CityVitals-Signature", "")
    reason = check_platform_call(settings.inbound_webhook_secret, request.headers.get("X-CityVitals-Timestamp", ""),
                                 signature, body)
    if reason:
        return _refused(reason)
    if not accept_receipt(signature, datetime.now()):
        return _refused("replayed call")
    try:
        report = json.loads(body)
        alert_id, state = int(report["alert_id"]), str(report["state"])
    except (ValueError, KeyError, TypeError):
        return jsonify(error='expected JSON {"alert_id": int, "state": "accepted|handling|done"}'), 400
    try:
        moved = platform_report(alert_id, state, platform=str(report.get("platform") or "一网统管"),
                                comment=str(report.get("comment") or ""))
    except PlatformReportError as exc:
        return jsonify(error=str(exc)), 409
    return jsonify(moved=moved)
