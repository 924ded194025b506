"""The function's IAM role allows exactly the cognito-idp calls protected_api makes, on its pool.

The calls are read from the code, not listed here: every attribute used on a
boto3 ``cognito-idp`` client in protected_api (``self.client.list_users``, or
``self.client.list_groups`` handed to a pager) is mapped to its API operation by
botocore's own service model. Adding a call without adding it to the policy, or
leaving a permission behind after removing a call, fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.infra import cfn

API_PACKAGE = Path(__file__).resolve().parents[2] / "protected_api"


def _operations() -> dict[str, str]:
    """boto3 method name -> cognito-idp operation (= IAM action name), from botocore."""
    client = boto3.client(
        "cognito-idp",
        region_name="eu-west-1",
        aws_access_key_id="unused",
        aws_secret_access_key="unused",
    )
    return dict(client.meta.method_to_api_mapping)


# Starlette's Request.client (the peer address) is the one other ``.client`` in an ASGI app.
_NOT_BOTO3_OWNERS = frozenset({"request", "websocket", "connection"})


def _is_client(node: ast.expr) -> bool:
    """``client`` or ``<anything>.client``: how protected_api names its boto3 client."""
    if isinstance(node, ast.Name):
        return node.id == "client"
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "client"
        and not (isinstance(node.value, ast.Name) and node.value.id in _NOT_BOTO3_OWNERS)
    )


def operations_used(source: str, operations: dict[str, str], filename: str = "<code>") -> set[str]:
    """The cognito-idp operations ``source`` reaches through its client.

    Anything else read off the client (a paginator, ``getattr``, ``meta``) fails,
    because it would hide which operations run.
    """
    found: set[str] = set()
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Attribute) and _is_client(node.value):
            if node.attr not in operations:
                raise AssertionError(
                    f"{filename}:{node.lineno}: client.{node.attr} is not a cognito-idp "
                    "operation; the policy test cannot see what it calls"
                )
            found.add(operations[node.attr])
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and node.args
            and _is_client(node.args[0])
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


def called_actions() -> set[str]:
    operations = _operations()
    found: set[str] = set()
    for name, source in api_sources().items():
        found |= operations_used(source, operations, name)
    return {f"cognito-idp:{op}" for op in found}


def role_statements() -> list[dict[str, Any]]:
    deployment = cfn.Deployment({"DomainPrefix": "x", "CodeS3Bucket": "bkt", "CodeS3Key": "a.zip"})
    (role_name,) = deployment.resources_of("AWS::IAM::Role")
    raw_role = deployment.template["Resources"][role_name]["Properties"]
    statements: list[dict[str, Any]] = []
    for policy in raw_role["Policies"]:
        statements.extend(policy["PolicyDocument"]["Statement"])
    return statements


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_the_policy_allows_exactly_the_cognito_calls_the_api_makes() -> None:
    actions = called_actions()
    granted = {
        action
        for statement in role_statements()
        for action in _as_list(statement["Action"])
        if action.startswith("cognito-idp:")
    }
    assert actions, "found no cognito-idp calls in protected_api: is the scan broken?"
    assert granted == actions, (
        f"missing from the policy: {sorted(actions - granted)}; "
        f"granted but never called: {sorted(granted - actions)}"
    )


def test_cognito_actions_are_allowed_on_this_pool_only() -> None:
    cognito = [
        s
        for s in role_statements()
        if any(str(a).startswith("cognito-idp:") for a in _as_list(s["Action"]))
    ]
    assert len(cognito) == 1
    (statement,) = cognito
    assert statement["Effect"] == "Allow"
    assert set(statement) == {"Effect", "Action", "Resource"}  # no NotResource/NotAction
    # The pool's ARN as CloudFormation returns it: not a pattern, not other pools.
    assert statement["Resource"] == {"Fn::GetAtt": ["UserPool", "Arn"]}
    assert all("*" not in action for action in statement["Action"])
    assert all(action.startswith("cognito-idp:") for action in statement["Action"])


def test_the_role_has_nothing_else_but_its_own_log_group() -> None:
    deployment = cfn.Deployment({"DomainPrefix": "x", "CodeS3Bucket": "bkt", "CodeS3Key": "a.zip"})
    role = deployment.only("AWS::IAM::Role")
    assert "ManagedPolicyArns" not in role
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "lambda.amazonaws.com"}
    others = [
        s
        for s in role_statements()
        if not any(str(a).startswith("cognito-idp:") for a in _as_list(s["Action"]))
    ]
    for statement in others:
        assert statement["Effect"] == "Allow"
        assert set(_as_list(statement["Action"])) <= {"logs:CreateLogStream", "logs:PutLogEvents"}
        assert statement["Resource"] == {"Fn::GetAtt": ["ApiLogGroup", "Arn"]}
    # ...and that log group is the one the function writes to.
    function = deployment.only("AWS::Lambda::Function")
    assert function["LoggingConfig"]["LogGroup"] == deployment.ref("ApiLogGroup")


def test_the_api_opens_no_other_aws_service() -> None:
    services: set[str] = set()
    for source in api_sources().values():
        services |= boto3_services(source)
    assert services == {"cognito-idp"}


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
    ],
)
def test_scan_finds_calls_and_references(source: str, expected: set[str]) -> None:
    assert operations_used(source, _operations()) == expected


@pytest.mark.parametrize(
    "source",
    [
        "self.client.get_paginator('list_users')",
        "getattr(self.client, name)(UserPoolId=p)",
        "self.client.meta.region_name",
    ],
)
def test_scan_refuses_calls_it_cannot_name(source: str) -> None:
    with pytest.raises(AssertionError):
        operations_used(source, _operations())
