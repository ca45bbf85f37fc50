"""A real OpenID provider on loopback for the single sign-on tests: pyop (IdentityPython's OP library, used by
SATOSA) behind a small Flask app served by werkzeug in a thread. It signs ID tokens with its own RSA key,
publishes discovery and JWKS, exchanges codes (PKCE checked), answers userinfo and ends sessions (RP-initiated
logout). The person "at the keyboard" is the one the test names (``provider.person``): the provider's own login
form is the only part left out.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import threading
from pathlib import Path
from urllib.parse import urlencode

import flask
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from Cryptodome.PublicKey import RSA
from jwkest.jwk import RSAKey
from oic.oic.message import EndSessionRequest
from pyop.authz_state import AuthorizationState
from pyop.provider import Provider
from pyop.subject_identifier import HashBasedSubjectIdentifierFactory
from pyop.userinfo import Userinfo
from pyop.util import should_fragment_encode
from werkzeug.serving import make_server

CLIENT_ID, CLIENT_SECRET = "cityvitals", "loopback-client-secret-0123456789"


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made now (OpenID Connect wants an HTTPS issuer)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                                  critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "op.pem", folder / "op.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


class LoopbackProvider:
    """The OP at ``self.issuer`` (HTTPS with a certificate of its own, ``self.certificate``); ``users`` are user
    id → claims; ``person`` is who signs in next."""

    def __init__(self, app_base: str, users: dict[str, dict], folder: Path):
        self.certificate, key_file = self_signed_certificate(folder)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.certificate, key_file)
        self.server = make_server("127.0.0.1", 0, self._app(), ssl_context=context)
        self.issuer = f"https://127.0.0.1:{self.server.server_port}"
        self.users, self.person, self.signed_out = dict(users), None, []
        configuration = {
            "issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token", "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks", "end_session_endpoint": f"{self.issuer}/logout",
            "response_types_supported": ["code"], "subject_types_supported": ["public"],
            "scopes_supported": ["openid", "profile", "email", "cityvitals"], "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "grant_types_supported": ["authorization_code"]}
        clients = {CLIENT_ID: {"client_secret": CLIENT_SECRET, "response_types": ["code"],
                               "redirect_uris": [f"{app_base}/login/oidc/callback"],
                               "post_logout_redirect_uris": [f"{app_base}/login"],
                               "token_endpoint_auth_method": "client_secret_basic"}}
        self.provider = Provider(RSAKey(key=RSA.generate(2048), alg="RS256", kid="loopback"), configuration,
                                 AuthorizationState(HashBasedSubjectIdentifierFactory("salt")), clients,
                                 Userinfo(self.users), extra_scopes={"cityvitals": ["groups", "city", "districts"]})
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _app(self) -> flask.Flask:
        app = flask.Flask("loopback-op")

        @app.route("/.well-known/openid-configuration")
        def discovery():
            return flask.jsonify(self.provider.provider_configuration.to_dict())

        @app.route("/jwks")
        def jwks():
            return flask.jsonify(self.provider.jwks)

        @app.route("/authorize")
        def authorize():
            request = self.provider.parse_authentication_request(urlencode(flask.request.args))
            answer = self.provider.authorize(request, self.person)
            return flask.redirect(answer.request(request["redirect_uri"], should_fragment_encode(request)))

        @app.route("/token", methods=["POST"])
        def token():
            answer = self.provider.handle_token_request(flask.request.get_data(as_text=True), flask.request.headers)
            return flask.Response(answer.to_json(), mimetype="application/json")

        @app.route("/userinfo", methods=["GET", "POST"])
        def userinfo():
            answer = self.provider.handle_userinfo_request(flask.request.get_data(as_text=True),
                                                           flask.request.headers)
            return flask.Response(answer.to_json(), mimetype="application/json")

        @app.route("/logout")
        def logout():
            request = EndSessionRequest().deserialize(urlencode(flask.request.args))
            self.provider.logout_user(end_session_request=request)
            self.signed_out.append(request.get("id_token_hint"))
            target = self.provider.do_post_logout_redirect(request)
            return flask.redirect(target) if target else "signed out"

        return app

    def __enter__(self) -> LoopbackProvider:
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.server.shutdown()
        self.thread.join(5)
