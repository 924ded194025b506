"""The stand-in over real HTTP on a free loopback port, with an injectable clock; the
protected API in front of it; the app's session bridge signed in to both.

tests/security and tests/e2e import these fixtures rather than copying them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from local_cognito import server, settings
from protected_api import app as api_app
from protected_api import server as api_server
from protected_api import settings as api_settings_mod
from protected_api import verifier
from tests.support import app_env, clock, relying_party, scripted_browser, stand_in_fixtures
from tests.support.fixtures import deferred_deletes, fresh_discovery  # noqa: F401 - fixtures
from tests.support.person import Person

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from desktop_app.auth import store
    from desktop_app.qt import bridge as qt_bridge

REDIRECT_URI = relying_party.REDIRECT_URI

# Fixtures shared with other suites (pytest finds fixtures by the names bound here).
fake_clock = stand_in_fixtures.fake_clock
pool_settings = stand_in_fixtures.pool_settings


def pool_settings_on(ports: list[int]) -> settings.PoolSettings:
    """The pool's settings with its callback and logout URLs on ``ports``: a suite that
    uses these instead of the fixed defaults (53682-53684) never competes with another
    run on a shared machine for them."""
    return settings.PoolSettings(
        callback_urls=tuple(settings.callback_urls(tuple(ports))),
        logout_urls=tuple(settings.logout_urls(tuple(ports))),
        require_pkce=True,  # the project's strict mode, as stand_in_fixtures.pool_settings
    )


@pytest.fixture
def stand_in(
    fake_clock: clock.FakeClock, pool_settings: settings.PoolSettings
) -> Iterator[server.LocalCognito]:
    """The stand-in on ``pool_settings``, always in strict PKCE mode (``require_pkce``),
    whatever a module's ``pool_settings`` says: every sign-in in these suites proves that
    the app sends PKCE. A test of Cognito's default (PKCE optional) starts its own."""
    config = dataclasses.replace(pool_settings, require_pkce=True)
    with server.LocalCognito(port=0, now=fake_clock, config=config) as running:
        yield running


