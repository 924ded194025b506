"""The updated issuer format (issue 16): a pool whose tokens say
``https://issuer-cognito-idp.{region}.amazonaws.com/{poolId}`` signs in and refreshes
end to end, as ``cognito-local up --issuer-format updated`` runs it, and a profile that
expects the classic issuer refuses its tokens."""

from __future__ import annotations

from collections.abc import Iterator

import jwt
import pytest

from desktop_app import config, errors
from desktop_app.auth import session, store
from local_cognito import server, settings
from tests.support import app_env, clock
from tests.support.person import Person

TIMEOUT = 10


@pytest.fixture
def updated(fake_clock: clock.FakeClock) -> Iterator[server.LocalCognito]:
    with server.LocalCognito(
        port=0, now=fake_clock, config=settings.PoolSettings(issuer_format="updated")
    ) as running:
        yield running


def test_a_pool_on_the_updated_issuer_signs_in_and_refreshes(
    updated: server.LocalCognito,
) -> None:
    profile = app_env.profile(updated)
    assert profile.issuer == (
        f"https://issuer-cognito-idp.{profile.region}.amazonaws.com/{profile.user_pool_id}"
    )
    person = Person(updated.url)
    current = session.Session(profile, token_store=store.MemoryStore(), open_browser=person.open)
    assert current.sign_in(timeout=TIMEOUT).username == "alice"
    assert person.settle() == []
    claims = jwt.decode(current.id_token(), options={"verify_signature": False})
    assert claims["iss"] == profile.issuer
    current.refresh()  # the refreshed ID token is checked against the same issuer
    assert current.identity is not None and current.identity.username == "alice"


def test_a_profile_expecting_the_classic_issuer_refuses_the_updated_pool(
    updated: server.LocalCognito,
) -> None:
    values = app_env.profile_values(updated)
    values.pop("issuer_format", None)
    classic = config.parse_profile("classic", values)
    assert "//cognito-idp." in classic.issuer
    current = session.Session(
        classic, token_store=store.MemoryStore(), open_browser=Person(updated.url).open
    )
    with pytest.raises(errors.DiscoveryError, match="issuer"):
        current.sign_in(timeout=TIMEOUT)
