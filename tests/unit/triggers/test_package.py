"""The triggers package as its callers rely on it: the HANDLERS table, each module's two
functions, what the package may import, and the shared event readers."""

from __future__ import annotations

import ast
import importlib
import inspect
import sys
from pathlib import Path
from typing import Any

import pytest

import triggers
from tests.unit.triggers import events

PACKAGE = Path(triggers.__file__).parent
#: The project's other rooms: the triggers run in Lambda without any of them.
FORBIDDEN = ("desktop_app", "local_cognito", "protected_api", "infra", "tests")
#: Besides the standard library, what the Lambda runtime holds (and the package itself).
THIRD_PARTY = ("boto3", "botocore", "triggers")
#: Type stubs, imported for mypy only (under ``if TYPE_CHECKING:``).
TYPING_ONLY = ("mypy_boto3_cognito_idp",)


def test_constants() -> None:
    assert triggers.PLAN_ATTRIBUTE == "custom:plan"
    assert triggers.PLAN_CLAIM == "plan"
    assert triggers.LAST_SIGN_IN_ATTRIBUTE == "custom:last_sign_in"
    assert triggers.PLAN_PATTERN == r"^[a-z0-9][a-z0-9_-]{0,31}$"
    assert triggers.HANDLERS == {
        "PreSignUp": "triggers.pre_sign_up",
        "PostConfirmation": "triggers.post_confirmation",
        "PreTokenGeneration": "triggers.pre_token_generation",
        "PostAuthentication": "triggers.post_authentication",
        "CustomMessage": "triggers.custom_message",
    }


@pytest.mark.parametrize("module_name", sorted(triggers.HANDLERS.values()))
def test_each_module_has_handler_and_handle(module_name: str) -> None:
    module = importlib.import_module(module_name)
    public = {
        name
        for name, value in vars(module).items()
        if inspect.isfunction(value) and value.__module__ == module_name and name[0] != "_"
    }
    assert public == {"handler", "handle"}
    assert list(inspect.signature(module.handler).parameters) == ["event", "context"]
    handle = inspect.signature(module.handle).parameters
    assert list(handle)[:3] == ["event", "config", "cognito"]
    # Anything past the three (post_authentication's clock) is keyword-only, with a default.
    assert all(
        p.kind is inspect.Parameter.KEYWORD_ONLY and p.default is not p.empty
        for p in list(handle.values())[3:]
    )


def _imports(tree: ast.Module) -> list[tuple[str, int, bool]]:
    """(module, line, typing only) for every import, and every import_module("literal")."""
    found: list[tuple[str, int, bool]] = []

    def visit(node: ast.AST, typing_only: bool) -> None:
        if isinstance(node, ast.If) and ast.unparse(node.test) in (
            "TYPE_CHECKING",
            "typing.TYPE_CHECKING",
        ):
            for child in node.body:
                visit(child, True)
            for child in node.orelse:
                visit(child, typing_only)
            return
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno, typing_only) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            # Relative imports stay inside the package.
            name = "triggers" if node.level else (node.module or "")
            found.append((name, node.lineno, typing_only))
        elif (
            isinstance(node, ast.Call)
            and ast.unparse(node.func).endswith("import_module")
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.append((str(node.args[0].value), node.lineno, typing_only))
        for inner in ast.iter_child_nodes(node):
            visit(inner, typing_only)

    visit(tree, False)
    return found


def _sources() -> list[Path]:
    paths = sorted(PACKAGE.rglob("*.py"))
    assert len(paths) >= 8
    return paths


@pytest.mark.parametrize("path", _sources(), ids=lambda p: p.name)
def test_imports_nothing_from_the_rest_of_the_project(path: Path) -> None:
    for name, line, _ in _imports(ast.parse(path.read_text(encoding="utf-8"))):
        top = name.split(".")[0]
        assert top not in FORBIDDEN, f"{path.name}:{line} imports {name}"


@pytest.mark.parametrize("path", _sources(), ids=lambda p: p.name)
def test_imports_only_what_lambda_has(path: Path) -> None:
    for name, line, typing_only in _imports(ast.parse(path.read_text(encoding="utf-8"))):
        top = name.split(".")[0]
        allowed = top in sys.stdlib_module_names or top in THIRD_PARTY
        assert allowed or (typing_only and top in TYPING_ONLY), f"{path.name}:{line}: {name}"


def test_the_import_reader_sees_every_kind_of_import() -> None:
    tree = ast.parse(
        "import desktop_app.x\n"
        "from local_cognito import pool\n"
        "from . import aws\n"
        "if TYPE_CHECKING:\n    import mypy_boto3_cognito_idp\n"
        "def f():\n    importlib.import_module('protected_api.app')\n"
    )
    assert _imports(tree) == [
        ("desktop_app.x", 1, False),
        ("local_cognito", 2, False),
        ("triggers", 3, False),
        ("mypy_boto3_cognito_idp", 5, True),
        ("protected_api.app", 7, False),
    ]


# -- the event readers ----------------------------------------------------------------


@pytest.mark.parametrize("event", [None, [], "event", 3])
def test_an_event_that_is_not_an_object(event: Any) -> None:
    with pytest.raises(ValueError, match="the event must be a JSON object"):
        triggers.trigger_source(event)


@pytest.mark.parametrize("value", [None, "", 5, ["PreSignUp_SignUp"]])
def test_text_fields_must_be_non_empty_strings(value: Any) -> None:
    event = events.post_confirmation() | {"userPoolId": value}
    with pytest.raises(ValueError, match="userPoolId must be a non-empty string"):
        triggers.text(event, "userPoolId")


def test_missing_text_field_named() -> None:
    event = events.post_confirmation()
    del event["triggerSource"]
    with pytest.raises(ValueError, match="triggerSource"):
        triggers.trigger_source(event)


@pytest.mark.parametrize(("value", "expected"), [("2", "2"), (1, "1")])
def test_version_string_or_number(value: Any, expected: str) -> None:
    assert triggers.version(events.post_confirmation() | {"version": value}) == expected


@pytest.mark.parametrize("value", [None, "", True, 1.5])
def test_version_bad(value: Any) -> None:
    with pytest.raises(ValueError, match="version"):
        triggers.version(events.post_confirmation() | {"version": value})


@pytest.mark.parametrize("value", [None, [], "request"])
def test_request_must_be_an_object(value: Any) -> None:
    with pytest.raises(ValueError, match="request must be a JSON object"):
        triggers.request(events.post_confirmation() | {"request": value})


@pytest.mark.parametrize("value", [None, [], "attrs"])
def test_user_attributes_must_be_an_object(value: Any) -> None:
    event = events.post_confirmation()
    event["request"]["userAttributes"] = value
    with pytest.raises(ValueError, match=r"request\.userAttributes must be a JSON object"):
        triggers.user_attributes(event)


def test_an_attribute_read_must_be_a_string() -> None:
    event = events.post_confirmation()
    event["request"]["userAttributes"]["email"] = ["a@example.com"]
    with pytest.raises(ValueError, match=r"request\.userAttributes\.email must be a string"):
        triggers.attribute(event, "email")
    assert triggers.attribute(event, "custom:plan") is None


def test_the_error_never_repeats_the_value() -> None:
    event = events.post_confirmation()
    event["request"]["userAttributes"]["email"] = {"secret": "hunter2"}
    with pytest.raises(ValueError, match="email") as caught:
        triggers.attribute(event, "email")
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize("value", [None, "", 7])
def test_request_text(value: Any) -> None:
    event = events.custom_message()
    event["request"]["codeParameter"] = value
    with pytest.raises(ValueError, match=r"request\.codeParameter must be a non-empty string"):
        triggers.request_text(event, "codeParameter")


@pytest.mark.parametrize("missing", [True, False])
def test_response_created_when_missing_or_null(missing: bool) -> None:
    event = events.post_confirmation() | {"response": None}
    if missing:
        del event["response"]
    triggers.response(event)["x"] = 1
    assert event["response"] == {"x": 1}


@pytest.mark.parametrize("value", [[], "response", 0])
def test_response_must_be_an_object(value: Any) -> None:
    with pytest.raises(ValueError, match="response must be a JSON object"):
        triggers.response(events.post_confirmation() | {"response": value})
