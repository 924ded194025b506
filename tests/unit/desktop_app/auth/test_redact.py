"""Log redaction: every secret the app handles is masked, ordinary text is left alone."""

from __future__ import annotations

import base64
import io
import json
import logging
import secrets
from collections.abc import Iterator

import jwt
import pytest

from desktop_app import logs
from desktop_app.auth import redact

MASK = "[redacted]"


def a_jwt(**claims: object) -> str:
    return jwt.encode(
        {"sub": "0b7f8e0a", "token_use": "access", "scope": "openid email", **claims},
        "k" * 32,
        algorithm="HS256",
    )


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def a_jwe() -> str:
    """A Cognito-style refresh token: a five-part JWE (header.key.iv.ciphertext.tag)."""
    header = b64(json.dumps({"cty": "JWT", "enc": "A256GCM", "alg": "RSA-OAEP"}).encode())
    parts = (secrets.token_bytes(256), secrets.token_bytes(12), secrets.token_bytes(1200))
    return ".".join([header, *(b64(p) for p in parts), b64(secrets.token_bytes(16))])


OPAQUE = secrets.token_urlsafe(48)


def test_a_jwt_anywhere_is_masked() -> None:
    token = a_jwt()
    for line in (token, f"got {token} back", f"({token})", f"'{token}'", f"x={token}"):
        out = redact.redact(line)
        assert token not in out and "eyJ" not in out
        assert MASK in out


def test_several_jwts_on_one_line_are_all_masked() -> None:
    first, second = a_jwt(n=1), a_jwt(n=2)
    out = redact.redact(f"access {first} id {second}")
    assert out == f"access {MASK} id {MASK}"


def test_a_five_part_jwe_refresh_token_is_masked_whole() -> None:
    """Real Cognito refresh tokens are JWEs; masking only the first three parts would
    leave the ciphertext (the bulk of the token) in the log."""
    token = a_jwe()
    out = redact.redact(f"refreshing with {token} now")
    leaked = [len(part) for part in token.split(".") if part in out]
    assert not leaked, f"parts of the token ({leaked} characters) are still in the log"
    assert out == f"refreshing with {MASK} now"


@pytest.mark.parametrize(
    "line",
    [
        "Authorization: Bearer {t}",
        "authorization: bearer {t}",
        "AUTHORIZATION=Bearer {t}",
        "{{'Authorization': 'Bearer {t}', 'Accept': '*/*'}}",
        '{{"Authorization": "Bearer {t}"}}',
        "Authorization: Basic {t}",
    ],
)
def test_authorization_headers_are_masked(line: str) -> None:
    out = redact.redact(line.format(t=OPAQUE))
    assert OPAQUE not in out and MASK in out


@pytest.mark.parametrize(
    "name",
    [
        "code",
        "code_verifier",
        "state",
        "nonce",
        "refresh_token",
        "access_token",
        "id_token",
        "password",
        "client_secret",
    ],
)
def test_secret_query_and_form_parameters_are_masked(name: str) -> None:
    value = secrets.token_urlsafe(32)
    lines = [
        f"{name}={value}",
        f"GET /callback?{name}={value}&other=1 HTTP/1.1",
        f'http://127.0.0.1:53682 "GET /callback?x=1&{name}={value} HTTP/1.1" 200 None',
        f"grant_type=refresh_token&{name}={value}&client_id=abc",
        f"{name.upper()}={value}",
    ]
    for line in lines:
        out = redact.redact(line)
        assert value not in out, line
        assert MASK in out


@pytest.mark.parametrize(
    "name",
    ["refresh_token", "access_token", "id_token", "password", "AccessToken", "RefreshToken"],
)
def test_secret_json_and_repr_fields_are_masked(name: str) -> None:
    value = secrets.token_urlsafe(32)
    for line in (
        json.dumps({name: value, "expires_in": 3600}),
        json.dumps({name: value}, separators=(",", ":")),
        repr({name: value, "token_type": "Bearer"}),
    ):
        out = redact.redact(line)
        assert value not in out, line
        assert "3600" in out or "Bearer" in out or out.endswith("}")


