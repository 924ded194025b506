"""Managed login's account pages through the Flask test client: sign-up and its code,
the bare confirmation link, forgot password, and TOTP MFA after the password (a code, or
enrolment in a pool that requires MFA)."""

from __future__ import annotations

import html
import re
import urllib.parse
from typing import Any

import jwt
import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from local_cognito import lifecycle, qr, seed, settings, totp, web
from local_cognito import pool as pool_mod
from tests.support import clock
from tests.support.scripted_browser import AuthRequest, callback_params

PASSWORD = "Carol-Passw0rd!"
EMAIL = "carol@example.com"
SCRIPT = "<script>alert(1)</script>"


# -- a browser on the managed-login pages -------------------------------------------------------


def query(request: AuthRequest) -> str:
    return urllib.parse.urlencode(request.params())


def open_page(client: FlaskClient, path: str, request: AuthRequest, **extra: str) -> TestResponse:
    """GET a page with the authorize request's query (sets the CSRF cookie)."""
    url = f"{path}?{query(request)}"
    if extra:
        url += "&" + urllib.parse.urlencode(extra)
    page = client.get(url)
    assert page.status_code == 200, page.text
    return page


def csrf(client: FlaskClient) -> str:
    cookie = client.get_cookie(web.CSRF_COOKIE)
    assert cookie is not None
    return cookie.value


def post(client: FlaskClient, path: str, request: AuthRequest, **form: str) -> TestResponse:
    """POST a form with the CSRF token from the cookie, as the page's form does."""
    return client.post(f"{path}?{query(request)}", data={"_csrf": csrf(client), **form})


def forge(client: FlaskClient, path: str, request: AuthRequest, **form: str) -> TestResponse:
    """POST a form with a token that is not the cookie's (a cross-site request)."""
    return client.post(f"{path}?{query(request)}", data={"_csrf": "forged", **form})


def challenge_of(page: TestResponse) -> str:
    found = re.search(r'name="challenge" value="([^"]*)"', page.text)
    assert found is not None, page.text
    return found.group(1)


def alert(page: TestResponse) -> str | None:
    found = re.search(r'role="alert">(.*?)</p>', page.text, re.S)
    return html.unescape(found.group(1)) if found else None


def notice(page: TestResponse) -> str | None:
    found = re.search(r'role="status">(.*?)</p>', page.text, re.S)
    return html.unescape(found.group(1)) if found else None


def latest_code(pool: pool_mod.LocalPool, username: str, kind: str = "verification") -> str:
    codes = [m.code for m in pool.outbox.messages(username=username) if m.kind == kind]
    assert codes and codes[-1] is not None, f"no {kind} message for {username}"
    return codes[-1]


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def redeem(client: FlaskClient, request: AuthRequest, location: str) -> dict[str, Any]:
    """The app's half: the callback's code for tokens at /oauth2/token."""
    params = callback_params(location)
    assert location.startswith(request.redirect_uri + "?")
    assert params["state"] == request.state
    answer = client.post(
        "/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "client_id": request.client_id,
            "code": params["code"],
            "redirect_uri": request.redirect_uri,
            "code_verifier": request.verifier,
        },
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json or {})


