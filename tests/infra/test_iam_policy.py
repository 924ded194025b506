"""The function's IAM role allows exactly the AWS calls protected_api makes, on its own resources.

The calls are read from the code, not listed here: every attribute used on a
boto3 ``cognito-idp`` client in protected_api (``self.client.list_users``, or
``self.client.list_groups`` handed to a pager) is mapped to its API operation by
botocore's own service model, and so is every one used on the attempt store's
``dynamodb`` client (``self.dynamodb.update_item``). Adding a call without adding it
to the policy, or leaving a permission behind after removing a call, fails here.

Password sign-in (``EnablePasswordSignIn``) is off by default: then the role lacks
exactly the calls only :data:`SIGN_IN_MODULES` make, and has no DynamoDB access.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.infra import cfn

API_PACKAGE = Path(__file__).resolve().parents[2] / "protected_api"
# The cognito-idp calls of password sign-in live here: granted only with it on.
SIGN_IN_MODULES = frozenset({API_PACKAGE / "cognito_sign_in.py"})
PARAMETERS = {"DomainPrefix": "x", "CodeS3Bucket": "bkt", "CodeS3Key": "a.zip"}
ENABLED = {**PARAMETERS, "EnablePasswordSignIn": "true"}
BOTH = pytest.mark.parametrize("parameters", [PARAMETERS, ENABLED], ids=["off", "on"])


def _operations(service: str = "cognito-idp") -> dict[str, str]:
    """boto3 method name -> ``service`` operation (= IAM action name), from botocore."""
    client = boto3.client(
        service,  # type: ignore[call-overload]  # a literal at each call site
        region_name="eu-west-1",
        aws_access_key_id="unused",
        aws_secret_access_key="unused",
    )
    return dict(client.meta.method_to_api_mapping)


# Starlette's Request.client (the peer address) is the one other ``.client`` in an ASGI app.
_NOT_BOTO3_OWNERS = frozenset({"request", "websocket", "connection"})


# How protected_api names each service's boto3 client: ``client`` for cognito-idp,
# ``dynamodb`` for the attempt store (dynamodb_attempts.py).
CLIENT_NAMES = {"cognito-idp": "client", "dynamodb": "dynamodb"}


def _is_client(node: ast.expr, name: str = "client") -> bool:
    """``name`` or ``<anything>.name``: how protected_api names a boto3 client."""
    if isinstance(node, ast.Name):
        return node.id == name
    return (
        isinstance(node, ast.Attribute)
        and node.attr == name
        and not (isinstance(node.value, ast.Name) and node.value.id in _NOT_BOTO3_OWNERS)
    )


def operations_used(
    source: str,
    operations: dict[str, str],
    filename: str = "<code>",
    service: str = "cognito-idp",
) -> set[str]:
    """The ``service`` operations ``source`` reaches through its client.

    Anything else read off the client (a paginator, ``getattr``, ``meta``) fails,
    because it would hide which operations run.
    """
    name = CLIENT_NAMES[service]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Attribute) and _is_client(node.value, name):
            if node.attr not in operations:
                raise AssertionError(
                    f"{filename}:{node.lineno}: {name}.{node.attr} is not a {service} "
                    "operation; the policy test cannot see what it calls"
                )
            found.add(operations[node.attr])
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and node.args
            and _is_client(node.args[0], name)
        ):
            raise AssertionError(f"{filename}:{node.lineno}: getattr on the boto3 client")
    return found


def boto3_services(source: str) -> set[str]:
    """The services ``boto3.client("...")`` / ``boto3.resource("...")`` calls in ``source`` open."""
    services: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "boto3"
            and node.func.attr in ("client", "resource", "Session")
        ):
            arg = node.args[0] if node.args else None
            assert isinstance(arg, ast.Constant), "boto3 service names must be literal"
            services.add(str(arg.value))
    return services


def api_sources() -> dict[str, str]:
    return {str(p): p.read_text(encoding="utf-8") for p in sorted(API_PACKAGE.rglob("*.py"))}


def called_actions(
    service: str = "cognito-idp", *, only: frozenset[Path] | None = None
) -> set[str]:
    """The IAM actions of the ``service`` calls in protected_api (or in the files ``only``)."""
    operations = _operations(service)
    found: set[str] = set()
    for name, source in api_sources().items():
        if only is None or Path(name) in only:
            found |= operations_used(source, operations, name, service)
    return {f"{service}:{op}" for op in found}


def sign_in_only_actions() -> set[str]:
    """The cognito-idp actions only password sign-in calls (granted only with it on)."""
    everywhere = called_actions()
    elsewhere = called_actions(only=frozenset(map(Path, api_sources())) - SIGN_IN_MODULES)
    return everywhere - elsewhere


def role_statements(parameters: dict[str, str] = PARAMETERS) -> list[dict[str, Any]]:
    """The role's policy statements, resolved as deployed with ``parameters``."""
    role = cfn.Deployment(parameters).only("AWS::IAM::Role")
    statements: list[dict[str, Any]] = []
    for policy in role["Policies"]:
        statements.extend(policy["PolicyDocument"]["Statement"])
    return statements


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def granted(parameters: dict[str, str], service: str) -> set[str]:
    return {
        action
        for statement in role_statements(parameters)
        for action in _as_list(statement["Action"])
        if action.startswith(f"{service}:")
    }


