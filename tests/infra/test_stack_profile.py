"""``python -m infra.stack_profile``: describe-stacks JSON in, a profile the app loads out."""

from __future__ import annotations

import copy
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from desktop_app import config
from infra import stack_profile
from tests.infra import cfn
from tests.support import app_env

PARAMETERS = {
    "DomainPrefix": "acme-desktop",
    "CodeS3Bucket": "acme-artifacts",
    "CodeS3Key": "protected-api/protected-api-0123456789ab.zip",
}


@pytest.fixture
def deployment() -> cfn.Deployment:
    return cfn.Deployment(PARAMETERS)


@pytest.fixture
def described(deployment: cfn.Deployment) -> dict[str, Any]:
    return deployment.describe_stacks()


def run(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> Any:
    return app_env.run_python(env, "-m", "infra.stack_profile", *args, stdin=stdin)


def test_command_reads_stdin_and_prints_a_profile_the_app_loads(
    described: dict[str, Any], deployment: cfn.Deployment, tmp_path: Path
) -> None:
    done = run("--name", "prod", stdin=json.dumps(described))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    path = tmp_path / "config.toml"
    path.write_text(done.stdout)
    profile = config.load_profile(path, "prod")
    outputs = deployment.outputs()
    assert profile.client_id == outputs["ClientId"]
    assert profile.user_pool_id == outputs["UserPoolId"]
    assert profile.domain == outputs["ManagedLoginUrl"]
    assert ",".join(profile.redirect_uris) == outputs["RedirectUris"]
    assert " ".join(profile.scopes) == outputs["Scopes"]
    assert profile.api_url == outputs["ApiUrl"]
    assert profile.logout_uri == outputs["LogoutUri"]
    assert profile.admin_group == outputs["AdminGroup"]
    # Exactly one table, named as asked.
    assert list(tomllib.loads(done.stdout)["profiles"]) == ["prod"]


def test_command_reads_a_file_argument(described: dict[str, Any], tmp_path: Path) -> None:
    source = tmp_path / "stack.json"
    source.write_text(json.dumps(described))
    done = run(str(source))
    assert done.returncode == 0, done.stderr
    assert "[profiles.default]" in done.stdout


def test_write_merges_into_the_config_file_and_keeps_other_profiles(
    described: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        "# my profiles\n[profiles.local]\n"
        'user_pool_id = "us-east-1_LoCaL1234"\ndomain = "http://127.0.0.1:9229"\n'
        'client_id = "abc"\nredirect_uris = ["http://127.0.0.1:53682/callback"]\n'
    )
    done = run("--name", "prod", "--write", "--config", str(path), stdin=json.dumps(described))
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert str(path) in done.stderr
    profiles = config.load(path)
    assert set(profiles) == {"local", "prod"}
    assert profiles["local"].client_id == "abc"
    assert profiles["prod"].user_pool_id == cfn.Deployment(PARAMETERS).user_pool_id
    assert path.read_text().startswith("# my profiles\n")
    # Run again: the prod table is replaced, not duplicated.
    again = run("--name", "prod", "--write", "--config", str(path), stdin=json.dumps(described))
    assert again.returncode == 0, again.stderr
    assert path.read_text().count("[profiles.prod]") == 1


def test_write_honours_the_apps_config_environment_variable(
    described: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "from-env.toml"
    env = {"PATH": "/usr/bin:/bin", config.CONFIG_ENV: str(path)}
    done = run("--write", stdin=json.dumps(described), env=env)
    assert done.returncode == 0, done.stderr
    assert set(config.load(path)) == {"default"}


def test_extra_outputs_are_ignored(described: dict[str, Any]) -> None:
    described["Stacks"][0]["Outputs"].append({"OutputKey": "Extra", "OutputValue": "x"})
    outputs = stack_profile.stack_outputs(described)
    assert "Extra" not in stack_profile.profile_table(outputs)


# -- refusals: one clear line each, exit 2 ------------------------------------------------


def _without_output(described: dict[str, Any], key: str) -> dict[str, Any]:
    changed = copy.deepcopy(described)
    stack = changed["Stacks"][0]
    stack["Outputs"] = [o for o in stack["Outputs"] if o["OutputKey"] != key]
    return changed


def _with_output(described: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(described)
    for output in changed["Stacks"][0]["Outputs"]:
        if output["OutputKey"] == key:
            output["OutputValue"] = value
    return changed


def _two_stacks(described: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(described)
    other = copy.deepcopy(changed["Stacks"][0])
    other["StackName"] = "other-stack"
    changed["Stacks"].append(other)
    return changed


def _with_status(described: dict[str, Any], status: str) -> dict[str, Any]:
    changed = copy.deepcopy(described)
    changed["Stacks"][0]["StackStatus"] = status
    return changed


@pytest.mark.parametrize(
    ("make_input", "message"),
    [
        (lambda d: "not json {", "input is not JSON"),
        (lambda d: json.dumps([d]), 'a "Stacks" list'),
        (lambda d: json.dumps({"Stacks": []}), '"Stacks" is empty'),
        (lambda d: json.dumps({"Stacks": ["x"]}), "must be an object"),
        (lambda d: json.dumps(_two_stacks(d)), "holds 2 stacks (cognito-desktop, other-stack)"),
        (lambda d: json.dumps(_without_output(d, "ClientId")), "missing stack output(s) ClientId"),
        (
            lambda d: json.dumps(_without_output(_without_output(d, "ApiUrl"), "Region")),
            "missing stack output(s) Region, ApiUrl",
        ),
        (lambda d: json.dumps(_with_output(d, "ClientId", 42)), "string OutputKey and OutputValue"),
        (lambda d: json.dumps(_with_output(d, "ClientId", "  ")), "ClientId (client_id) is empty"),
        (
            lambda d: json.dumps(_with_output(d, "RedirectUris", "https://example.com/cb")),
            "(stack output RedirectUris)",
        ),
        (
            lambda d: json.dumps(_with_output(d, "UserPoolId", "not-a-pool")),
            "(stack output UserPoolId)",
        ),
        (lambda d: json.dumps(_with_output(d, "Scopes", "")), "Scopes (scopes) is empty"),
        (
            lambda d: json.dumps(_with_output(d, "SelfSignUp", "yes")),
            "SelfSignUp (self_sign_up) is 'yes', not true or false",
        ),
        (
            lambda d: json.dumps(_with_output(d, "PasswordReset", "")),
            "PasswordReset (password_reset) is empty",
        ),
        (
            lambda d: json.dumps(_with_status(d, "ROLLBACK_COMPLETE")),
            "is ROLLBACK_COMPLETE",
        ),
        (
            lambda d: json.dumps(_with_status(d, "CREATE_IN_PROGRESS")),
            "is CREATE_IN_PROGRESS",
        ),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(
    described: dict[str, Any], make_input: Any, message: str
) -> None:
    done = run(stdin=make_input(described))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("stack_profile: ")
    assert message in done.stderr
    assert done.stderr.count("\n") == 1  # one line, no traceback


def test_stack_picks_one_of_several(described: dict[str, Any]) -> None:
    two = _two_stacks(described)
    two["Stacks"][1]["Outputs"] = _with_output(described, "ClientId", "theotherclient")["Stacks"][
        0
    ]["Outputs"]
    done = run("--stack", "other-stack", stdin=json.dumps(two))
    assert done.returncode == 0, done.stderr
    assert 'client_id = "theotherclient"' in done.stdout
    missing = run("--stack", "nope", stdin=json.dumps(two))
    assert missing.returncode == 2
    assert "no stack named 'nope'" in missing.stderr


def test_a_rolled_back_update_still_describes_the_working_stack(
    described: dict[str, Any],
) -> None:
    outputs = stack_profile.stack_outputs(_with_status(described, "UPDATE_ROLLBACK_COMPLETE"))
    assert outputs["ClientId"] == cfn.Deployment(PARAMETERS).client_id


def test_bad_profile_name_and_missing_file_are_refused(
    described: dict[str, Any], tmp_path: Path
) -> None:
    bad_name = run("--name", "has space", stdin=json.dumps(described))
    assert bad_name.returncode == 2
    assert "profile name 'has space'" in bad_name.stderr
    missing = run(str(tmp_path / "nope.json"))
    assert missing.returncode == 2
    assert "nope.json: no such file" in missing.stderr


def test_the_profile_has_this_stacks_own_redirect_paths(described: dict[str, Any]) -> None:
    table = stack_profile.profile_table(stack_profile.stack_outputs(described))
    # EnvironmentName left empty: the stack name ends every path.
    assert table["redirect_uris"] == [
        f"http://127.0.0.1:{port}/callback/cognito-desktop" for port in (53682, 53683, 53684)
    ]
    assert table["logout_uri"] == "http://127.0.0.1:53682/signed-out/cognito-desktop"


def test_write_refuses_a_profile_sharing_redirect_uris_with_another(
    described: dict[str, Any], tmp_path: Path
) -> None:
    # Another profile already uses this stack's callback paths (a copy made by hand, say):
    # the app would refuse the file, so nothing is written and the line says what to change.
    path = tmp_path / "config.toml"
    before = (
        "[profiles.staging]\n"
        'user_pool_id = "eu-west-1_StAgInG12"\ndomain = "https://auth.example.com"\n'
        'client_id = "abc"\nredirect_uris = ["http://127.0.0.1:53683/callback/cognito-desktop"]\n'
    )
    path.write_text(before)
    done = run("--name", "prod", "--write", "--config", str(path), stdin=json.dumps(described))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "profiles.staging.redirect_uris and profiles.prod.redirect_uris both list" in (
        done.stderr
    )
    assert "http://127.0.0.1:53683/callback/cognito-desktop" in done.stderr
    assert "EnvironmentName" in done.stderr
    assert path.read_text() == before


# -- what managed login offers: "Create an account", "Forgot your password?" --------------


@pytest.mark.parametrize("allow", ["false", "true"])
def test_self_sign_up_follows_the_stack_parameter(allow: str, tmp_path: Path) -> None:
    described = cfn.Deployment({**PARAMETERS, "AllowSelfSignUp": allow}).describe_stacks()
    done = run("--name", "prod", stdin=json.dumps(described))
    assert done.returncode == 0, done.stderr
    table = tomllib.loads(done.stdout)["profiles"]["prod"]
    # TOML booleans, which the app's config requires (not the strings "true"/"false").
    assert table["self_sign_up"] is (allow == "true")
    assert table["password_reset"] is True
    path = tmp_path / "config.toml"
    path.write_text(done.stdout)
    profile = config.load_profile(path, "prod")
    assert profile.self_sign_up is (allow == "true")
    assert profile.password_reset is True


def test_a_stack_from_before_the_sign_up_outputs_still_makes_a_profile(
    described: dict[str, Any],
) -> None:
    # Deployed from an older template: the keys are left out and the app uses its defaults.
    old = _without_output(_without_output(described, "SelfSignUp"), "PasswordReset")
    table = stack_profile.profile_table(stack_profile.stack_outputs(old))
    assert "self_sign_up" not in table
    assert "password_reset" not in table
    stack_profile.validated("old", table)


# -- password sign-in through the API (EnablePasswordSignIn, issue 19) ---------------------


def test_password_sign_in_output_turns_it_on_in_the_profile(tmp_path: Path) -> None:
    deployment = cfn.Deployment({**PARAMETERS, "EnablePasswordSignIn": "true"})
    done = run("--name", "ci", stdin=json.dumps(deployment.describe_stacks()))
    assert done.returncode == 0, done.stderr
    table = tomllib.loads(done.stdout)["profiles"]["ci"]
    automation = deployment.outputs()["PasswordSignInClientId"]
    assert table["password_sign_in"] is True  # a TOML boolean
    assert table["password_sign_in_client_id"] == automation
    assert table["client_id"] == deployment.client_id != automation
    assert "password_sign_in = true\n" in done.stdout
    assert f'password_sign_in_client_id = "{automation}"\n' in done.stdout
    # The app loads it (the command validated it with the app's own rules first).
    path = tmp_path / "config.toml"
    path.write_text(done.stdout)
    config.load_profile(path, "ci")


def test_without_the_output_the_profile_has_no_password_sign_in_keys(
    described: dict[str, Any],
) -> None:
    # EnablePasswordSignIn=false (the default), or a stack from before the parameter.
    assert "PasswordSignInClientId" not in {
        o["OutputKey"] for o in described["Stacks"][0]["Outputs"]
    }
    done = run(stdin=json.dumps(described))
    assert done.returncode == 0, done.stderr
    assert "password_sign_in" not in done.stdout


def test_an_empty_password_sign_in_output_is_refused() -> None:
    described = cfn.Deployment({**PARAMETERS, "EnablePasswordSignIn": "true"}).describe_stacks()
    done = run(stdin=json.dumps(_with_output(described, "PasswordSignInClientId", " ")))
    assert done.returncode == 2
    assert "PasswordSignInClientId (password_sign_in_client_id) is empty" in done.stderr