def claims(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def signed_in_as(client: FlaskClient, request: AuthRequest, location: str) -> str:
    """Whose tokens the callback's code redeems for."""
    return str(claims(redeem(client, request, location)["id_token"])["cognito:username"])


def password_page(
    client: FlaskClient, request: AuthRequest, username: str, password: str
) -> TestResponse:
    open_page(client, "/login", request)
    return post(client, "/login", request, username=username, password=password)


def sign_up(client: FlaskClient, request: AuthRequest, username: str = "carol") -> TestResponse:
    open_page(client, "/signup", request)
    return post(
        client,
        "/signup",
        request,
        username=username,
        email=EMAIL,
        password=PASSWORD,
        confirm_password=PASSWORD,
    )


def assert_locked_down(page: TestResponse) -> None:
    assert page.mimetype == "text/html"
    for name, value in web._PAGE_HEADERS.items():
        assert page.headers[name] == value


@pytest.fixture
def fresh_client(login: web.ManagedLogin) -> FlaskClient:
    """A second browser on the same managed login (no cookies shared)."""
    return web.create_app(login).test_client()


# -- the links on the sign-in page ----------------------------------------------------------------


def test_the_sign_in_page_links_to_sign_up_and_forgot_password(
    client: FlaskClient, auth_request: AuthRequest
) -> None:
    page = open_page(client, "/login", auth_request)
    q = html.escape(query(auth_request))
    assert f'<a href="/signup?{q}">Sign up</a>' in page.text
    assert f'<a href="/forgotPassword?{q}">Forgot your password?</a>' in page.text
    for path in ("/signup", "/forgotPassword"):
        assert_locked_down(open_page(client, path, auth_request))


@pytest.mark.parametrize(
    "pool_settings", [settings.PoolSettings(require_pkce=True, self_sign_up=False)]
)
def test_without_self_sign_up_there_is_no_sign_up(
    client: FlaskClient, auth_request: AuthRequest, demo_pool: pool_mod.LocalPool
) -> None:
    page = open_page(client, "/login", auth_request)
    assert "/signup?" not in page.text and "Sign up" not in page.text
    assert "Forgot your password?" in page.text
    refused = client.get(f"/signup?{query(auth_request)}")
    assert refused.status_code == 403
    assert_locked_down(refused)
    assert lifecycle.SIGN_UP_DISABLED in refused.text
    posted = post(
        client,
        "/signup",
        auth_request,
        username="carol",
        email=EMAIL,
        password=PASSWORD,
        confirm_password=PASSWORD,
    )
    assert posted.status_code == 403
    assert "carol" not in demo_pool.pool.users
    assert demo_pool.outbox.messages(username="carol") == []


def test_the_account_pages_check_the_authorize_request(
    client: FlaskClient, auth_request: AuthRequest
) -> None:
    auth_request.redirect_uri = "http://evil.example/callback"
    for path in ("/signup", "/confirm", "/forgotPassword"):
        answer = client.get(f"{path}?{query(auth_request)}")
        assert (answer.status_code, answer.headers["Location"]) == (
            302,
            "/error?error=redirect_mismatch",
        )


# -- sign-up -------------------------------------------------------------------------------------


def test_sign_up_confirm_and_continue_to_the_app(
    client: FlaskClient,
    auth_request: AuthRequest,
    demo_pool: pool_mod.LocalPool,
    login: web.ManagedLogin,
) -> None:
    page = sign_up(client, auth_request)
    assert page.status_code == 200
    assert notice(page) == web.CODE_SENT
    assert "Confirm your account" in page.text
    assert_locked_down(page)
    carol = demo_pool.pool.users["carol"]
    assert carol.status.value == "UNCONFIRMED"
    code = latest_code(demo_pool, "carol")
    cid = challenge_of(page)
    wrong = post(client, "/confirm", auth_request, challenge=cid, code=other_code(code))
    assert alert(wrong) == lifecycle.CODE_MISMATCH
    assert challenge_of(wrong) == cid
    done = post(client, "/confirm", auth_request, challenge=cid, code=code)
    assert done.status_code == 302
    location = done.headers["Location"]
    assert carol.status.value == "CONFIRMED"
    assert carol.attribute_lookup["email_verified"] == "true"
    assert login.challenges == {}
    tokens = redeem(client, auth_request, location)
    id_claims = claims(tokens["id_token"])
    assert id_claims["cognito:username"] == "carol"
    assert id_claims["email"] == EMAIL and id_claims["email_verified"] is True
    assert id_claims["nonce"] == auth_request.nonce
    assert claims(tokens["access_token"])["sub"] == carol.id
    # Signed in: the managed-login session answers the next authorize request.
    again = client.get("/oauth2/authorize", query_string=auth_request.params())
    assert "code" in callback_params(again.headers["Location"])


def test_sign_up_refusals_keep_the_form_and_create_nothing(
    client: FlaskClient, auth_request: AuthRequest, demo_pool: pool_mod.LocalPool
) -> None:
    open_page(client, "/signup", auth_request)
    fields = {"username": "carol", "email": EMAIL, "password": PASSWORD}
    cases = [
        ({**fields, "confirm_password": "Other-Passw0rd!"}, web.PASSWORDS_DIFFER),
        ({**fields, "password": "weak", "confirm_password": "weak"}, pool_mod.PASSWORD_POLICY),
        (
            {**fields, "username": "alice", "confirm_password": PASSWORD},
            lifecycle.USER_EXISTS,
        ),
        (
            {**fields, "email": "nope", "confirm_password": PASSWORD},
            "Invalid email address format.",
        ),
    ]
    for form, message in cases:
        page = post(client, "/signup", auth_request, **form)
        assert page.status_code == 400
        assert alert(page) == message
        assert f'value="{form["username"]}"' in page.text  # typed values kept
        assert "Sign up" in page.text
    assert "carol" not in demo_pool.pool.users
    assert demo_pool.outbox.messages(username="carol") == []
    # The retry with good input works.
    page = post(client, "/signup", auth_request, **fields, confirm_password=PASSWORD)
    assert page.status_code == 200 and notice(page) == web.CODE_SENT


def test_a_new_code_replaces_the_old_one(
    client: FlaskClient, auth_request: AuthRequest, demo_pool: pool_mod.LocalPool
) -> None:
    page = sign_up(client, auth_request)
    cid = challenge_of(page)
    old = latest_code(demo_pool, "carol")
    assert f'action="/resendcode?{html.escape(query(auth_request))}"' in page.text
    resent = post(client, "/resendcode", auth_request, challenge=cid)
    assert resent.status_code == 200 and notice(resent) == web.CODE_SENT
    assert len(demo_pool.outbox.messages(username="carol")) == 2
    new = latest_code(demo_pool, "carol")
    if new != old:
        refused = post(client, "/confirm", auth_request, challenge=cid, code=old)
        assert alert(refused) == lifecycle.CODE_MISMATCH
    done = post(client, "/confirm", auth_request, challenge=cid, code=new)
    assert done.status_code == 302


def test_five_wrong_codes_need_a_new_code(
    client: FlaskClient, auth_request: AuthRequest, demo_pool: pool_mod.LocalPool
) -> None:
    page = sign_up(client, auth_request)
    cid = challenge_of(page)
    code = latest_code(demo_pool, "carol")
    for _ in range(5):
        post(client, "/confirm", auth_request, challenge=cid, code=other_code(code))
    limited = post(client, "/confirm", auth_request, challenge=cid, code=code)
    assert alert(limited) == lifecycle.ATTEMPTS_EXCEEDED
    post(client, "/resendcode", auth_request, challenge=cid)
    done = post(
        client, "/confirm", auth_request, challenge=cid, code=latest_code(demo_pool, "carol")
    )
    assert done.status_code == 302


def test_an_expired_code_says_so(
    client: FlaskClient,
    auth_request: AuthRequest,
    demo_pool: pool_mod.LocalPool,
    fake_clock: clock.FakeClock,
) -> None:
    sign_up(client, auth_request)
    code = latest_code(demo_pool, "carol")
    fake_clock.advance(24 * 3600 + 1)
    # The page's own state is long gone too: the bare form, which names the user.
    page = open_page(client, "/confirm", auth_request, username="carol")
    refused = post(client, "/confirm", auth_request, challenge="", username="carol", code=code)
    assert refused.status_code == 400
    assert alert(refused) == lifecycle.CODE_EXPIRED
    assert 'name="username"' in page.text


def test_a_bare_confirmation_link_confirms_but_does_not_sign_in(
    client: FlaskClient,
    fresh_client: FlaskClient,
    auth_request: AuthRequest,
    demo_pool: pool_mod.LocalPool,
    login: web.ManagedLogin,
) -> None:
    sign_up(client, auth_request)
    code = latest_code(demo_pool, "carol")
    page = open_page(fresh_client, "/confirm", auth_request, username="carol")
    assert_locked_down(page)
    assert 'value="carol"' in page.text and "Send a new code" not in page.text
    wrong = post(
        fresh_client,
        "/confirm",
        auth_request,
        challenge="",
        username="carol",
        code=other_code(code),
    )
    assert wrong.status_code == 400 and alert(wrong) == lifecycle.CODE_MISMATCH
    done = post(fresh_client, "/confirm", auth_request, challenge="", username="carol", code=code)
    assert done.status_code == 200
    assert notice(done) == web.ACCOUNT_CONFIRMED
    assert 'name="password"' in done.text  # the sign-in form
    assert demo_pool.pool.users["carol"].status.value == "CONFIRMED"
    assert login.sessions == {}
    assert fresh_client.get_cookie(web.SESSION_COOKIE) is None
    after = fresh_client.get("/oauth2/authorize", query_string=auth_request.params())
    assert after.headers["Location"].startswith("/login?")


def test_an_unconfirmed_user_signing_in_is_asked_for_the_code(
    client: FlaskClient,
    fresh_client: FlaskClient,
    auth_request: AuthRequest,
    demo_pool: pool_mod.LocalPool,
) -> None:
    sign_up(client, auth_request)
    wrong_password = password_page(fresh_client, auth_request, "carol", "Wrong-Passw0rd!")
    assert wrong_password.status_code == 400
    assert alert(wrong_password) == pool_mod.BAD_CREDENTIALS
    assert len(demo_pool.outbox.messages(username="carol")) == 1
    page = password_page(fresh_client, auth_request, "carol", PASSWORD)
    assert page.status_code == 200 and "Confirm your account" in page.text
    assert notice(page) == web.CODE_SENT
    assert len(demo_pool.outbox.messages(username="carol")) == 2  # a new code was sent
    done = post(
        fresh_client,
        "/confirm",
        auth_request,
        challenge=challenge_of(page),
        code=latest_code(demo_pool, "carol"),
    )
    assert done.status_code == 302
    assert signed_in_as(fresh_client, auth_request, done.headers["Location"]) == "carol"


# -- forgot password ------------------------------------------------------------------------------


def test_forgot_password_then_signed_in(
    client: FlaskClient, auth_request: AuthRequest, demo_pool: pool_mod.LocalPool
) -> None:
    open_page(client, "/forgotPassword", auth_request)
    page = post(client, "/forgotPassword", auth_request, username="alice")
    assert page.status_code == 200 and notice(page) == web.CODE_SENT
    assert_locked_down(page)
    cid = challenge_of(page)
    code = latest_code(demo_pool, "alice", "password_reset")
    fields = {"challenge": cid, "new_password": "New-Passw0rd!"}
    wrong = post(
        client,
        "/confirmforgotPassword",
        auth_request,
        **fields,
        code=other_code(code),
        confirm_password="New-Passw0rd!",
    )
    assert alert(wrong) == lifecycle.CODE_MISMATCH
    differ = post(
        client,
        "/confirmforgotPassword",
        auth_request,
        **fields,
        code=code,
        confirm_password="Other-Passw0rd!",
    )
    assert alert(differ) == web.PASSWORDS_DIFFER
    weak = post(
        client,
        "/confirmforgotPassword",
        auth_request,
        challenge=cid,
        code=code,
        new_password="weak",
        confirm_password="weak",
    )
    assert alert(weak) == pool_mod.PASSWORD_POLICY
    done = post(
        client,
        "/confirmforgotPassword",
        auth_request,
        **fields,
        code=code,
        confirm_password="New-Passw0rd!",
    )
    assert done.status_code == 302
    assert demo_pool.pool.users["alice"].password == "New-Passw0rd!"
    assert signed_in_as(client, auth_request, done.headers["Location"]) == "alice"


def test_forgot_password_by_email_alias(
    client: FlaskClient, auth_request: AuthRequest, demo_pool: pool_mod.LocalPool
) -> None:
    open_page(client, "/forgotPassword", auth_request)
    page = post(client, "/forgotPassword", auth_request, username="alice@example.com")
    done = post(
        client,
        "/confirmforgotPassword",
        auth_request,
        challenge=challenge_of(page),
        code=latest_code(demo_pool, "alice", "password_reset"),
        new_password="New-Passw0rd!",
        confirm_password="New-Passw0rd!",
    )
    assert done.status_code == 302
    assert demo_pool.pool.users["alice"].password == "New-Passw0rd!"


def test_an_unknown_user_sees_the_same_page(
    client: FlaskClient, auth_request: AuthRequest, demo_pool: pool_mod.LocalPool
) -> None:
    open_page(client, "/forgotPassword", auth_request)
    known = post(client, "/forgotPassword", auth_request, username="alice")
    before = len(demo_pool.outbox.messages())
    unknown = post(client, "/forgotPassword", auth_request, username="nobody")
    assert unknown.status_code == known.status_code == 200
    assert notice(unknown) == notice(known) == web.CODE_SENT

    def shape(page: TestResponse, name: str) -> str:
        return re.sub(r'value="[^"]*"', 'value=""', page.text).replace(name, "NAME")

    assert shape(unknown, "nobody") == shape(known, "alice")
    assert len(demo_pool.outbox.messages()) == before
    refused = post(
        client,
        "/confirmforgotPassword",
        auth_request,
        challenge=challenge_of(unknown),
        code="123456",
        new_password="New-Passw0rd!",
        confirm_password="New-Passw0rd!",
    )
    assert alert(refused) == lifecycle.CODE_MISMATCH


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("", web.USERNAME_REQUIRED),
        ("newbie", lifecycle.RESET_NOT_ALLOWED),
        ("dora", lifecycle.USER_DISABLED),
    ],
)
def test_forgot_password_refusals(
    client: FlaskClient,
    auth_request: AuthRequest,
    demo_pool: pool_mod.LocalPool,
    username: str,
    message: str,
) -> None:
    open_page(client, "/forgotPassword", auth_request)
    page = post(client, "/forgotPassword", auth_request, username=username)
    assert page.status_code == 400 and alert(page) == message
    assert "Forgot your password?" in page.text
    assert [m for m in demo_pool.outbox.messages() if m.kind == "password_reset"] == []