def _statements_of(parameters: dict[str, str], service: str) -> list[dict[str, Any]]:
    return [
        s
        for s in role_statements(parameters)
        if any(str(a).startswith(f"{service}:") for a in _as_list(s["Action"]))
    ]


def _difference(called: set[str], allowed: set[str]) -> str:
    return (
        f"missing from the policy: {sorted(called - allowed)}; "
        f"granted but never called: {sorted(allowed - called)}"
    )


def test_the_policy_allows_exactly_the_cognito_calls_the_api_makes() -> None:
    # With password sign-in on, the function may make every call in its code.
    actions = called_actions()
    assert actions, "found no cognito-idp calls in protected_api: is the scan broken?"
    allowed = granted(ENABLED, "cognito-idp")
    assert allowed == actions, _difference(actions, allowed)


def test_without_password_sign_in_the_policy_lacks_exactly_its_calls() -> None:
    sign_in = sign_in_only_actions()
    assert "cognito-idp:AdminInitiateAuth" in sign_in, "is the sign-in scan broken?"
    actions = called_actions() - sign_in
    allowed = granted(PARAMETERS, "cognito-idp")
    assert allowed == actions, _difference(actions, allowed)


@BOTH
def test_cognito_actions_are_allowed_on_this_pool_only(parameters: dict[str, str]) -> None:
    deployment = cfn.Deployment(parameters)
    cognito = _statements_of(parameters, "cognito-idp")
    # The admin calls, and with password sign-in on, its calls in a policy of its own.
    assert len(cognito) == (2 if parameters is ENABLED else 1)
    for statement in cognito:
        assert statement["Effect"] == "Allow"
        assert set(statement) == {"Effect", "Action", "Resource"}  # no NotResource/NotAction
        # The pool's ARN as CloudFormation returns it: not a pattern, not other pools.
        assert statement["Resource"] == deployment.get_att("UserPool", "Arn")
        assert all("*" not in action for action in statement["Action"])
        assert all(action.startswith("cognito-idp:") for action in statement["Action"])


