"""boto3 ``cognito-idp`` adapter for the admin routes (skeleton; see routes/admin.py)."""

from __future__ import annotations

from typing import Any

import boto3
import botocore.config

from protected_api import settings


class CognitoAdmin:
    """The admin operations the API performs, on one user pool."""

    def __init__(self, client: Any, user_pool_id: str) -> None:
        self.client = client
        self.user_pool_id = user_pool_id

    @classmethod
    def from_settings(cls, config: settings.Settings) -> CognitoAdmin:
        client = boto3.client(
            "cognito-idp",
            region_name=config.region,
            endpoint_url=config.idp_endpoint_url,
            config=botocore.config.Config(
                connect_timeout=3, read_timeout=10, retries={"mode": "standard", "max_attempts": 3}
            ),
        )
        return cls(client, config.user_pool_id)