def idp_client(endpoint_url: str, region: str) -> Any:
    """A boto3 cognito-idp client for a stand-in at ``endpoint_url`` (it takes any
    credentials; the API's role supplies real ones in AWS)."""
    return boto3.client(
        "cognito-idp",
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


@pytest.fixture
def idp(stand_in: server.LocalCognito) -> Any:
    """A boto3 cognito-idp client pointed at the stand-in, as the API configures it."""
    return idp_client(stand_in.url, stand_in.pool.settings.region)


@pytest.fixture
def browser(stand_in: server.LocalCognito) -> scripted_browser.ScriptedBrowser:
    return scripted_browser.ScriptedBrowser(stand_in.url)


@pytest.fixture
def auth_request(stand_in: server.LocalCognito) -> scripted_browser.AuthRequest:
    return scripted_browser.AuthRequest(stand_in.pool.client_id, REDIRECT_URI)


@pytest.fixture
def api_settings(stand_in: server.LocalCognito) -> api_settings_mod.Settings:
    """The protected API configured for the stand-in, exactly as for a real pool
    except the JWKS URL and the cognito-idp endpoint."""
    info = stand_in.info()
    return api_settings_mod.Settings.from_env(
        {
            "COGNITO_USER_POOL_ID": info["user_pool_id"],
            "COGNITO_CLIENT_IDS": info["client_id"],
            "COGNITO_JWKS_URL": info["jwks_url"],
            "COGNITO_IDP_ENDPOINT_URL": info["cognito_idp_endpoint"],
        }
    )


@pytest.fixture
def api(
    stand_in: server.LocalCognito,
    api_settings: api_settings_mod.Settings,
    fake_clock: clock.FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[api_server.ApiServer]:
    """The protected API on a free loopback port, on the same clock as the stand-in."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    check = verifier.CognitoJwtVerifier.create(
        issuer=api_settings.issuer,
        client_ids=api_settings.client_ids,
        token_use="access",
        jwks_url=api_settings.jwks_url,
        now=fake_clock,
    )
    with api_server.ApiServer(api_app.create_app(api_settings, token_verifier=check)) as running:
        yield running


def admin_tokens(
    idp: Any, stand_in: server.LocalCognito, username: str, password: str
) -> dict[str, Any]:
    """Tokens for a user through AdminInitiateAuth (fast; same issuer and key as managed login)."""
    result = idp.admin_initiate_auth(
        UserPoolId=stand_in.pool.id,
        ClientId=stand_in.pool.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    return dict(result["AuthenticationResult"])


def stored_session(
    idp: Any, stand_in: server.LocalCognito, username: str = "alice"
) -> store.StoredSession:
    """A stored session as sign-in would leave it for a demo user, from AdminInitiateAuth
    (fast; same issuer and key as managed login)."""
    import jwt

    from desktop_app.auth import store

    result = admin_tokens(idp, stand_in, username, app_env.password(username))
    claims = jwt.decode(result["IdToken"], options={"verify_signature": False})
    return store.StoredSession(
        refresh_token=result["RefreshToken"],
        username=claims["cognito:username"],
        sub=claims["sub"],
        client_id=stand_in.pool.client_id,
        issuer=stand_in.info()["issuer"],
        saved_at=0.0,
    )


@pytest.fixture
def alice_stored(idp: Any, stand_in: server.LocalCognito) -> store.StoredSession:
    """alice's session as a store holds it after she signed in."""
    return stored_session(idp, stand_in)


@pytest.fixture
def process_env(
    stand_in: server.LocalCognito,
    api: api_server.ApiServer,
    secret_service: dict[str, str],
    tmp_path: Path,
) -> Callable[..., dict[str, str]]:
    """``process_env(username="alice", **extra)``: the environment of a ``cognito-desktop``
    child process on the stand-in, the API and the real Secret Service
    (:func:`tests.support.app_env.environment`, under ``tmp_path``)."""

    def make(username: str = "alice", **extra: str) -> dict[str, str]:
        return app_env.environment(
            stand_in, api.url, secret_service, tmp_path, username=username, **extra
        )

    return make


@pytest.fixture(scope="session")
def secret_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A real Secret Service for the whole run; the env a client process needs."""
    from tests.support import secret_service as secret_service_mod

    lacking = secret_service_mod.missing()
    if lacking:
        pytest.skip(
            f"no Secret Service here (apt install dbus gnome-keyring): missing {', '.join(lacking)}"
        )
    with secret_service_mod.running(tmp_path_factory.mktemp("secret-service")) as env:
        yield env


# -- the app's session bridge -------------------------------------------------------------


def make_bridge(
    stand_in: server.LocalCognito,
    api: api_server.ApiServer | None,
    person: Person | str = "alice",
    token_store: store.TokenStore | None = None,
    **kwargs: Any,
) -> qt_bridge.SessionBridge:
    """A bridge over a new Session for the stand-in's profile (API: ``api``, or none), in a
    memory store unless ``token_store``; ``person`` is who is at the browser (a name: that
    demo user, signing in)."""
    from desktop_app.auth import session, store
    from desktop_app.qt import bridge as qt_bridge

    if isinstance(person, str):
        person = Person(stand_in.url, person, app_env.password(person))
    current = session.Session(
        app_env.profile(stand_in, api.url if api is not None else None),
        token_store=token_store or store.MemoryStore(warning=None),
        open_browser=person.open,
    )
    return qt_bridge.SessionBridge(current, **kwargs)


def sign_in(qtbot: QtBot, subject: qt_bridge.SessionBridge, timeout_ms: int = 20_000) -> None:
    """Sign in through the bridge and wait until it says so."""
    with qtbot.waitSignal(subject.signedIn, timeout=timeout_ms):
        subject.sign_in()


@pytest.fixture
def admin_bridge(
    qtbot: QtBot, stand_in: server.LocalCognito, api: api_server.ApiServer
) -> Iterator[qt_bridge.SessionBridge]:
    """Signed in as the seeded admin through managed login, like the app; shut down after."""
    subject = make_bridge(stand_in, api, "admin")
    sign_in(qtbot, subject)
    assert subject.is_admin()
    yield subject
    subject.shutdown()
