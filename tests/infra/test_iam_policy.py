"""Each function's IAM role allows exactly the AWS calls its code makes, on its own resources.

The calls are read from the code, not listed here: every attribute used on a
boto3 ``cognito-idp`` client in protected_api (``self.client.list_users``, or
``self.client.list_groups`` handed to a pager) is mapped to its API operation by
botocore's own service model, and so is every one used on the attempt store's
``dynamodb`` client (``self.dynamodb.update_item``). Adding a call without adding it
to the policy, or leaving a permission behind after removing a call, fails here.

Password sign-in (``EnablePasswordSignIn``) is off by default: then the role lacks
exactly the calls only :data:`SIGN_IN_MODULES` make, and has no DynamoDB access.

The Cognito triggers (the ``triggers`` package) are read the same way, one function
at a time: the cognito-idp operations named in ``triggers/<module>.py`` and in the
``triggers`` modules it imports, whatever the client is called there (the handlers
get it from a ``cognito()`` callable), are exactly what that trigger's role and the
policies attached to it allow, on the pool's ARN; beyond that, only its own logs.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import boto3
import pytest

import triggers
from tests.infra import cfn, trigger_code

ROOT = Path(__file__).resolve().parents[2]
API_PACKAGE = ROOT / "protected_api"
# The cognito-idp calls of password sign-in live here: granted only with it on.
SIGN_IN_MODULES = frozenset({API_PACKAGE / "cognito_sign_in.py"})
PARAMETERS = {
    "DomainPrefix": "x",
    "CodeS3Bucket": "bkt",
    "CodeS3Key": "a.zip",
    "TriggersCodeS3Key": "t.zip",
}
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


def attached_statements(deployment: cfn.Deployment, role: str) -> list[dict[str, Any]]:
    """Every statement ``role`` gets: its inline policies and the AWS::IAM::Policy
    resources attached to it, resolved as deployed."""
    statements: list[dict[str, Any]] = []
    for policy in deployment.resource(role).get("Policies", []):
        statements.extend(policy["PolicyDocument"]["Statement"])
    for name in deployment.resources_of("AWS::IAM::Policy"):
        policy = deployment.resource(name)
        if deployment.ref(role) in policy.get("Roles", []):
            statements.extend(policy["PolicyDocument"]["Statement"])
    return statements


def role_statements(parameters: dict[str, str] = PARAMETERS) -> list[dict[str, Any]]:
    """The API role's policy statements, resolved as deployed with ``parameters``."""
    return attached_statements(cfn.Deployment(parameters), "ApiRole")


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
    role = deployment.resource("ApiRole")
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
    function = deployment.resource("ApiFunction")
    assert function["Role"] == deployment.get_att("ApiRole", "Arn")
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


# -- the Cognito triggers -----------------------------------------------------------------


# botocore client methods that name an operation by its method name, as a string.
_BY_NAME = frozenset({"get_paginator", "can_paginate", "get_waiter"})


def trigger_operations(
    source: str, operations: dict[str, str], filename: str = "<code>"
) -> set[str]:
    """The cognito-idp operations ``source`` names, whatever its client is called.

    The handlers get their client from a ``cognito()`` callable and may hand it on
    under any name, so every attribute spelled like an operation counts (the
    triggers have no other object with such methods), and so does an operation
    named in a string to ``get_paginator`` or ``getattr``. A name computed at run
    time fails, because it would hide which operations run.
    """
    found: set[str] = set()
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Attribute) and node.attr in operations:
            found.add(operations[node.attr])
        if not isinstance(node, ast.Call):
            continue
        named: ast.expr | None = None
        if isinstance(node.func, ast.Attribute) and node.func.attr in _BY_NAME:
            named = node.args[0] if node.args else None
        elif isinstance(node.func, ast.Name) and node.func.id == "getattr":
            named = node.args[1] if len(node.args) > 1 else None
            if isinstance(named, ast.Constant) and named.value not in operations:
                continue  # getattr(obj, "something_else"): not an operation
        else:
            continue
        if not (isinstance(named, ast.Constant) and named.value in operations):
            raise AssertionError(
                f"{filename}:{node.lineno}: an operation named at run time; "
                "the policy test cannot see what it calls"
            )
        found.add(operations[named.value])
    return found


def trigger_actions(key: str) -> set[str]:
    """The IAM actions of the cognito-idp calls the trigger for LambdaConfig ``key`` makes."""
    operations = _operations()
    found: set[str] = set()
    for name in sorted(trigger_code.modules(triggers.HANDLERS[key])):
        path = trigger_code.module_file(name)
        found |= trigger_operations(path.read_text(encoding="utf-8"), operations, str(path))
    return {f"cognito-idp:{op}" for op in found}


def trigger_function(deployment: cfn.Deployment, key: str) -> str:
    """The function that runs the trigger for LambdaConfig ``key`` (by its Handler)."""
    handler = f"{triggers.HANDLERS[key]}.handler"
    (name,) = [
        n
        for n in deployment.resources_of("AWS::Lambda::Function")
        if deployment.resource(n)["Handler"] == handler
    ]
    return name


def function_role(deployment: cfn.Deployment, function: str) -> str:
    """The role ``function`` runs with."""
    arn = deployment.resource(function)["Role"]
    (role,) = [
        r for r in deployment.resources_of("AWS::IAM::Role") if deployment.get_att(r, "Arn") == arn
    ]
    return role


def _trigger_statements(deployment: cfn.Deployment, key: str) -> list[dict[str, Any]]:
    return attached_statements(
        deployment, function_role(deployment, trigger_function(deployment, key))
    )


def _cognito_actions(statements: list[dict[str, Any]]) -> set[str]:
    return {
        action
        for statement in statements
        for action in _as_list(statement["Action"])
        if action.startswith("cognito-idp:")
    }


TRIGGERS = pytest.mark.parametrize("key", sorted(triggers.HANDLERS))


@TRIGGERS
def test_each_trigger_may_make_exactly_the_cognito_calls_its_code_makes(key: str) -> None:
    actions = trigger_actions(key)
    allowed = _cognito_actions(_trigger_statements(cfn.Deployment(PARAMETERS), key))
    assert allowed == actions, _difference(actions, allowed)


def test_the_trigger_scan_sees_the_handlers_calls() -> None:
    # Some trigger calls Cognito, or the scan is broken; and every call anywhere in the
    # package is reached from some trigger's module, so none escapes the comparison.
    reached = set().union(*(trigger_actions(key) for key in triggers.HANDLERS))
    assert reached, "found no cognito-idp calls in triggers: is the scan broken?"
    operations = _operations()
    everywhere = set()
    for path in trigger_code.package_files():
        found = trigger_operations(path.read_text(encoding="utf-8"), operations, str(path))
        everywhere |= {f"cognito-idp:{op}" for op in found}
    assert everywhere == reached


@TRIGGERS
def test_trigger_cognito_actions_are_allowed_on_this_pool_only(key: str) -> None:
    deployment = cfn.Deployment(PARAMETERS)
    for statement in _trigger_statements(deployment, key):
        if not _cognito_actions([statement]):
            continue
        assert statement["Effect"] == "Allow"
        assert set(statement) == {"Effect", "Action", "Resource"}  # no NotResource/NotAction
        assert statement["Resource"] == deployment.get_att("UserPool", "Arn")
        assert all("*" not in action for action in _as_list(statement["Action"]))
        assert all(action.startswith("cognito-idp:") for action in _as_list(statement["Action"]))


