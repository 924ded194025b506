"""A stand-in pool in this process (moto's backend, no HTTP), on a clock the test moves;
managed login as a Flask test client over it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from local_cognito import pool as pool_mod
from local_cognito import seed, settings, web
from tests.support import clock, scripted_browser, stand_in_fixtures

# Fixtures shared with other suites (pytest finds fixtures by the names bound here).
fake_clock = stand_in_fixtures.fake_clock
pool_settings = stand_in_fixtures.pool_settings


@pytest.fixture
def pool(
    fake_clock: clock.FakeClock, pool_settings: settings.PoolSettings
) -> Iterator[pool_mod.LocalPool]:
    """An empty pool and its app client; removed from moto's backend afterwards."""
    made = pool_mod.LocalPool(pool_settings, now=fake_clock)
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def demo_pool(pool: pool_mod.LocalPool) -> pool_mod.LocalPool:
    """The pool with the demo users ``cognito-local up`` seeds."""
    seed.seed_demo(pool)
    return pool


BASE_URL = "http://127.0.0.1:9229"


@pytest.fixture
def login(demo_pool: pool_mod.LocalPool) -> web.ManagedLogin:
    """Managed login's state for the demo pool, as if served at :data:`BASE_URL`."""
    return web.ManagedLogin(demo_pool, lambda: BASE_URL)


@pytest.fixture
def client(login: web.ManagedLogin) -> FlaskClient:
    """The managed-login Flask app's test client: one browser, cookies kept, no server."""
    return web.create_app(login).test_client()


@pytest.fixture
def auth_request(demo_pool: pool_mod.LocalPool) -> scripted_browser.AuthRequest:
    return scripted_browser.AuthRequest(demo_pool.client_id, settings.callback_urls()[0])


def sign_in(
    client: FlaskClient,
    request: scripted_browser.AuthRequest,
    username: str = "alice",
    password: str = "Alice-Passw0rd!",
) -> str:
    """Managed login in ``client``: authorize, the sign-in form, the redirect back. The
    redirect's URL (the app's callback with ``code`` and ``state``)."""
    to_form = client.get("/oauth2/authorize", query_string=request.params())
    assert to_form.status_code == 302, to_form.text
    form_url = to_form.headers["Location"]
    assert client.get(form_url).status_code == 200
    csrf = client.get_cookie(web.CSRF_COOKIE)
    assert csrf is not None
    done = client.post(
        form_url, data={"_csrf": csrf.value, "username": username, "password": password}
    )
    assert done.status_code == 302, done.text
    return str(done.headers["Location"])
