"""The channels a notification leaves by: e-mail over SMTP and webhooks.

* **e-mail** — ``smtplib`` with STARTTLS (verified against the system's CAs or ``CITYVITALS_SMTP_CA_FILE``) and
  login when a user is configured; attachments (the briefing's PDF) as MIME parts.
* **钉钉 group robot** (``dingtalk``) — ``{"msgtype": "text"|"markdown", …}``; with a secret, the URL carries
  ``timestamp`` (ms) and ``sign`` = Base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}")), as DingTalk defines it.
* **企业微信 group robot** (``wecom``) — ``{"msgtype": "text"|"markdown", …}``; the robot is addressed by the key in
  its URL (WeCom robots define no signature).
* **一网统管 event platform** (``platform``) — the event as generic JSON, signed like the inbound webhook:
  headers ``X-CityVitals-Timestamp`` (seconds) and ``X-CityVitals-Signature`` = hex HMAC-SHA256(secret,
  f"{timestamp}.{body}").

A robot answering ``{"errcode": n}`` with n ≠ 0 has refused the message: that counts as a failed attempt.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from email.message import EmailMessage

WEBHOOK_KINDS = ("dingtalk", "wecom", "platform")
MESSAGE_FORMATS = ("text", "markdown")
TIMEOUT_SECONDS = 10


class DeliveryError(RuntimeError):
    """A channel did not take the message; the text says why (kept with the attempt)."""


def send_email(settings, *, to: str, subject: str, body: str, attachment: tuple[str, bytes] | None = None) -> None:
    """Send one e-mail through the configured SMTP server.

    Raises:
        DeliveryError: no server configured, or the server refused or could not be reached.
    """
    if not settings.smtp_host:
        raise DeliveryError("no SMTP server configured (CITYVITALS_SMTP_HOST)")
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.smtp_sender, to, subject
    message.set_content(body)
    if attachment is not None:
        name, data = attachment
        message.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_SECONDS) as smtp:
            if settings.smtp_starttls:
                context = ssl.create_default_context(cafile=settings.smtp_ca_file or None)
                smtp.starttls(context=context)
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"SMTP {settings.smtp_host}:{settings.smtp_port}: {exc}") from exc


def dingtalk_signed_url(url: str, secret: str, now: float | None = None) -> str:
    """The robot's URL with DingTalk's ``timestamp`` and ``sign`` parameters."""
    timestamp = str(round((time.time() if now is None else now) * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"


def platform_signature(secret: str, timestamp: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``{timestamp}.{body}``: how the platform's calls are signed, both ways."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def robot_payload(kind: str, msg_format: str, title: str, text: str) -> dict:
    """The JSON a 钉钉 or 企业微信 robot expects for a text or markdown message."""
    if msg_format == "text":
        return {"msgtype": "text", "text": {"content": f"{title}\n{text}"}}
    if kind == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": title, "text": f"### {title}\n\n{text}"}}
    return {"msgtype": "markdown", "markdown": {"content": f"### {title}\n{text}"}}


def send_webhook(kind: str, url: str, secret: str, payload: dict) -> None:
    """POST ``payload`` as JSON to a webhook of ``kind``, signed as that kind defines.

    Raises:
        DeliveryError: unreachable, an HTTP error, or a robot's non-zero ``errcode``.
    """
    body = json.dumps(payload, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if kind == "dingtalk" and secret:
        url = dingtalk_signed_url(url, secret)
    elif kind == "platform" and secret:
        timestamp = str(int(time.time()))
        headers.update({"X-CityVitals-Timestamp": timestamp,
                        "X-CityVitals-Signature": platform_signature(secret, timestamp, body)})
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            answer = response.read()
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"{kind} webhook answered HTTP {exc.code}") from exc
    except (OSError, ValueError) as exc:
        raise DeliveryError(f"{kind} webhook unreachable: {exc}") from exc
    if kind in ("dingtalk", "wecom"):
        try:
            errcode = json.loads(answer or b"{}").get("errcode", 0)
        except ValueError:
            raise DeliveryError(f"{kind} robot answered something that is not JSON") from None
        if errcode:
            raise DeliveryError(f"{kind} robot refused the message: errcode {errcode}")


REPLAY_WINDOW_SECONDS = 300


def check_platform_call(secret: str, timestamp: str, signature: str, body: bytes, now: float | None = None) -> str:
    """Why a signed call from the platform is refused, or "" when its signature is right and its timestamp
    within ``REPLAY_WINDOW_SECONDS`` of ``now`` (seconds since the epoch)."""
    if not secret:
        return "inbound webhook not configured (CITYVITALS_INBOUND_WEBHOOK_SECRET)"
    if not timestamp.isdigit():
        return "missing or malformed X-CityVitals-Timestamp"
    if abs((time.time() if now is None else now) - int(timestamp)) > REPLAY_WINDOW_SECONDS:
        return "timestamp outside the replay window"
    if not hmac.compare_digest(platform_signature(secret, timestamp, body), signature or ""):
        return "bad signature"
    return ""
