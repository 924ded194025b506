"""cognito-local on a free loopback port with the real clock, and the API's environment for it.

The real clock, unlike tests/integration's fake one: the Lambda handler builds its
verifier from the environment exactly as in AWS, so tokens must be current.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local_cognito import server
from tests.integration.conftest import admin_tokens, idp_client


@pytest.fixture
def cognito_local() -> Iterator[server.LocalCognito]:
    with server.LocalCognito(port=0) as running:
        yield running


@pytest.fixture
def api_environment(cognito_local: server.LocalCognito) -> dict[str, str]:
    """The API's variables for the stand-in: the template's, plus the two local overrides."""
    info = cognito_local.info()
    return {
        "COGNITO_USER_POOL_ID": info["user_pool_id"],
        "COGNITO_CLIENT_IDS": info["client_id"],
        "COGNITO_JWKS_URL": info["jwks_url"],
        "COGNITO_IDP_ENDPOINT_URL": info["cognito_idp_endpoint"],
        # The stand-in takes any credentials; in AWS they come from the function's role.
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
    }


def access_token(stand_in: server.LocalCognito, username: str, password: str) -> str:
    """An access token from the stand-in (AdminInitiateAuth: same issuer and key as sign-in)."""
    idp = idp_client(stand_in.url, stand_in.pool.settings.region)
    return str(admin_tokens(idp, stand_in, username, password)["AccessToken"])
