"""The template's attempt table is one the API's DynamoDB attempt store works with.

The table is made in moto's DynamoDB from the template's own resolved properties
(key schema, billing, encryption, TTL), then the store the function builds from its
environment (``ATTEMPT_STORE_TABLE``) counts, locks, forgives and clears on it: a key
or TTL attribute that differs from the store's fails here, not in AWS.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from protected_api import attempt_limits, dynamodb_attempts
from protected_api import settings as api_settings
from tests.infra import cfn

ENABLED = {
    "DomainPrefix": "x",
    "CodeS3Bucket": "bkt",
    "CodeS3Key": "a.zip",
    "EnablePasswordSignIn": "true",
}
NOW = 1_800_000_000.0


@pytest.fixture
def deployment() -> cfn.Deployment:
    return cfn.Deployment(ENABLED)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # moto answers every call; credentials only have to exist (in AWS: the role's).
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield


def create_table(deployment: cfn.Deployment) -> tuple[str, Any]:
    """The template's table, created in moto as CloudFormation would create it."""
    (name,) = deployment.resources_of("AWS::DynamoDB::Table")
    props = deployment.resource(name)
    table = deployment.ref(name)
    client = boto3.client("dynamodb", region_name=deployment.region)
    client.create_table(
        TableName=table,
        AttributeDefinitions=props["AttributeDefinitions"],
        KeySchema=props["KeySchema"],
        BillingMode=props["BillingMode"],
        SSESpecification={"Enabled": props["SSESpecification"]["SSEEnabled"]},
    )
    # CloudFormation sets TTL with UpdateTimeToLive once the table exists.
    client.update_time_to_live(
        TableName=table, TimeToLiveSpecification=props["TimeToLiveSpecification"]
    )
    return table, client


def store_from_environment(deployment: cfn.Deployment) -> dynamodb_attempts.DynamoDbAttemptStore:
    """The store, on the table the function's environment names (as the API builds it)."""
    env = deployment.resource("ApiFunction")["Environment"]["Variables"]
    config = api_settings.Settings.from_env({k: str(v) for k, v in env.items()})
    assert config.attempt_store_table is not None
    return dynamodb_attempts.DynamoDbAttemptStore(
        config.attempt_store_table, dynamodb_attempts.client_for(config.region)
    )


@pytest.mark.usefixtures("aws")
def test_the_store_counts_and_locks_on_the_templates_table(deployment: cfn.Deployment) -> None:
    table, client = create_table(deployment)
    store = store_from_environment(deployment)
    assert store.table == table
    policy = attempt_limits.Policy(free=2)
    key = attempt_limits.username_key("dana")
    first = store.hit(key, policy, NOW)
    assert isinstance(first, attempt_limits.Counter)
    assert first.attempts == 1
    second = store.hit(key, policy, NOW + 1)
    assert isinstance(second, attempt_limits.Counter)
    assert second.attempts == 2
    assert second.locked_until > NOW + 1
    # Locked: the next attempt is refused with the seconds left, and changes nothing.
    refused = store.hit(key, policy, NOW + 1.5)
    assert isinstance(refused, float)
    assert refused > 0
    store.clear(key)
    again = store.hit(key, policy, NOW + 2)
    assert isinstance(again, attempt_limits.Counter)
    assert again.attempts == 1
    # One item per key, under the table's own partition key.
    (item,) = client.scan(TableName=table)["Items"]
    (key_attribute,) = deployment.resource("AttemptTable")["KeySchema"]
    assert item[key_attribute["AttributeName"]] == {"S": key}


@pytest.mark.usefixtures("aws")
def test_items_carry_the_tables_ttl_attribute_in_whole_epoch_seconds(
    deployment: cfn.Deployment,
) -> None:
    table, client = create_table(deployment)
    ttl = client.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    assert ttl["TimeToLiveStatus"] == "ENABLED"
    store = store_from_environment(deployment)
    counter = store.hit(attempt_limits.address_key("192.0.2.7"), attempt_limits.ADDRESS_POLICY, NOW)
    assert isinstance(counter, attempt_limits.Counter)
    (item,) = client.scan(TableName=table)["Items"]
    # DynamoDB deletes an item once the number in its TTL attribute, in epoch seconds,
    # has passed; any other type or name and items would never expire.
    expires = item[ttl["AttributeName"]]
    assert set(expires) == {"N"}
    assert expires["N"].isdigit()
    assert int(expires["N"]) >= counter.expires_at > NOW