def test_a_reset_for_a_totp_user_still_asks_for_a_code(
    client: FlaskClient,
    auth_request: AuthRequest,
    demo_pool: pool_mod.LocalPool,
    fake_clock: clock.FakeClock,
) -> None:
    open_page(client, "/forgotPassword", auth_request)
    page = post(client, "/forgotPassword", auth_request, username="tom")
    mfa = post(
        client,
        "/confirmforgotPassword",
        auth_request,
        challenge=challenge_of(page),
        code=latest_code(demo_pool, "tom", "password_reset"),
        new_password="New-Passw0rd!",
        confirm_password="New-Passw0rd!",
    )
    assert mfa.status_code == 200 and "Multi-factor authentication" in mfa.text
    code = totp.code(seed.DEMO_TOTP_SECRET, fake_clock())
    done = post(client, "/login", auth_request, challenge=challenge_of(mfa), code=code)
    assert done.status_code == 302


# -- TOTP after the password -------------------------------------------------------------------


def test_the_totp_user_enters_a_code_after_the_password(
    client: FlaskClient,
    fresh_client: FlaskClient,
    auth_request: AuthRequest,
    fake_clock: clock.FakeClock,
    login: web.ManagedLogin,
) -> None:
    page = password_page(client, auth_request, "tom", "Tom-Passw0rd!")
    assert page.status_code == 200 and "Multi-factor authentication" in page.text
    assert_locked_down(page)
    assert login.sessions == {}  # not signed in yet
    cid = challenge_of(page)
    right = totp.code(seed.DEMO_TOTP_SECRET, fake_clock())
    wrong = post(client, "/login", auth_request, challenge=cid, code=other_code(right))
    assert alert(wrong) == lifecycle.MFA_CODE_MISMATCH
    done = post(client, "/login", auth_request, challenge=cid, code=right)
    assert done.status_code == 302
    assert signed_in_as(client, auth_request, done.headers["Location"]) == "tom"
    # A second sign-in within the step: the same code is refused as used.
    again = password_page(fresh_client, auth_request, "tom", "Tom-Passw0rd!")
    replay = post(fresh_client, "/login", auth_request, challenge=challenge_of(again), code=right)
    assert replay.status_code == 200
    assert alert(replay) == lifecycle.MFA_CODE_REUSED
    assert "already been used once" in replay.text
    fake_clock.advance(totp.STEP_S)
    next_code = totp.code(seed.DEMO_TOTP_SECRET, fake_clock())
    signed_in = post(
        fresh_client, "/login", auth_request, challenge=challenge_of(again), code=next_code
    )
    assert signed_in.status_code == 302


