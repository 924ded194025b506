"""One full scripted sign-in through managed login, in ms.

A sign-in is what the desktop app and a person's browser do together, over plain HTTP
on loopback: GET /oauth2/authorize (302) -> GET /login (the form) -> POST /login with
the credentials (302 to the app's callback with ``code``) -> POST /oauth2/token with
the PKCE ``code_verifier``. Each repetition uses a new ``ScriptedBrowser`` (no SSO
cookie) and a new PKCE pair; the app's token client is one kept-alive session.

Baselines in the same run, interleaved with the sign-ins so drift hits all alike:

* boto3 ``admin_initiate_auth`` (ADMIN_USER_PASSWORD_AUTH) for the same user: tokens
  in one cognito-idp call, no browser;
* ``requests`` GET ``/healthz``: one trivial round trip to the same server.

Run: ``python -m bench.sign_in [--quick] [--users N]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Sequence
from typing import Any

import requests

from bench import _common as common
from local_cognito import server, settings
from tests.support import scripted_browser

USERNAME = "alice"
PASSWORD = "Alice-Passw0rd!"
REDIRECT_URI = settings.callback_urls()[0]
# authorize (302), GET /login, POST /login (302 to the callback), POST /oauth2/token
EXPECTED_REQUESTS = 4


@dataclasses.dataclass(frozen=True)
class SignIn:
    """Seconds for each phase of one sign-in, and the HTTP requests it made."""

    open_form: float  # authorize + login form
    submit: float  # POST credentials -> callback with code
    token: float  # POST /oauth2/token
    requests: int

    @property
    def total(self) -> float:
        return self.open_form + self.submit + self.token


def sign_in_once(base_url: str, client_id: str, app_http: requests.Session) -> SignIn:
    """One sign-in; raises if any step does not do what a real sign-in does."""
    browser = scripted_browser.ScriptedBrowser(base_url)
    request = scripted_browser.AuthRequest(client_id, REDIRECT_URI)
    counted: list[str] = []

    def count(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        counted.append(response.request.method or "")

    browser.http.hooks["response"].append(count)
    try:
        t0 = time.perf_counter()
        page = browser.open(request)
        t1 = time.perf_counter()
        if isinstance(page, str):
            raise RuntimeError("authorize skipped the login form: a new browser had a session")
        callback = browser.submit(page, username=USERNAME, password=PASSWORD)
        t2 = time.perf_counter()
        if not isinstance(callback, str):
            raise RuntimeError(f"sign-in did not redirect: {callback.status} {callback.error}")
        params = scripted_browser.callback_params(callback)
        if params.get("state") != request.state or "code" not in params:
            raise RuntimeError(f"bad callback: {sorted(params)}")
        response = app_http.post(
            f"{base_url}/oauth2/token",
            timeout=common.TIMEOUT_S,
            data={
                "grant_type": "authorization_code",
                "client_id": client_id,
                "code": params["code"],
                "redirect_uri": REDIRECT_URI,
                "code_verifier": request.verifier,
            },
        )
        t3 = time.perf_counter()
    finally:
        browser.http.close()
    response.raise_for_status()
    body = response.json()
    missing = {"access_token", "id_token", "refresh_token"} - set(body)
    if missing:
        raise RuntimeError(f"token response lacks {sorted(missing)}")
    return SignIn(t1 - t0, t2 - t1, t3 - t2, len(counted) + 1)


def _add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--users",
        type=int,
        default=0,
        help="synthetic users in the pool besides the demo users (default 0)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = common.parse_args(__doc__.splitlines()[0] if __doc__ else "", argv, _add_options)
    reps = 10 if args.quick else 100
    warmup = 2 if args.quick else 5
    common.print_header("sign_in: one full scripted sign-in", args.quick)

    with server.LocalCognito(port=0, users=args.users) as running:
        base_url = running.url
        client_id = running.pool.client_id
        idp = common.idp_client(base_url)
        app_http = requests.Session()
        health_http = requests.Session()

        def admin_auth() -> None:
            result = idp.admin_initiate_auth(
                UserPoolId=running.pool.id,
                ClientId=client_id,
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": USERNAME, "PASSWORD": PASSWORD},
            )
            if "IdToken" not in result.get("AuthenticationResult", {}):
                raise RuntimeError("admin_initiate_auth returned no tokens")

        def health() -> None:
            health_http.get(f"{base_url}/healthz", timeout=common.TIMEOUT_S).raise_for_status()

        for _ in range(warmup):
            sign_in_once(base_url, client_id, app_http)
            admin_auth()
            health()

        runs: list[SignIn] = []
        admin_s: list[float] = []
        health_s: list[float] = []
        for _ in range(reps):
            runs.append(sign_in_once(base_url, client_id, app_http))
            admin_s.append(common.timed(admin_auth))
            health_s.append(common.timed(health))
        user_count = len(running.pool.pool.users)
        app_http.close()
        health_http.close()

    total = common.Stats.of([r.total for r in runs])
    admin = common.Stats.of(admin_s)
    healthz = common.Stats.of(health_s)
    per_sign_in = EXPECTED_REQUESTS
    print(
        f"user {USERNAME!r} in a pool of {user_count} users; {reps} sign-ins after {warmup} "
        f"warm-up; {per_sign_in} HTTP requests per sign-in."
    )
    print()

    common.print_table(
        ["what", *common.STATS_HEADER],
        [
            common.stats_row("full scripted sign-in", total),
            common.stats_row(
                "  authorize + login form (2 GETs)", common.Stats.of([r.open_form for r in runs])
            ),
            common.stats_row(
                "  POST credentials -> code", common.Stats.of([r.submit for r in runs])
            ),
            common.stats_row(
                "  POST /oauth2/token (PKCE)", common.Stats.of([r.token for r in runs])
            ),
            common.stats_row("baseline: boto3 admin_initiate_auth", admin),
            common.stats_row("baseline: requests GET /healthz", healthz),
        ],
    )
    common.print_table(
        ["ratio", "value"],
        [
            [
                "median sign-in / median admin_initiate_auth",
                common.ratio(total.median, admin.median),
            ],
            ["median sign-in / median /healthz", common.ratio(total.median, healthz.median)],
            [
                f"median sign-in / ({per_sign_in} x median /healthz)",
                common.ratio(total.median, per_sign_in * healthz.median),
            ],
        ],
    )

    common.record(
        "scripted sign-in over HTTP (median)",
        total.median * 1000,
        admin.median * 1000,
        unit="ms",
        baseline_name="boto3 admin_initiate_auth",
        target=None,
        passed=None,
    )
    print("No speed goal is stated for sign-in yet; these figures are the baseline.")
    ok = common.check_goal(
        f"every sign-in returned tokens in {EXPECTED_REQUESTS} HTTP requests",
        all(r.requests == EXPECTED_REQUESTS for r in runs),
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