def test_the_dynamodb_actions_are_the_attempt_stores_calls_on_its_table_only() -> None:
    actions = called_actions("dynamodb")
    assert actions, "found no dynamodb calls in protected_api: is the scan broken?"
    assert granted(PARAMETERS, "dynamodb") == set()  # password sign-in off: no table at all
    deployment = cfn.Deployment(ENABLED)
    (statement,) = _statements_of(ENABLED, "dynamodb")
    assert statement["Effect"] == "Allow"
    assert set(statement) == {"Effect", "Action", "Resource"}
    assert set(statement["Action"]) == actions, _difference(actions, set(statement["Action"]))
    # The one table's ARN: no index, no stream, no other table.
    (table,) = deployment.resources_of("AWS::DynamoDB::Table")
    assert statement["Resource"] == deployment.get_att(table, "Arn")
    assert statement["Resource"].endswith(f":table/{deployment.ref(table)}")


@BOTH
def test_the_role_has_nothing_else_but_its_own_log_group(parameters: dict[str, str]) -> None:
    deployment = cfn.Deployment(parameters)
    role = deployment.only("AWS::IAM::Role")
    assert "ManagedPolicyArns" not in role
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "lambda.amazonaws.com"}
    others = [
        s
        for s in role_statements(parameters)
        if not any(str(a).startswith(("cognito-idp:", "dynamodb:")) for a in _as_list(s["Action"]))
    ]
    assert others
    for statement in others:
        assert statement["Effect"] == "Allow"
        assert set(_as_list(statement["Action"])) <= {"logs:CreateLogStream", "logs:PutLogEvents"}
        assert statement["Resource"] == deployment.get_att("ApiLogGroup", "Arn")
    # ...and that log group is the one the function writes to.
    function = deployment.only("AWS::Lambda::Function")
    assert function["LoggingConfig"]["LogGroup"] == deployment.ref("ApiLogGroup")


def test_the_api_opens_no_other_aws_service() -> None:
    services: set[str] = set()
    for source in api_sources().values():
        services |= boto3_services(source)
    # cognito-idp, and DynamoDB for the shared attempt counters (password sign-in).
    assert services == {"cognito-idp", "dynamodb"}
    assert set(CLIENT_NAMES) == services


# The scan itself: it must notice a new call, however it is made.


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("self.client.admin_confirm_sign_up(UserPoolId=p, Username=u)", {"AdminConfirmSignUp"}),
        ("pages(self.client.list_user_pool_clients)", {"ListUserPoolClients"}),
        ("client.describe_user_pool(UserPoolId=p)", {"DescribeUserPool"}),
        ("self.other.client.admin_get_user(UserPoolId=p, Username=u)", {"AdminGetUser"}),
        ("self.client = client", set()),
        ("request.client.host", set()),
        ("self.dynamodb.update_item(TableName=t, Key=k)", set()),
    ],
)
def test_scan_finds_calls_and_references(source: str, expected: set[str]) -> None:
    assert operations_used(source, _operations()) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("self.dynamodb.update_item(TableName=t, Key=k)", {"UpdateItem"}),
        ("dynamodb.get_item(TableName=t, Key=k)", {"GetItem"}),
        ("self.store.dynamodb.delete_item(TableName=t, Key=k)", {"DeleteItem"}),
        ("self.dynamodb = dynamodb", set()),
        ("self.client.admin_get_user(UserPoolId=p, Username=u)", set()),
    ],
)
def test_scan_finds_dynamodb_calls(source: str, expected: set[str]) -> None:
    assert operations_used(source, _operations("dynamodb"), service="dynamodb") == expected


@pytest.mark.parametrize(
    ("source", "service"),
    [
        ("self.client.get_paginator('list_users')", "cognito-idp"),
        ("getattr(self.client, name)(UserPoolId=p)", "cognito-idp"),
        ("self.client.meta.region_name", "cognito-idp"),
        ("self.dynamodb.get_paginator('scan')", "dynamodb"),
        ("getattr(self.dynamodb, name)(TableName=t)", "dynamodb"),
        ("self.dynamodb.admin_get_user(UserPoolId=p)", "dynamodb"),
    ],
)
def test_scan_refuses_calls_it_cannot_name(source: str, service: str) -> None:
    with pytest.raises(AssertionError):
        operations_used(source, _operations(service), service=service)