def test_five_wrong_totp_codes_end_the_sign_in(
    client: FlaskClient,
    auth_request: AuthRequest,
    fake_clock: clock.FakeClock,
    login: web.ManagedLogin,
) -> None:
    page = password_page(client, auth_request, "tom", "Tom-Passw0rd!")
    cid = challenge_of(page)
    right = totp.code(seed.DEMO_TOTP_SECRET, fake_clock())
    for _ in range(web.MAX_MFA_ATTEMPTS - 1):
        wrong = post(client, "/login", auth_request, challenge=cid, code=other_code(right))
        assert wrong.status_code == 200 and alert(wrong) == lifecycle.MFA_CODE_MISMATCH
    ended = post(client, "/login", auth_request, challenge=cid, code=other_code(right))
    assert ended.status_code == 400
    assert alert(ended) == web.SESSION_EXPIRED
    assert 'name="password"' in ended.text
    assert cid not in login.challenges
    # The right code is no use on the ended attempt.
    late = post(client, "/login", auth_request, challenge=cid, code=right)
    assert late.status_code == 400 and alert(late) == web.SESSION_EXPIRED
    assert login.sessions == {}


def test_the_code_page_lasts_three_minutes(
    client: FlaskClient, auth_request: AuthRequest, fake_clock: clock.FakeClock
) -> None:
    page = password_page(client, auth_request, "tom", "Tom-Passw0rd!")
    fake_clock.advance(settings.CHALLENGE_LIFETIME_S)
    late = post(
        client,
        "/login",
        auth_request,
        challenge=challenge_of(page),
        code=totp.code(seed.DEMO_TOTP_SECRET, fake_clock()),
    )
    assert late.status_code == 400 and alert(late) == web.SESSION_EXPIRED


