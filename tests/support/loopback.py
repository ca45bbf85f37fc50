"""Real servers on loopback for the notification tests: an SMTP server (aiosmtpd) that requires STARTTLS with a
certificate from a throwaway CA (trustme) and a login, and an HTTP receiver (http.server) that records the
webhook calls it gets, or answers 500 while ``failing``."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import ssl
import threading
import urllib.parse
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

SMTP_USER, SMTP_PASSWORD = "cityvitals", "s3cret-mail-pass"


def free_port() -> int:
    """A port nothing listens on (bound and released at once): a receiver that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Handler:
    def __init__(self, inbox: list) -> None:
        self.inbox = inbox

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        self.inbox.append((tuple(envelope.rcpt_tos), message, bool(session.ssl), session.authenticated))
        return "250 OK"


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        SMTP_USER.encode(), SMTP_PASSWORD.encode())
    return AuthResult(success=ok)


@dataclass
class MailServer:
    """A running SMTP server; ``inbox`` holds (recipients, message, over TLS, authenticated) per mail."""

    port: int
    ca_file: Path
    inbox: list = field(default_factory=list)

    def to(self, address: str) -> list:
        """The messages delivered to ``address``."""
        return [message for recipients, message, *_ in self.inbox if address in recipients]

    def settings(self) -> dict:
        """The settings that send through this server."""
        return {"smtp_host": "127.0.0.1", "smtp_port": self.port, "smtp_starttls": True, "smtp_user": SMTP_USER,
                "smtp_password": SMTP_PASSWORD, "smtp_ca_file": str(self.ca_file),
                "smtp_sender": "cityvitals@xm.gov.cn"}


def start_mail_server(tmp_dir: Path) -> tuple[MailServer, Controller]:
    """Start the SMTP server (STARTTLS required, login required) on a free loopback port."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca_file = tmp_dir / "smtp-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    server = MailServer(free_port(), ca_file)
    controller = Controller(_Handler(server.inbox), hostname="127.0.0.1", port=server.port, tls_context=context,
                            require_starttls=True, auth_required=True, authenticator=_authenticator)
    controller.start()
    return server, controller


@dataclass
class Call:
    """One request the receiver got."""

    path: str
    query: dict
    headers: Message  # case-insensitive, as HTTP headers are
    raw: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.raw)


class Receiver(ThreadingHTTPServer):
    """An HTTP server on loopback that records every POST; answers 500 while ``failing``."""

    daemon_threads = True

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.failing = False
        super().__init__(("127.0.0.1", 0), _ReceiverHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def at(self, path: str) -> list[Call]:
        return [call for call in self.calls if call.path == path]


class _ReceiverHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        parsed = urllib.parse.urlsplit(self.path)
        if self.server.failing:
            self.send_response(500)
            self.end_headers()
            return
        self.server.calls.append(Call(parsed.path, dict(urllib.parse.parse_qsl(parsed.query)), self.headers,
                                      raw))
        body = b'{"errcode": 0, "errmsg": "ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass
