"""A small, real OpenID Connect provider for tests: an HTTP server on 127.0.0.1 (a random port,
in a thread) with discovery, /authorize, /token (RS256-signed ID tokens, PKCE checked),
/userinfo and /jwks. It signs in whoever `provider.email` says, as an identity provider would
after its own sign-in page."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLIENT_ID = "afiss-tracker"
CLIENT_SECRET = "client-secret-for-tests"
KID = "test-key-1"


class Provider:
    def __init__(self, url: str) -> None:
        self.url = url
        self.email = "nobody@example.com"
        self.email_verified = True
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.codes: dict[str, dict] = {}
        self.access_tokens: dict[str, dict] = {}
        self.token_requests: list[dict] = []

    @property
    def discovery_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def discovery(self) -> dict:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "userinfo_endpoint": f"{self.url}/userinfo",
            "jwks_uri": f"{self.url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def jwks(self) -> dict:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": KID, "alg": "RS256", "use": "sig"}]}

    def claims(self) -> dict:
        return {
            "sub": hashlib.sha256(self.email.lower().encode()).hexdigest()[:16],
            "email": self.email,
            "email_verified": self.email_verified,
        }

    def id_token(self, grant: dict) -> str:
        now = int(time.time())
        payload = {
            "iss": self.url,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
            **grant["claims"],
        }
        return jwt.encode(payload, self.key, algorithm="RS256", headers={"kid": KID})


def _pkce_ok(verifier: str, challenge: str | None) -> bool:
    if challenge is None:
        return True
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == challenge


def _handler(provider: Provider):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep test output quiet
            pass

        def _json(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/.well-known/openid-configuration":
                return self._json(200, provider.discovery())
            if url.path == "/jwks":
                return self._json(200, provider.jwks())
            if url.path == "/authorize":
                if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
                    return self._json(400, {"error": "invalid_request"})
                code = secrets.token_urlsafe(16)
                provider.codes[code] = {
                    "nonce": query.get("nonce"),
                    "redirect_uri": query["redirect_uri"],
                    "challenge": query.get("code_challenge"),
                    "claims": provider.claims(),
                }
                back = urlencode({"code": code, "state": query["state"]})
                self.send_response(302)
                self.send_header("Location", f"{query['redirect_uri']}?{back}")
                self.end_headers()
                return None
            if url.path == "/userinfo":
                token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                claims = provider.access_tokens.get(token)
                if claims is None:
                    return self._json(401, {"error": "invalid_token"})
                return self._json(200, claims)
            return self._json(404, {"error": "not_found"})

        def do_POST(self):
            if urlsplit(self.path).path != "/token":
                return self._json(404, {"error": "not_found"})
            length = int(self.headers.get("Content-Length", 0))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            provider.token_requests.append(form)
            grant = provider.codes.pop(form.get("code", ""), None)
            if (
                form.get("client_id") != CLIENT_ID
                or form.get("client_secret") != CLIENT_SECRET
                or grant is None
                or form.get("redirect_uri") != grant["redirect_uri"]
                or not _pkce_ok(form.get("code_verifier", ""), grant["challenge"])
            ):
                return self._json(400, {"error": "invalid_grant"})
            access_token = secrets.token_urlsafe(16)
            provider.access_tokens[access_token] = grant["claims"]
            return self._json(
                200,
                {
                    "access_token": access_token,
                    "token_type": "Bearer",
                    "expires_in": 300,
                    "id_token": provider.id_token(grant),
                },
            )

    return Handler


@contextlib.contextmanager
def oidc_provider():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(None))  # bound first for its port
    provider = Provider(f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = _handler(provider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