@TRIGGERS
def test_each_trigger_role_has_nothing_else_but_its_own_log_group(key: str) -> None:
    deployment = cfn.Deployment(PARAMETERS)
    function_name = trigger_function(deployment, key)
    function = deployment.resource(function_name)
    role_name = function_role(deployment, function_name)
    role = deployment.resource(role_name)
    assert "ManagedPolicyArns" not in role
    assert "PermissionsBoundary" not in role
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert trust["Action"] == "sts:AssumeRole"
    log_group = function["LoggingConfig"]["LogGroup"]
    (log_group_name,) = [
        n for n in deployment.resources_of("AWS::Logs::LogGroup") if deployment.ref(n) == log_group
    ]
    others = [s for s in _trigger_statements(deployment, key) if not _cognito_actions([s])]
    assert others
    for statement in others:
        assert statement["Effect"] == "Allow"
        assert set(_as_list(statement["Action"])) <= {"logs:CreateLogStream", "logs:PutLogEvents"}
        assert statement["Resource"] == deployment.get_att(log_group_name, "Arn")


def test_each_trigger_has_a_role_of_its_own() -> None:
    deployment = cfn.Deployment(PARAMETERS)
    roles = [function_role(deployment, trigger_function(deployment, k)) for k in triggers.HANDLERS]
    assert len(set(roles)) == len(roles)
    assert "ApiRole" not in roles
    # Pool-scoped policies go to trigger roles only, one role each.
    for name in deployment.resources_of("AWS::IAM::Policy"):
        policy = deployment.resource(name)
        assert len(policy["Roles"]) == 1
        assert set(policy) == {"PolicyName", "PolicyDocument", "Roles"}  # no Users, Groups
        assert policy["Roles"][0] in {deployment.ref(role) for role in roles}
    assert deployment.resources_of("AWS::IAM::ManagedPolicy") == []


def test_post_confirmation_without_a_default_group_may_call_nothing() -> None:
    # Without a group to add people to, the trigger makes no call: it gets no permission.
    deployment = cfn.Deployment({**PARAMETERS, "DefaultGroup": ""})
    assert _cognito_actions(_trigger_statements(deployment, "PostConfirmation")) == set()


def test_the_triggers_open_no_other_aws_service() -> None:
    services: set[str] = set()
    for path in trigger_code.package_files():
        services |= boto3_services(path.read_text(encoding="utf-8"))
    assert services == {"cognito-idp"}


# The trigger scan itself.


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("cognito().admin_add_user_to_group(UserPoolId=p)", {"AdminAddUserToGroup"}),
        (
            "client = cognito()\nclient.list_user_pool_clients(UserPoolId=p)",
            {"ListUserPoolClients"},
        ),
        (
            "def find(idp):\n    return idp.describe_user_pool_client(UserPoolId=p, ClientId=c)",
            {"DescribeUserPoolClient"},
        ),
        ("pages = c.get_paginator('list_user_pool_clients')", {"ListUserPoolClients"}),
        ("getattr(c, 'admin_get_user')(UserPoolId=p)", {"AdminGetUser"}),
        ("getattr(config, 'default_group')", set()),
        ("config.default_group or triggers.text(event, 'userName')", set()),
    ],
)
def test_trigger_scan_finds_calls_whatever_the_client_is_called(
    source: str, expected: set[str]
) -> None:
    assert trigger_operations(source, _operations()) == expected


@pytest.mark.parametrize(
    "source", ["getattr(c, name)(UserPoolId=p)", "c.get_paginator(name)", "c.get_paginator()"]
)
def test_trigger_scan_refuses_operations_named_at_run_time(source: str) -> None:
    with pytest.raises(AssertionError):
        trigger_operations(source, _operations())


def test_trigger_scan_follows_imports_within_the_package() -> None:
    source = "import triggers\nfrom triggers import aws\nfrom .config import Config\nimport os\n"
    assert trigger_code.imported_modules(source, "triggers.post_confirmation") == {
        "triggers",
        "triggers.aws",
        "triggers.config",
    }
    assert "triggers.aws" in trigger_code.modules("triggers.custom_message")