def test_a_code_and_state_in_the_callback_url_are_masked_but_the_path_stays() -> None:
    code, state = secrets.token_urlsafe(24), secrets.token_urlsafe(32)
    line = f'http://127.0.0.1:53682 "GET /callback?code={code}&state={state} HTTP/1.1" 200 1234'
    out = redact.redact(line)
    assert code not in out and state not in out
    assert out == (
        f'http://127.0.0.1:53682 "GET /callback?code={MASK}&state={MASK} HTTP/1.1" 200 1234'
    )


ORDINARY = [
    "signed in as alice",
    "Starting new HTTP connection (1): 127.0.0.1:9229",
    'http://127.0.0.1:9229 "POST /oauth2/token HTTP/1.1" 200 None',
    'http://127.0.0.1:8000 "GET /me HTTP/1.1" 200 87',
    "refresh attempt 1 failed (token endpoint answered HTTP 503); retrying",
    "API answered 401; refreshing the token once and retrying",
    "loopback: listening for http://127.0.0.1:53682/callback",
    "loopback: GET '/callback' -> 200 (authorization code received)",
    "Sessions for profile 'local' are stored in SecretService Keyring",
    "stored session belongs to another app client or pool; removing it",
    "the redirect's state does not match this sign-in",
    "grant_type=refresh_token&client_id=4bvtodp9i0ts3c3b8ln1i5q5sa",
    "",
]


@pytest.mark.parametrize("line", ORDINARY)
def test_ordinary_text_is_left_alone(line: str) -> None:
    assert redact.redact(line) == line


def test_a_logger_named_like_a_secret_does_not_hide_the_first_word_of_its_messages() -> None:
    """The app's format puts ``%(name)s: `` before the message; for the session's logger
    that reads ``...session: signed in``, which must not look like a ``session:`` value."""
    record = logging.LogRecord(
        "desktop_app.auth.session", logging.INFO, __file__, 1, "signed in as %s", ("alice",), None
    )
    for fmt in (logs.FORMAT, "%(levelname)s %(name)s: %(message)s"):
        out = redact.RedactingFormatter(fmt).format(record)
        assert out.endswith("desktop_app.auth.session: signed in as alice"), out


@pytest.fixture
def logger() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(redact.RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
    log = logging.getLogger("tests.redact")
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    log.propagate = False
    yield log, stream
    log.removeHandler(handler)
    log.propagate = True


def test_the_formatter_redacts_the_message_and_its_arguments(
    logger: tuple[logging.Logger, io.StringIO],
) -> None:
    log, stream = logger
    token, refresh = a_jwt(), secrets.token_urlsafe(64)
    log.debug("token response %r", {"access_token": token, "refresh_token": refresh})
    log.info("header Authorization: Bearer %s", token)
    text = stream.getvalue()
    assert token not in text and refresh not in text and "eyJ" not in text
    assert text.count(MASK) >= 3
    assert "token response" in text and "DEBUG tests.redact" in text


def test_the_formatter_redacts_tracebacks(logger: tuple[logging.Logger, io.StringIO]) -> None:
    log, stream = logger
    token, refresh = a_jwt(), secrets.token_urlsafe(64)
    try:
        try:
            raise ValueError(f"bad token {token}")
        except ValueError as inner:
            raise RuntimeError(f"POST failed: refresh_token={refresh}&client_id=c") from inner
    except RuntimeError:
        log.exception("refresh failed")
    text = stream.getvalue()
    assert "Traceback (most recent call last)" in text
    assert "RuntimeError" in text and "ValueError" in text
    assert token not in text and refresh not in text and "eyJ" not in text


def test_the_formatter_redacts_stack_info(logger: tuple[logging.Logger, io.StringIO]) -> None:
    log, stream = logger
    token = a_jwt()
    log.warning("at %s", f"code={token}", stack_info=True)
    text = stream.getvalue()
    assert "Stack (most recent call last)" in text
    assert token not in text