@pytest.mark.parametrize("pool_settings", [settings.PoolSettings(require_pkce=True, mfa="ON")])
def test_a_required_mfa_pool_enrols_alice_at_sign_in(
    client: FlaskClient,
    auth_request: AuthRequest,
    demo_pool: pool_mod.LocalPool,
    fake_clock: clock.FakeClock,
) -> None:
    page = password_page(client, auth_request, "alice", "Alice-Passw0rd!")
    assert page.status_code == 200 and "Set up multi-factor authentication" in page.text
    assert_locked_down(page)
    found = re.search(r'<p class="secret" id="secret">([A-Z2-7 ]+)</p>', page.text)
    assert found is not None
    secret = found.group(1).replace(" ", "")
    assert secret == demo_pool.accounts.pending_secret("alice")
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", found.group(1))
    # The QR code is inline SVG (the page's CSP loads nothing) of the otpauth:// URI.
    assert "<svg" in page.text and "<img" not in page.text
    uri = totp.provisioning_uri(secret, "alice", settings.TOTP_ISSUER)
    assert qr.svg(uri) in page.text
    cid = challenge_of(page)
    right = totp.code(secret, fake_clock())
    wrong = post(client, "/login", auth_request, challenge=cid, code=other_code(right))
    assert alert(wrong) == lifecycle.TOTP_VERIFY_MISMATCH
    assert "<svg" in wrong.text and found.group(1) in wrong.text  # same secret shown again
    done = post(client, "/login", auth_request, challenge=cid, code=right)
    assert done.status_code == 302
    alice = demo_pool.backend.admin_get_user(demo_pool.id, "alice").to_json(extended=True)
    assert alice["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    assert alice["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
    assert signed_in_as(client, auth_request, done.headers["Location"]) == "alice"


@pytest.mark.parametrize("pool_settings", [settings.PoolSettings(require_pkce=True, mfa="ON")])
def test_a_confirmed_sign_up_in_a_required_mfa_pool_enrols_next(
    client: FlaskClient, auth_request: AuthRequest, demo_pool: pool_mod.LocalPool
) -> None:
    page = sign_up(client, auth_request)
    setup = post(
        client,
        "/confirm",
        auth_request,
        challenge=challenge_of(page),
        code=latest_code(demo_pool, "carol"),
    )
    assert setup.status_code == 200 and "Set up multi-factor authentication" in setup.text


# -- CSRF and escaping ---------------------------------------------------------------------------


def test_every_account_form_wants_the_csrf_token(
    client: FlaskClient, auth_request: AuthRequest, demo_pool: pool_mod.LocalPool
) -> None:
    page = sign_up(client, auth_request)
    cid = challenge_of(page)
    code = latest_code(demo_pool, "carol")
    forged = [
        (
            "/signup",
            {
                "username": "dave",
                "email": "dave@example.com",
                "password": PASSWORD,
                "confirm_password": PASSWORD,
            },
        ),
        ("/confirm", {"challenge": cid, "code": code}),
        ("/confirm", {"challenge": "", "username": "carol", "code": code}),
        ("/resendcode", {"challenge": cid}),
        ("/forgotPassword", {"username": "alice"}),
    ]
    messages = len(demo_pool.outbox.messages())
    for path, form in forged:
        answer = forge(client, path, auth_request, **form)
        assert answer.status_code == 400, path
        assert alert(answer) == web.SESSION_EXPIRED, path
    assert "dave" not in demo_pool.pool.users
    assert demo_pool.pool.users["carol"].status.value == "UNCONFIRMED"
    assert len(demo_pool.outbox.messages()) == messages
    # With the token, the same confirmation goes through.
    assert post(client, "/confirm", auth_request, challenge=cid, code=code).status_code == 302


def test_the_reset_and_mfa_steps_want_the_csrf_token(
    client: FlaskClient,
    auth_request: AuthRequest,
    demo_pool: pool_mod.LocalPool,
    fake_clock: clock.FakeClock,
) -> None:
    open_page(client, "/forgotPassword", auth_request)
    page = post(client, "/forgotPassword", auth_request, username="alice")
    forged = forge(
        client,
        "/confirmforgotPassword",
        auth_request,
        challenge=challenge_of(page),
        code=latest_code(demo_pool, "alice", "password_reset"),
        new_password="New-Passw0rd!",
        confirm_password="New-Passw0rd!",
    )
    assert forged.status_code == 400 and alert(forged) == web.SESSION_EXPIRED
    assert demo_pool.pool.users["alice"].password == "Alice-Passw0rd!"
    mfa = password_page(client, auth_request, "tom", "Tom-Passw0rd!")
    code = totp.code(seed.DEMO_TOTP_SECRET, fake_clock())
    refused = forge(client, "/login", auth_request, challenge=challenge_of(mfa), code=code)
    assert refused.status_code == 400 and alert(refused) == web.SESSION_EXPIRED
    # The forged post did not spend tom's code.
    done = post(client, "/login", auth_request, challenge=challenge_of(mfa), code=code)
    assert done.status_code == 302


def test_markup_in_a_username_is_escaped(
    client: FlaskClient,
    fresh_client: FlaskClient,
    auth_request: AuthRequest,
    demo_pool: pool_mod.LocalPool,
) -> None:
    escaped = html.escape(SCRIPT)
    # A refused sign-up shows the typed name back in the form.
    open_page(client, "/signup", auth_request)
    refused = post(
        client,
        "/signup",
        auth_request,
        username=SCRIPT,
        email=f'"><svg onload=alert(1)>{EMAIL}',
        password="weak",
        confirm_password="weak",
    )
    assert refused.status_code == 400
    assert SCRIPT not in refused.text and escaped in refused.text
    assert "<svg onload" not in refused.text
    # A sign-up with it (no spaces: a valid Cognito username) shows it on the code page.
    page = sign_up(client, auth_request, SCRIPT)
    assert page.status_code == 200, alert(page)
    assert SCRIPT not in page.text and escaped in page.text
    bare = open_page(fresh_client, "/confirm", auth_request, username=SCRIPT)
    assert SCRIPT not in bare.text and escaped in bare.text
    open_page(fresh_client, "/forgotPassword", auth_request)
    forgot = post(fresh_client, "/forgotPassword", auth_request, username=SCRIPT)
    assert SCRIPT not in forgot.text and escaped in forgot.text
    # The outbox page shows it escaped as well.
    outbox = fresh_client.get("/outbox")
    assert SCRIPT not in outbox.text


def test_a_post_without_the_csrf_cookie_or_field_is_refused(
    fresh_client: FlaskClient, auth_request: AuthRequest, demo_pool: pool_mod.LocalPool
) -> None:
    # A browser that never loaded the form: no cookie, no field.
    fields = {"username": "dave", "email": "dave@example.com", "password": PASSWORD}
    answer = fresh_client.post(
        f"/signup?{query(auth_request)}", data={**fields, "confirm_password": PASSWORD}
    )
    assert answer.status_code == 400 and alert(answer) == web.SESSION_EXPIRED
    open_page(fresh_client, "/signup", auth_request)  # the cookie alone is not enough
    answer = fresh_client.post(
        f"/signup?{query(auth_request)}",
        data={**fields, "confirm_password": PASSWORD, "_csrf": ""},
    )
    assert answer.status_code == 400 and alert(answer) == web.SESSION_EXPIRED
    assert "dave" not in demo_pool.pool.users
