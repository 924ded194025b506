"""infra/template.yaml, resolved as CloudFormation would deploy it, against what the app expects.

The profile side always goes through the real path: the stack's outputs (as
describe-stacks prints them) -> ``infra.stack_profile`` -> a config file ->
``desktop_app.config.load_profile``.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import re
from pathlib import Path
from typing import Any

import pytest

import triggers
from desktop_app import config
from desktop_app.auth import session
from infra import build_lambda, stack_profile
from local_cognito import settings as local_settings
from protected_api import settings as api_settings
from tests.infra import cfn, trigger_code
from triggers import config as trigger_config

CUSTOM = {
    "DomainPrefix": "acme-desktop",
    "CallbackUrls": "http://127.0.0.1:50001/callback,http://127.0.0.1:50002/oauth/done",
    "LogoutUrls": "http://127.0.0.1:50001/bye,http://127.0.0.1:50002/bye",
    "AdminGroupName": "Operators",
    "ApiIdentifier": "https://api.acme.example",
    "AccessTokenMinutes": "15",
    "IdTokenMinutes": "20",
    "RefreshTokenDays": "7",
    "RefreshTokenRotation": "DISABLED",
    "RefreshTokenGraceSeconds": "0",
    "AllowSelfSignUp": "true",
    "MfaConfiguration": "ON",
    "RequireAdminMfa": "true",
    "VerificationEmailSubject": "Acme: confirm your email",
    "VerificationEmailMessage": "<p>Hello,</p>\n<p>Your Acme code is <b>{####}</b>.</p>",
    "CodeS3Bucket": "acme-artifacts",
    "CodeS3Key": "protected-api/protected-api-0123456789ab.zip",
    "EnablePasswordSignIn": "true",
    "TriggersCodeS3Key": "triggers/triggers-0123456789ab.zip",
    "AllowedEmailDomains": "acme.example,acme-labs.example.org",
    "DefaultGroup": "Customers",
    "DefaultPlan": "trial",
    "AppName": "Acme Desktop",
}
REQUIRED = {
    "DomainPrefix": "cognito-desktop-test",
    "CodeS3Bucket": "my-artifacts",
    "CodeS3Key": "protected-api/protected-api-f00dfeedbeef.zip",
    "TriggersCodeS3Key": "triggers/triggers-f00dfeedbeef.zip",
}


@pytest.fixture(params=["defaults", "custom"])
def deployment(request: pytest.FixtureRequest) -> cfn.Deployment:
    """The stack with the default parameters, and with every setting changed."""
    return cfn.Deployment(REQUIRED if request.param == "defaults" else CUSTOM)


@pytest.fixture
def default_deployment() -> cfn.Deployment:
    return cfn.Deployment(REQUIRED)


def app_profile(deployment: cfn.Deployment, tmp_path: Path, name: str = "aws") -> config.Profile:
    """What the app loads after ``stack_profile`` turned the stack's outputs into a profile."""
    outputs = stack_profile.stack_outputs(deployment.describe_stacks())
    path = tmp_path / "config.toml"
    path.write_text(stack_profile.render(name, stack_profile.profile_table(outputs)))
    return config.load_profile(path, name)


def client(deployment: cfn.Deployment) -> dict[str, Any]:
    """The desktop app's client (with password sign-in on, the stack has a second one)."""
    return deployment.resource("DesktopClient")


# -- redirect URIs --------------------------------------------------------------------


def test_callback_urls_are_the_loopback_ports_the_app_tries(
    default_deployment: cfn.Deployment,
) -> None:
    # The ports the desktop app tries, as the stand-in registers them and writes them
    # into the `local` profile (local_cognito/settings.py), with this environment's path:
    # the stack name when EnvironmentName is left empty.
    props = client(default_deployment)
    environment = default_deployment.stack_name
    assert props["CallbackURLs"] == local_settings.callback_urls(environment=environment)
    assert props["LogoutURLs"] == local_settings.logout_urls(environment=environment)
    assert props["CallbackURLs"][0] == "http://127.0.0.1:53682/callback/cognito-desktop"


def test_environment_name_gives_the_default_urls_their_path(tmp_path: Path) -> None:
    deployment = cfn.Deployment({**REQUIRED, "EnvironmentName": "staging"})
    props = client(deployment)
    assert props["CallbackURLs"] == local_settings.callback_urls(environment="staging")
    assert props["LogoutURLs"] == local_settings.logout_urls(environment="staging")
    profile = app_profile(deployment, tmp_path)
    assert profile.redirect_uris[0] == "http://127.0.0.1:53682/callback/staging"
    assert profile.logout_uri == "http://127.0.0.1:53682/signed-out/staging"


def test_two_stacks_make_profiles_the_app_loads_side_by_side(tmp_path: Path) -> None:
    # Two environments (stacks with default parameters but their own names) give two
    # profiles with redirect URIs of their own, so one config file holds both.
    tables = {}
    for name, stack in (("dev", "cognito-desktop-dev"), ("prod", "cognito-desktop-prod")):
        deployment = cfn.Deployment(REQUIRED, stack_name=stack)
        outputs = stack_profile.stack_outputs(deployment.describe_stacks())
        tables[name] = stack_profile.profile_table(outputs)
    path = tmp_path / "config.toml"
    path.write_text(
        stack_profile.render("dev", tables["dev"])
        + "\n"
        + stack_profile.render("prod", tables["prod"])
    )
    profiles = config.load(path)
    assert profiles["dev"].redirect_uris[0] == "http://127.0.0.1:53682/callback/cognito-desktop-dev"
    assert profiles["prod"].redirect_uris[0] == (
        "http://127.0.0.1:53682/callback/cognito-desktop-prod"
    )


@pytest.mark.parametrize("value", ["has space", "a/b", "x" * 65])
def test_environment_name_is_a_profile_name(value: str) -> None:
    good = cfn.Deployment({**REQUIRED, "EnvironmentName": "qa-2_x"})
    assert good.parameter("EnvironmentName") == "qa-2_x"
    with pytest.raises(AssertionError):  # the parameter's AllowedPattern refuses it
        cfn.Deployment({**REQUIRED, "EnvironmentName": value}).parameter("EnvironmentName")


def test_profile_redirect_uris_equal_the_clients_callback_urls(
    deployment: cfn.Deployment, tmp_path: Path
) -> None:
    props = client(deployment)
    profile = app_profile(deployment, tmp_path)
    # Cognito compares redirect_uri character for character (scheme, host, port, path).
    assert list(profile.redirect_uris) == props["CallbackURLs"]
    assert all(isinstance(uri, str) for uri in props["CallbackURLs"])
    assert profile.logout_uri == props["LogoutURLs"][0]
    assert profile.logout_uri in props["LogoutURLs"]


def test_profile_names_this_pool_client_domain_and_api(
    deployment: cfn.Deployment, tmp_path: Path
) -> None:
    profile = app_profile(deployment, tmp_path)
    domain = deployment.only("AWS::Cognito::UserPoolDomain")
    group = deployment.resource("AdminGroup")
    assert profile.user_pool_id == deployment.user_pool_id
    assert profile.region == deployment.region
    assert profile.issuer == (
        f"https://cognito-idp.{deployment.region}.amazonaws.com/{deployment.user_pool_id}"
    )
    assert profile.client_id == deployment.client_id
    assert (
        profile.domain == f"https://{domain['Domain']}.auth.{deployment.region}.amazoncognito.com"
    )
    assert profile.api_url == deployment.get_att("HttpApi", "ApiEndpoint")
    assert profile.admin_group == group["GroupName"]
    assert list(profile.scopes) == client(deployment)["AllowedOAuthScopes"]
    # Only what a real pool needs: discovery comes from the issuer.
    assert profile.discovery_url is None


def test_outputs_are_exactly_the_profile_keys(default_deployment: cfn.Deployment) -> None:
    assert set(default_deployment.template["Outputs"]) == set(stack_profile.OUTPUTS)
    profile_fields = {f.name for f in dataclasses.fields(config.Profile)}
    assert set(stack_profile.OUTPUTS.values()) <= profile_fields
    assert len(set(stack_profile.OUTPUTS.values())) == len(stack_profile.OUTPUTS)
    implied = {key for keys in stack_profile.IMPLIED_KEYS.values() for key in keys}
    assert implied <= profile_fields
    assert not implied & set(stack_profile.OUTPUTS.values())
    # An output that may be absent is one the profile can do without.
    conditional = {
        k for k, spec in default_deployment.template["Outputs"].items() if "Condition" in spec
    }
    assert conditional <= stack_profile.OPTIONAL_OUTPUTS


# -- the app client -------------------------------------------------------------------


def test_client_is_public_and_authorization_code_only(deployment: cfn.Deployment) -> None:
    props = client(deployment)
    assert props["GenerateSecret"] is False
    assert "ClientSecret" not in props
    assert props["AllowedOAuthFlowsUserPoolClient"] is True
    assert props["AllowedOAuthFlows"] == ["code"]
    assert props["SupportedIdentityProviders"] == ["COGNITO"]
    # No API sign-in (SRP, password, custom): only managed login, then the refresh grant.
    # The list is always given: left out, Cognito would allow SRP and custom auth.
    assert set(props["ExplicitAuthFlows"]) <= {"ALLOW_REFRESH_TOKEN_AUTH"}
    # Cognito refuses REFRESH_TOKEN_AUTH on a client with refresh-token rotation.
    rotating = props["RefreshTokenRotation"]["Feature"] == "ENABLED"
    assert ("ALLOW_REFRESH_TOKEN_AUTH" in props["ExplicitAuthFlows"]) is not rotating
    assert props["PreventUserExistenceErrors"] == "ENABLED"


def test_client_scopes_are_oidc_the_apis_and_sign_out_everywhere(
    deployment: cfn.Deployment,
) -> None:
    props = client(deployment)
    server = deployment.only("AWS::Cognito::UserPoolResourceServer")
    api_scopes = {f"{server['Identifier']}/{s['ScopeName']}" for s in server["Scopes"]}
    assert api_scopes
    scopes = props["AllowedOAuthScopes"]
    assert len(scopes) == len(set(scopes))
    assert set(scopes) == {"openid", "email", "profile", session.ADMIN_SCOPE} | api_scopes
    # Whatever the stand-in grants, the real client grants too.
    assert set(local_settings.DEFAULT_SCOPES) <= set(scopes)
    # The scopes name the resource server, which must exist before the client.
    assert "ApiResourceServer" in _depends_on(deployment, "DesktopClient")


def test_token_revocation_on_and_lifetimes_and_rotation_follow_parameters(
    deployment: cfn.Deployment,
) -> None:
    props = client(deployment)
    assert props["EnableTokenRevocation"] is True
    assert props["AccessTokenValidity"] == deployment.parameter("AccessTokenMinutes")
    assert props["IdTokenValidity"] == deployment.parameter("IdTokenMinutes")
    assert props["RefreshTokenValidity"] == deployment.parameter("RefreshTokenDays")
    assert props["TokenValidityUnits"] == {
        "AccessToken": "minutes",
        "IdToken": "minutes",
        "RefreshToken": "days",
    }
    assert props["RefreshTokenRotation"] == {
        "Feature": deployment.parameter("RefreshTokenRotation"),
        "RetryGracePeriodSeconds": deployment.parameter("RefreshTokenGraceSeconds"),
    }


def test_token_parameters_are_bounded_as_cognito_bounds_them(
    default_deployment: cfn.Deployment,
) -> None:
    params = default_deployment.template["Parameters"]
    # Access and ID tokens: 5 minutes to 1 day; refresh: at least a day here, at most
    # 10 years; rotation grace 0-60 s (the stand-in enforces the same).
    assert (params["AccessTokenMinutes"]["MinValue"], params["AccessTokenMinutes"]["MaxValue"]) == (
        5,
        1440,
    )
    assert (params["IdTokenMinutes"]["MinValue"], params["IdTokenMinutes"]["MaxValue"]) == (5, 1440)
    assert params["RefreshTokenDays"]["MaxValue"] == 3650
    assert params["RefreshTokenGraceSeconds"]["MaxValue"] == local_settings.MAX_ROTATION_GRACE_S
    assert set(params["RefreshTokenRotation"]["AllowedValues"]) == {"ENABLED", "DISABLED"}


def _depends_on(deployment: cfn.Deployment, name: str) -> list[str]:
    depends = deployment.template["Resources"][name].get("DependsOn", [])
    return [depends] if isinstance(depends, str) else list(depends)


# -- the pool -------------------------------------------------------------------------


def test_user_pool_admin_created_users_email_sign_in_and_invitations(
    deployment: cfn.Deployment,
) -> None:
    pool = deployment.only("AWS::Cognito::UserPool")
    admin_only = pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"]
    assert admin_only is (deployment.parameter("AllowSelfSignUp") == "false")
    invite = pool["AdminCreateUserConfig"]["InviteMessageTemplate"]
    # Cognito refuses an invitation template without both placeholders.
    assert "{username}" in invite["EmailMessage"]
    assert "{####}" in invite["EmailMessage"]
    assert invite["EmailSubject"].strip()
    assert "email" in pool["AliasAttributes"]
    assert "email" in pool["AutoVerifiedAttributes"]
    assert pool["UsernameConfiguration"] == {"CaseSensitive": False}
    policy = pool["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 12
    assert all(
        policy[k] is True
        for k in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols")
    )
    # The invitation text promises what the pool enforces.
    days = policy["TemporaryPasswordValidityDays"]
    assert f"{days} days" in invite["EmailMessage"]


def test_user_pool_survives_stack_deletion_and_replacement(
    default_deployment: cfn.Deployment,
) -> None:
    (name,) = default_deployment.resources_of("AWS::Cognito::UserPool")
    resource = default_deployment.template["Resources"][name]
    assert resource["DeletionPolicy"] == "Retain"
    assert resource["UpdateReplacePolicy"] == "Retain"


def test_admin_group_managed_login_domain_and_branding(deployment: cfn.Deployment) -> None:
    group = deployment.resource("AdminGroup")
    assert group["GroupName"] == deployment.parameter("AdminGroupName")
    assert group["UserPoolId"] == deployment.user_pool_id
    domain = deployment.only("AWS::Cognito::UserPoolDomain")
    assert domain["Domain"] == deployment.parameter("DomainPrefix")
    assert domain["ManagedLoginVersion"] == 2
    branding = deployment.only("AWS::Cognito::ManagedLoginBranding")
    assert branding["ClientId"] == deployment.client_id
    assert branding["UseCognitoProvidedValues"] is True


def test_default_admin_group_is_the_apps_and_the_stand_ins(
    default_deployment: cfn.Deployment,
) -> None:
    group = default_deployment.resource("AdminGroup")
    assert group["GroupName"] == local_settings.ADMIN_GROUP
    assert group["GroupName"] == config.Profile.__dataclass_fields__["admin_group"].default
    assert group["GroupName"] == api_settings.Settings.__dataclass_fields__["admin_group"].default


# -- the API --------------------------------------------------------------------------


class _Recording(dict[str, str]):
    """An environment that remembers which variables were asked for."""

    def __init__(self, values: dict[str, str]) -> None:
        super().__init__(values)
        self.asked: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        return super().get(key, default)


def test_function_environment_is_the_apis_own_settings(
    deployment: cfn.Deployment, tmp_path: Path
) -> None:
    env = deployment.resource("ApiFunction")["Environment"]["Variables"]
    recorded = _Recording({k: str(v) for k, v in env.items()})
    parsed = api_settings.Settings.from_env(recorded)
    # Only variables the API reads (protected_api/settings.py), and the local-only
    # overrides left unset so the real JWKS and cognito-idp endpoints are used.
    assert set(env) <= recorded.asked
    assert "COGNITO_JWKS_URL" not in env
    assert "COGNITO_IDP_ENDPOINT_URL" not in env
    profile = app_profile(deployment, tmp_path)
    assert parsed.issuer == profile.issuer
    # The automation client's tokens authorise the API like the desktop client's.
    automation = deployment.resources_of("AWS::Cognito::UserPoolClient")[1:]
    assert parsed.client_ids == (profile.client_id, *(deployment.ref(c) for c in automation))
    assert parsed.admin_group == profile.admin_group
    assert parsed.jwks_url == f"{profile.issuer}/.well-known/jwks.json"
    assert parsed.idp_endpoint_url is None


def test_function_runs_the_lambda_handler_on_the_built_runtime(
    deployment: cfn.Deployment,
) -> None:
    function = deployment.resource("ApiFunction")
    module_name, _, attribute = function["Handler"].rpartition(".")
    assert callable(getattr(importlib.import_module(module_name), attribute))
    assert function["Runtime"] == f"python{build_lambda.PYTHON_VERSION}"
    arch_param = deployment.template["Parameters"]["LambdaArchitecture"]
    assert sorted(arch_param["AllowedValues"]) == sorted(build_lambda.PLATFORMS)
    assert function["Architectures"] == [deployment.parameter("LambdaArchitecture")]
    assert function["Code"] == {
        "S3Bucket": deployment.parameter("CodeS3Bucket"),
        "S3Key": deployment.parameter("CodeS3Key"),
    }
    assert function["Role"] == deployment.get_att("ApiRole", "Arn")
    # API Gateway gives up on an integration after 30 s.
    assert function["Timeout"] < 30
    # The runtime logs at ApplicationLogLevel: INFO lets the audit lines through.
    assert function["LoggingConfig"]["ApplicationLogLevel"] == "INFO"


def test_http_api_sends_every_request_to_the_function_as_payload_2(
    deployment: cfn.Deployment,
) -> None:
    integration = deployment.only("AWS::ApiGatewayV2::Integration")
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert integration["PayloadFormatVersion"] == "2.0"
    assert integration["IntegrationUri"] == deployment.get_att("ApiFunction", "Arn")
    route = deployment.only("AWS::ApiGatewayV2::Route")
    assert route["RouteKey"] == "$default"
    assert "AuthorizationType" not in route  # the function verifies tokens (deploy-aws.md)
    assert route["Target"] == f"integrations/{deployment.ref('HttpApiIntegration')}"
    stage = deployment.only("AWS::ApiGatewayV2::Stage")
    # $default stage: no path prefix, so Mangum's api_gateway_base_path stays "/".
    assert stage["StageName"] == "$default"
    assert stage["AutoDeploy"] is True
    permission = deployment.resource("ApiInvokePermission")
    assert permission["Principal"] == "apigateway.amazonaws.com"
    assert permission["SourceArn"].startswith(
        f"arn:aws:execute-api:{deployment.region}:{deployment.account}:{deployment.api_id}/"
    )


# -- accounts and MFA (issue 18) ----------------------------------------------------------


def _pool(deployment: cfn.Deployment) -> dict[str, Any]:
    return deployment.only("AWS::Cognito::UserPool")


@pytest.mark.parametrize("name", ["AllowSelfSignUp", "RequireAdminMfa", "EnablePasswordSignIn"])
def test_switch_parameters_are_the_strings_true_and_false_off_by_default(name: str) -> None:
    spec = cfn.load()["Parameters"][name]
    # Strings, not YAML booleans: CloudFormation compares them with "true" in conditions.
    assert spec["Type"] == "String"
    assert spec["AllowedValues"] == ["false", "true"]
    assert spec["Default"] == "false"


def test_mfa_parameter_is_off_optional_or_on_and_optional_by_default() -> None:
    spec = cfn.load()["Parameters"]["MfaConfiguration"]
    # A bare OFF or ON would load as a YAML boolean, which no caller could pass.
    assert all(isinstance(v, str) for v in spec["AllowedValues"])
    assert set(spec["AllowedValues"]) == {"OFF", "OPTIONAL", "ON"}
    assert spec["Default"] == "OPTIONAL"  # what the pool had before the parameter


@pytest.mark.parametrize("mfa", ["OFF", "OPTIONAL", "ON"])
def test_pool_mfa_follows_the_parameter_and_is_totp_only(mfa: str) -> None:
    pool = _pool(cfn.Deployment({**REQUIRED, "MfaConfiguration": mfa}))
    assert pool["MfaConfiguration"] == mfa
    if mfa == "OFF":
        # Cognito refuses enabled factors on a pool whose MFA is off.
        assert "EnabledMfas" not in pool
    else:
        # TOTP only: SMS would need an SNS role and phone numbers, email OTP other tiers.
        assert pool["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert "SmsConfiguration" not in pool


@pytest.mark.parametrize(("allow", "admin_only"), [("false", True), ("true", False)])
def test_self_sign_up_parameter_sets_admin_create_user_only_and_the_profile(
    allow: str, admin_only: bool, tmp_path: Path
) -> None:
    deployment = cfn.Deployment({**REQUIRED, "AllowSelfSignUp": allow})
    assert _pool(deployment)["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is admin_only
    profile = app_profile(deployment, tmp_path)
    assert profile.self_sign_up is (not admin_only)
    # Recovery by verified email is always on, so "Forgot your password?" always works.
    assert profile.password_reset is True


def test_sign_up_verifies_email_with_a_code_and_recovery_uses_it(
    deployment: cfn.Deployment,
) -> None:
    pool = _pool(deployment)
    # Confirming a sign-up verifies the email address, the only recovery mechanism.
    assert pool["AutoVerifiedAttributes"] == ["email"]
    assert pool["AccountRecoverySetting"] == {
        "RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]
    }
    template = pool["VerificationMessageTemplate"]
    assert template == {
        "DefaultEmailOption": "CONFIRM_WITH_CODE",
        "EmailSubject": deployment.parameter("VerificationEmailSubject"),
        "EmailMessage": deployment.parameter("VerificationEmailMessage"),
    }
    assert "{####}" in template["EmailMessage"]
    # Only the template: the legacy top-level properties would contradict it.
    assert not {"EmailVerificationMessage", "EmailVerificationSubject"} & set(pool)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("VerificationEmailMessage", "Your code is {###}."),
        ("VerificationEmailMessage", "Your code is ####."),
        ("VerificationEmailMessage", ""),
        ("VerificationEmailSubject", ""),
        ("VerificationEmailSubject", "   "),
    ],
)
def test_verification_message_parameters_refuse_what_cognito_would(name: str, value: str) -> None:
    with pytest.raises(AssertionError):  # AllowedPattern: the code placeholder, a subject
        cfn.Deployment({**REQUIRED, name: value}).parameter(name)


def test_verification_message_may_span_lines_around_the_code() -> None:
    message = "Hello,\n\nyour code is {####}.\n\nIgnore this if it was not you."
    deployment = cfn.Deployment({**REQUIRED, "VerificationEmailMessage": message})
    assert _pool(deployment)["VerificationMessageTemplate"]["EmailMessage"] == message
    subject = cfn.load()["Parameters"]["VerificationEmailSubject"]
    assert subject["MaxLength"] == 140  # Cognito's limit for EmailSubject


@pytest.mark.parametrize("required", ["false", "true"])
def test_require_admin_mfa_reaches_the_function(required: str) -> None:
    deployment = cfn.Deployment({**REQUIRED, "RequireAdminMfa": required})
    env = deployment.resource("ApiFunction")["Environment"]["Variables"]
    assert env["REQUIRE_ADMIN_MFA"] == required
    parsed = api_settings.Settings.from_env({k: str(v) for k, v in env.items()})
    assert parsed.require_admin_mfa is (required == "true")


@pytest.mark.parametrize(
    ("mfa", "require", "refused"),
    [
        ("OFF", "true", True),
        ("OFF", "false", False),
        ("OPTIONAL", "true", False),
        ("ON", "true", False),
    ],
)
def test_requiring_admin_mfa_on_a_pool_without_mfa_is_refused(
    mfa: str, require: str, refused: bool
) -> None:
    # Admins could not enrol the TOTP the API would demand: the stack's Rules refuse it.
    deployment = cfn.Deployment({**REQUIRED, "MfaConfiguration": mfa, "RequireAdminMfa": require})
    assert deployment.failed_rules() == (["AdminMfaNeedsMfa"] if refused else [])


def test_default_and_custom_parameters_pass_the_rules(deployment: cfn.Deployment) -> None:
    assert deployment.failed_rules() == []


# -- password sign-in through the API (issue 19) --------------------------------------------

ENABLED = {**REQUIRED, "EnablePasswordSignIn": "true"}
# What EnablePasswordSignIn=true adds, and nothing else does.
PASSWORD_SIGN_IN_RESOURCES = {"AutomationClient", "AttemptTable"}
PASSWORD_SIGN_IN_VARIABLES = {"PASSWORD_SIGN_IN_CLIENT_ID", "ATTEMPT_STORE_TABLE"}


@pytest.fixture(params=["rotating-desktop-client", "custom"])
def enabled(request: pytest.FixtureRequest) -> cfn.Deployment:
    """Password sign-in on, with the default parameters and with every setting changed."""
    return cfn.Deployment(ENABLED if request.param == "rotating-desktop-client" else CUSTOM)


def _environment(deployment: cfn.Deployment) -> dict[str, Any]:
    variables = deployment.resource("ApiFunction")["Environment"]["Variables"]
    assert isinstance(variables, dict)
    return variables


def _table(deployment: cfn.Deployment) -> dict[str, str | bool | list[str]]:
    outputs = stack_profile.stack_outputs(deployment.describe_stacks())
    return stack_profile.profile_table(outputs)


def test_password_sign_in_off_creates_nothing_of_it(default_deployment: cfn.Deployment) -> None:
    deployment = default_deployment
    assert deployment.parameter("EnablePasswordSignIn") == "false"
    created = {name for name in deployment.template["Resources"] if deployment.exists(name)}
    assert not created & PASSWORD_SIGN_IN_RESOURCES
    assert deployment.resources_of("AWS::Cognito::UserPoolClient") == ["DesktopClient"]
    assert deployment.resources_of("AWS::DynamoDB::Table") == []
    env = _environment(deployment)
    assert not set(env) & PASSWORD_SIGN_IN_VARIABLES
    assert env["COGNITO_CLIENT_IDS"] == deployment.client_id
    policies = deployment.resource("ApiRole")["Policies"]
    assert [p["PolicyName"] for p in policies] == ["cognito-admin", "logs"]
    assert "PasswordSignInClientId" not in deployment.outputs()
    table = _table(deployment)
    assert "password_sign_in" not in table
    assert "password_sign_in_client_id" not in table


def test_everything_password_sign_in_adds_is_conditional_on_the_parameter() -> None:
    template = cfn.load()
    assert template["Conditions"]["PasswordSignIn"] == {
        "Fn::Equals": [{"Ref": "EnablePasswordSignIn"}, "true"]
    }
    conditional = {
        name for name, r in template["Resources"].items() if r.get("Condition") == "PasswordSignIn"
    }
    assert conditional == PASSWORD_SIGN_IN_RESOURCES
    assert template["Outputs"]["PasswordSignInClientId"]["Condition"] == "PasswordSignIn"


def test_password_sign_in_on_creates_the_client_the_table_and_the_output(
    enabled: cfn.Deployment,
) -> None:
    created = {name for name in enabled.template["Resources"] if enabled.exists(name)}
    assert created >= PASSWORD_SIGN_IN_RESOURCES
    assert enabled.resources_of("AWS::Cognito::UserPoolClient") == [
        "DesktopClient",
        "AutomationClient",
    ]
    assert enabled.outputs()["PasswordSignInClientId"] == enabled.ref("AutomationClient")
    assert enabled.ref("AutomationClient") != enabled.client_id


def test_automation_client_has_only_the_admin_password_flow_and_refresh(
    enabled: cfn.Deployment,
) -> None:
    props = enabled.resource("AutomationClient")
    assert props["UserPoolId"] == enabled.user_pool_id
    # Public: the API holds no client secret (and so sends no SECRET_HASH).
    assert props["GenerateSecret"] is False
    assert "ClientSecret" not in props
    # No OAuth: no managed login, no redirect URIs, no scopes of its own.
    assert props["AllowedOAuthFlowsUserPoolClient"] is False
    oauth = {
        "AllowedOAuthFlows",
        "AllowedOAuthScopes",
        "CallbackURLs",
        "LogoutURLs",
        "DefaultRedirectURI",
        "SupportedIdentityProviders",
    }
    assert not oauth & set(props)
    # Exactly the server-side password flow (which needs the API's IAM credentials) and
    # refresh: no SRP, no USER_PASSWORD_AUTH from anywhere, no custom auth.
    assert props["ExplicitAuthFlows"] == [
        "ALLOW_ADMIN_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    ]
    # Unknown user and wrong password answer alike.
    assert props["PreventUserExistenceErrors"] == "ENABLED"
    assert props["EnableTokenRevocation"] is True
    # REFRESH_TOKEN_AUTH (POST /auth/refresh) is refused on a rotating client.
    assert props["RefreshTokenRotation"] == {"Feature": "DISABLED"}


def test_automation_client_tokens_live_as_long_as_the_desktop_clients(
    enabled: cfn.Deployment,
) -> None:
    automation = enabled.resource("AutomationClient")
    desktop = client(enabled)
    for key in ("AccessTokenValidity", "IdTokenValidity", "RefreshTokenValidity"):
        assert automation[key] == desktop[key], key
    assert automation["TokenValidityUnits"] == desktop["TokenValidityUnits"]
    assert automation["AuthSessionValidity"] == desktop["AuthSessionValidity"]
    assert automation["AccessTokenValidity"] == enabled.parameter("AccessTokenMinutes")


def test_attempt_table_is_on_demand_with_ttl_and_encrypted(enabled: cfn.Deployment) -> None:
    (name,) = enabled.resources_of("AWS::DynamoDB::Table")
    table = enabled.resource(name)
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert "ProvisionedThroughput" not in table
    # One string partition key, the store's (tests/infra/test_attempt_table.py runs the
    # store on a table made from these properties).
    assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert table["AttributeDefinitions"] == [{"AttributeName": "pk", "AttributeType": "S"}]
    # Counters expire by themselves: DynamoDB deletes items whose expires_at has passed.
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    # Nothing worth restoring, nothing worth keeping after the stack.
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": False}
    assert table["SSESpecification"] == {"SSEEnabled": True}
    # A generated name: no clash between stacks, no replacement trouble on updates.
    assert "TableName" not in table
    resource = enabled.template["Resources"][name]
    assert resource["DeletionPolicy"] == "Delete"
    assert resource["UpdateReplacePolicy"] == "Delete"
    assert not {"GlobalSecondaryIndexes", "LocalSecondaryIndexes", "StreamSpecification"} & set(
        table
    )


def test_password_sign_in_reaches_the_function(enabled: cfn.Deployment) -> None:
    env = _environment(enabled)
    automation = enabled.ref("AutomationClient")
    assert env["PASSWORD_SIGN_IN_CLIENT_ID"] == automation
    assert env["ATTEMPT_STORE_TABLE"] == enabled.ref("AttemptTable")
    assert env["COGNITO_CLIENT_IDS"].split(",") == [enabled.client_id, automation]
    # ...and the API reads each of them (protected_api/settings.py).
    recorded = _Recording({k: str(v) for k, v in env.items()})
    api_settings.Settings.from_env(recorded)
    assert recorded.asked >= PASSWORD_SIGN_IN_VARIABLES


def test_password_sign_in_profile_keys_and_the_app_loads_them(
    enabled: cfn.Deployment, tmp_path: Path
) -> None:
    table = _table(enabled)
    assert table["password_sign_in"] is True
    assert table["password_sign_in_client_id"] == enabled.ref("AutomationClient")
    # The flow goes through the API, whose URL the profile always has.
    assert table["api_url"] == enabled.get_att("HttpApi", "ApiEndpoint")
    profile = app_profile(enabled, tmp_path)
    assert profile.password_sign_in is True
    assert profile.password_sign_in_client_id == enabled.ref("AutomationClient")
    assert profile.client_id == enabled.client_id  # the GUI's browser flow is unchanged


# -- Cognito Lambda triggers (issue 20) -----------------------------------------------------

TRIGGERS = pytest.mark.parametrize("key", sorted(triggers.HANDLERS))
# The LambdaConfig entry of each trigger: pre token generation's is its Config form.
LAMBDA_CONFIG_KEYS = {key: key for key in triggers.HANDLERS} | {
    "PreTokenGeneration": "PreTokenGenerationConfig"
}
# The custom attributes the triggers and admins write, and people never may.
TRIGGER_ATTRIBUTES = (triggers.PLAN_ATTRIBUTE, triggers.LAST_SIGN_IN_ATTRIBUTE)


def _switch(key: str) -> str:
    return f"Enable{key}Trigger"


def _trigger_function(deployment: cfn.Deployment, key: str) -> str | None:
    """The function running the trigger for LambdaConfig ``key``, if the stack has one."""
    handler = f"{triggers.HANDLERS[key]}.handler"
    names = [
        n
        for n in deployment.resources_of("AWS::Lambda::Function")
        if deployment.template["Resources"][n]["Properties"]["Handler"] == handler
    ]
    assert len(names) <= 1, names
    return names[0] if names else None


def _function(deployment: cfn.Deployment, key: str) -> tuple[str, dict[str, Any]]:
    name = _trigger_function(deployment, key)
    assert name is not None, f"no function for {key}"
    return name, deployment.resource(name)


def _lambda_config(deployment: cfn.Deployment) -> dict[str, Any]:
    config_ = _pool(deployment).get("LambdaConfig", {})
    assert isinstance(config_, dict)
    return config_


@pytest.mark.parametrize("key", sorted(triggers.HANDLERS))
def test_trigger_switches_are_the_strings_true_and_false_on_by_default(key: str) -> None:
    spec = cfn.load()["Parameters"][_switch(key)]
    assert spec["Type"] == "String"
    assert spec["AllowedValues"] == ["false", "true"]
    assert spec["Default"] == "true"
    assert cfn.load()["Conditions"][f"{key}Trigger"] == {
        "Fn::Equals": [{"Ref": _switch(key)}, "true"]
    }


@TRIGGERS
def test_each_trigger_is_a_small_python_function_from_the_triggers_zip(
    deployment: cfn.Deployment, key: str
) -> None:
    _, function = _function(deployment, key)
    module_name, _, attribute = function["Handler"].rpartition(".")
    assert module_name == triggers.HANDLERS[key]
    assert callable(getattr(importlib.import_module(module_name), attribute))
    assert function["Runtime"] == f"python{build_lambda.PYTHON_VERSION}"
    assert function["Architectures"] == [deployment.parameter("LambdaArchitecture")]
    # The same bucket as the API's code, the triggers' own zip.
    assert function["Code"] == {
        "S3Bucket": deployment.parameter("CodeS3Bucket"),
        "S3Key": deployment.parameter("TriggersCodeS3Key"),
    }
    # Cognito waits 5 s for a trigger.
    assert function["Timeout"] == 5
    assert function["MemorySize"] <= 256
    assert function["FunctionName"].startswith(f"{deployment.stack_name}-")
    # Its own log group, /aws/lambda/<name>, kept as long as the API's.
    (log_group,) = [
        n
        for n in deployment.resources_of("AWS::Logs::LogGroup")
        if deployment.ref(n) == function["LoggingConfig"]["LogGroup"]
    ]
    assert deployment.ref(log_group) == f"/aws/lambda/{function['FunctionName']}"
    assert deployment.resource(log_group)["RetentionInDays"] == deployment.parameter(
        "LogRetentionDays"
    )
    assert function["LoggingConfig"]["LogFormat"] == "JSON"


@TRIGGERS
def test_lambda_config_names_each_trigger_with_v2_token_events(
    deployment: cfn.Deployment, key: str
) -> None:
    name, _ = _function(deployment, key)
    arn = deployment.get_att(name, "Arn")
    lambda_config = _lambda_config(deployment)
    assert set(lambda_config) == set(LAMBDA_CONFIG_KEYS.values())
    if key == "PreTokenGeneration":
        # V2_0: the plan claim in access tokens too; the legacy key would mean V1_0.
        assert lambda_config["PreTokenGenerationConfig"] == {
            "LambdaArn": arn,
            "LambdaVersion": "V2_0",
        }
        assert "PreTokenGeneration" not in lambda_config
    else:
        assert lambda_config[key] == arn


def test_v2_token_events_have_the_feature_plan_they_need(deployment: cfn.Deployment) -> None:
    # Pre token generation V2_0 (access-token claims) needs Essentials or Plus.
    assert _pool(deployment)["UserPoolTier"] in {"ESSENTIALS", "PLUS"}


@TRIGGERS
def test_everything_of_a_trigger_hangs_on_its_switch(key: str) -> None:
    template = cfn.load()
    resources = template["Resources"]
    conditional = {n for n, r in resources.items() if r.get("Condition") == f"{key}Trigger"}
    kinds = sorted(resources[n]["Type"] for n in conditional)
    expected = [
        "AWS::IAM::Role",
        "AWS::Lambda::Function",
        "AWS::Lambda::Permission",
        "AWS::Logs::LogGroup",
    ]
    assert [k for k in kinds if k != "AWS::IAM::Policy"] == expected
    # ...and the pool's LambdaConfig entry is an Fn::If on the same condition.
    entry = resources["UserPool"]["Properties"]["LambdaConfig"][LAMBDA_CONFIG_KEYS[key]]
    assert entry["Fn::If"][0] == f"{key}Trigger"
    assert entry["Fn::If"][2] == {"Ref": "AWS::NoValue"}


@TRIGGERS
def test_turning_a_trigger_off_removes_it_and_only_it(key: str) -> None:
    on = cfn.Deployment(REQUIRED)
    off = cfn.Deployment({**REQUIRED, _switch(key): "false"})
    assert LAMBDA_CONFIG_KEYS[key] not in _lambda_config(off)
    assert set(_lambda_config(off)) == set(_lambda_config(on)) - {LAMBDA_CONFIG_KEYS[key]}
    assert _trigger_function(off, key) is None
    for other in set(triggers.HANDLERS) - {key}:
        assert _trigger_function(off, other) is not None
    for kind in ("AWS::Lambda::Function", "AWS::Lambda::Permission", "AWS::Logs::LogGroup"):
        assert len(off.resources_of(kind)) == len(on.resources_of(kind)) - 1, kind
    assert len(off.resources_of("AWS::IAM::Role")) == len(on.resources_of("AWS::IAM::Role")) - 1


def test_with_every_trigger_off_the_pool_has_none() -> None:
    deployment = cfn.Deployment({**REQUIRED, **{_switch(k): "false" for k in triggers.HANDLERS}})
    assert _lambda_config(deployment) == {}
    assert deployment.resources_of("AWS::Lambda::Function") == ["ApiFunction"]
    assert deployment.resources_of("AWS::IAM::Role") == ["ApiRole"]
    assert deployment.resources_of("AWS::IAM::Policy") == []
    assert deployment.resources_of("AWS::Lambda::Permission") == ["ApiInvokePermission"]


@TRIGGERS
def test_only_cognito_invokes_each_trigger_and_only_for_this_pool(
    deployment: cfn.Deployment, key: str
) -> None:
    name, _ = _function(deployment, key)
    arn = deployment.get_att(name, "Arn")
    permissions = [
        deployment.resource(p)
        for p in deployment.resources_of("AWS::Lambda::Permission")
        if deployment.resource(p)["FunctionName"] in (arn, deployment.ref(name))
    ]
    assert permissions == [
        {
            "Action": "lambda:InvokeFunction",
            "FunctionName": arn,
            "Principal": "cognito-idp.amazonaws.com",
            "SourceArn": deployment.get_att("UserPool", "Arn"),
            "SourceAccount": deployment.account,
        }
    ]


def _references(value: Any) -> set[str]:
    """The names ``value`` refers to with Ref, GetAtt or Sub (resources and parameters)."""
    if isinstance(value, list):
        return set().union(*(_references(v) for v in value)) if value else set()
    if not isinstance(value, dict):
        return set()
    found: set[str] = set()
    for key, arg in value.items():
        if key == "Ref":
            found.add(arg)
        elif key == "Fn::GetAtt":
            found.add(arg[0])
        elif key == "Fn::Sub":
            text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
            names = re.findall(r"\$\{([^}!][^}]*)\}", text)
            found |= {n.split(".")[0] for n in names if n not in variables}
            found |= _references(variables)
        else:
            found |= _references(arg)
    return found


def _needs(template: dict[str, Any], name: str) -> set[str]:
    """Every resource ``name`` waits for, directly or not."""
    resources = template["Resources"]
    found: set[str] = set()
    pending = [name]
    while pending:
        resource = resources[pending.pop()]
        depends = resource.get("DependsOn", [])
        direct = _references(resource.get("Properties", {})) | set(
            [depends] if isinstance(depends, str) else depends
        )
        for other in (direct & set(resources)) - found:
            found.add(other)
            pending.append(other)
    return found


@TRIGGERS
def test_no_trigger_function_waits_for_the_pool(key: str) -> None:
    # The pool waits for the functions (LambdaConfig): a function that needed the pool,
    # through its role, its variables or anything else, would be a circular dependency.
    # The pool-scoped policies and the invoke permissions wait for both instead.
    template = cfn.load()
    name = _trigger_function(cfn.Deployment(REQUIRED), key)
    assert name is not None
    needs = _needs(template, name)
    assert "UserPool" not in needs
    assert {n for n in needs if template["Resources"][n]["Type"].startswith("AWS::Cognito::")} == (
        set()
    )
    assert name in _needs(template, "UserPool")


# -- what the triggers are told (their environment) ---------------------------------------

# Config field -> its environment variable (triggers/config.py: the field's name in capitals).
CONFIG_VARIABLES = {f.name: f.name.upper() for f in dataclasses.fields(trigger_config.Config)}


def _config_fields_read(module: str) -> set[str]:
    """The Config fields the trigger's code reads (``config.app_name``...), outside
    triggers/config.py itself."""
    found: set[str] = set()
    for name in trigger_code.modules(module) - {"triggers.config"}:
        tree = ast.parse(trigger_code.module_file(name).read_text(encoding="utf-8"))
        found |= {
            node.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr in CONFIG_VARIABLES
        }
    return found


def test_config_variables_are_the_fields_names_in_capitals() -> None:
    source = trigger_code.module_file("triggers.config").read_text(encoding="utf-8")
    for variable in CONFIG_VARIABLES.values():
        assert f'"{variable}"' in source, variable


@TRIGGERS
def test_each_trigger_is_told_exactly_what_its_code_reads(
    deployment: cfn.Deployment, key: str
) -> None:
    _, function = _function(deployment, key)
    env = function.get("Environment", {}).get("Variables", {})
    wanted = {CONFIG_VARIABLES[f] for f in _config_fields_read(triggers.HANDLERS[key])}
    if "DEFAULT_GROUP" in wanted:
        wanted.add("ADMIN_GROUP")  # the trigger refuses a default group that is the admins'
    assert set(env) == wanted
    if key == "PostAuthentication":
        assert wanted == set()  # its one setting is the attribute's name, a constant


@TRIGGERS
def test_trigger_environment_is_the_stacks_settings(
    deployment: cfn.Deployment, key: str, tmp_path: Path
) -> None:
    _, function = _function(deployment, key)
    env = {k: str(v) for k, v in function.get("Environment", {}).get("Variables", {}).items()}
    parsed = trigger_config.Config.from_env(env)  # what the handler does on every call
    domains = deployment.parameter("AllowedEmailDomains")
    profile = app_profile(deployment, tmp_path)
    expected = {
        "allowed_email_domains": tuple(domains.split(",")) if domains else (),
        "default_group": deployment.parameter("DefaultGroup"),
        "admin_group": deployment.resource("AdminGroup")["GroupName"],
        "app_name": deployment.parameter("AppName"),
        # The profile's domain: the sign-in link goes where the app signs in.
        "managed_login_url": profile.domain,
        # Written out in the template (a !GetAtt would be a cycle): it must stay the client's.
        "app_client_name": client(deployment)["ClientName"],
        "default_plan": deployment.parameter("DefaultPlan"),
    }
    for field, variable in CONFIG_VARIABLES.items():
        if variable in env:
            assert getattr(parsed, field) == expected[field], field


def test_the_triggers_are_told_every_setting_somewhere(default_deployment: cfn.Deployment) -> None:
    told: set[str] = set()
    for key in triggers.HANDLERS:
        _, function = _function(default_deployment, key)
        told |= set(function.get("Environment", {}).get("Variables", {}))
    assert told == set(CONFIG_VARIABLES.values())


# -- trigger parameters ---------------------------------------------------------------------


def test_default_group_is_created_below_the_admin_group(deployment: cfn.Deployment) -> None:
    group = deployment.resource("DefaultUserGroup")
    assert group["GroupName"] == deployment.parameter("DefaultGroup")
    assert group["UserPoolId"] == deployment.user_pool_id
    assert group["GroupName"] != deployment.resource("AdminGroup")["GroupName"]
    # Lower precedence (a larger number): where Cognito picks one group's role, not this one.
    assert group["Precedence"] > deployment.resource("AdminGroup")["Precedence"]


def test_without_a_default_group_there_is_none() -> None:
    deployment = cfn.Deployment({**REQUIRED, "DefaultGroup": ""})
    assert not deployment.exists("DefaultUserGroup")
    assert deployment.resources_of("AWS::Cognito::UserPoolGroup") == ["AdminGroup"]
    _, function = _function(deployment, "PostConfirmation")
    assert trigger_config.Config.from_env(function["Environment"]["Variables"]).default_group == ""


@pytest.mark.parametrize(
    ("parameters", "refused"),
    [
        ({}, False),
        ({"AdminGroupName": "Operators", "DefaultGroup": "Operators"}, True),
        ({"AdminGroupName": "Users", "DefaultGroup": "Users"}, True),
        ({"AdminGroupName": "Operators", "DefaultGroup": "Users"}, False),
        ({"DefaultGroup": ""}, False),
    ],
)
def test_the_default_group_is_never_the_admin_group(
    parameters: dict[str, str], refused: bool
) -> None:
    deployment = cfn.Deployment({**REQUIRED, **parameters})
    failed = ["DefaultGroupIsNotTheAdminGroup"] if refused else []
    assert deployment.failed_rules() == failed


@pytest.mark.parametrize("value", ["admin", "ADMIN", "aDmIn", "has space", "x" * 129])
def test_default_group_pattern_refuses_admin_in_any_case(value: str) -> None:
    # The triggers compare without case; the rule above compares exactly.
    with pytest.raises(AssertionError):
        cfn.Deployment({**REQUIRED, "DefaultGroup": value}).parameter("DefaultGroup")


@pytest.mark.parametrize(
    "value",
    ["", "example.com", "example.com,example.org", "a.b.example.co.uk", "xn--bcher-kva.example"],
)
def test_allowed_email_domains_accepts_what_the_triggers_accept(value: str) -> None:
    deployment = cfn.Deployment({**REQUIRED, "AllowedEmailDomains": value})
    assert deployment.parameter("AllowedEmailDomains") == value
    parsed = trigger_config.Config.from_env({"ALLOWED_EMAIL_DOMAINS": value})
    assert ",".join(parsed.allowed_email_domains) == value


@pytest.mark.parametrize(
    "value",
    [
        "example.com, example.org",  # spaces
        "example.com,",
        ",example.com",
        "@example.com",
        "example",  # one label: not a mail domain
        "Example.com",
        "a..example.com",
        "-a.example.com",
        "example.123",  # an IP address's shape
        "ex_ample.com",
    ],
)
def test_allowed_email_domains_refuses_what_would_fail_at_sign_up(value: str) -> None:
    with pytest.raises(AssertionError):
        cfn.Deployment({**REQUIRED, "AllowedEmailDomains": value}).parameter("AllowedEmailDomains")


def test_default_plan_pattern_is_the_triggers_own() -> None:
    spec = cfn.load()["Parameters"]["DefaultPlan"]
    assert spec["AllowedPattern"] == triggers.PLAN_PATTERN
    assert re.fullmatch(triggers.PLAN_PATTERN, spec["Default"])


@pytest.mark.parametrize("value", ["", "   ", "a\nb", "x" * 65])
def test_app_name_refuses_what_the_triggers_refuse(value: str) -> None:
    with pytest.raises(AssertionError):
        cfn.Deployment({**REQUIRED, "AppName": value}).parameter("AppName")
    with pytest.raises(trigger_config.ConfigError):
        trigger_config.Config(app_name=value)


def test_triggers_code_key_is_required_and_a_zip() -> None:
    spec = cfn.load()["Parameters"]["TriggersCodeS3Key"]
    assert "Default" not in spec
    assert spec["AllowedPattern"] == cfn.load()["Parameters"]["CodeS3Key"]["AllowedPattern"]


# -- the attributes the triggers keep --------------------------------------------------------


def _schema(deployment: cfn.Deployment) -> dict[str, dict[str, Any]]:
    return {a["Name"]: a for a in _pool(deployment)["Schema"]}


def test_pool_has_the_trigger_attributes_as_mutable_strings(deployment: cfn.Deployment) -> None:
    schema = _schema(deployment)
    for attribute in TRIGGER_ATTRIBUTES:
        prefix, _, name = attribute.partition(":")
        assert prefix == "custom"
        spec = schema[name]
        assert spec["AttributeDataType"] == "String"
        assert spec["Mutable"] is True
        assert spec.get("Required", False) is False  # Cognito refuses required custom ones
        assert set(spec["StringAttributeConstraints"]) == {"MinLength", "MaxLength"}
    # Every plan a token may carry fits; so does the sign-in stamp.
    plan = schema["plan"]["StringAttributeConstraints"]
    assert int(plan["MinLength"]) == 1
    assert int(plan["MaxLength"]) == 32
    assert re.fullmatch(triggers.PLAN_PATTERN, "p" * 32)
    assert not re.fullmatch(triggers.PLAN_PATTERN, "p" * 33)
    stamp = schema["last_sign_in"]["StringAttributeConstraints"]
    assert int(stamp["MinLength"]) <= len("2024-05-01T09:30:00Z") <= int(stamp["MaxLength"])


def test_no_app_client_lets_people_write_the_trigger_attributes(enabled: cfn.Deployment) -> None:
    # With password sign-in on, both clients; either one's access token could otherwise
    # set custom:plan with UpdateUserAttributes.
    required = {name for name, a in _schema(enabled).items() if a.get("Required")}
    assert required == {"email"}
    for name in enabled.resources_of("AWS::Cognito::UserPoolClient"):
        props = enabled.resource(name)
        write, read = props["WriteAttributes"], props["ReadAttributes"]
        assert not set(TRIGGER_ATTRIBUTES) & set(write), name
        assert not [a for a in write if a.startswith("custom:")], name
        # Sign-up sets the required attributes: they stay writable.
        assert required <= set(write), name
        # The app shows the plan (from the token) and admins the last sign-in.
        assert set(TRIGGER_ATTRIBUTES) <= set(read), name
        assert set(write) <= set(read), name
        # Cognito's verification flags are never client-writable.
        assert "email_verified" not in write
        # What people may write is what they may write in the stand-in.
        assert write == list(local_settings.WRITE_ATTRIBUTES), name


def test_the_trigger_attributes_are_the_triggers_own() -> None:
    assert triggers.PLAN_ATTRIBUTE == "custom:plan"
    assert triggers.LAST_SIGN_IN_ATTRIBUTE == "custom:last_sign_in"
    assert triggers.PLAN_CLAIM == "plan"


# -- custom:department (issue 21): admins set it, everyone reads it ---------------------------

DEPARTMENT = "custom:department"


def test_pool_has_a_department_attribute_admins_set(deployment: cfn.Deployment) -> None:
    spec = _schema(deployment)[DEPARTMENT.removeprefix("custom:")]
    assert spec["AttributeDataType"] == "String"
    assert spec["Mutable"] is True  # admins change it (PATCH /admin/users/{u}/attributes)
    assert spec.get("Required", False) is False
    assert spec["StringAttributeConstraints"] == {"MinLength": "0", "MaxLength": "64"}


def test_people_read_their_department_and_cannot_write_it(enabled: cfn.Deployment) -> None:
    clients = enabled.resources_of("AWS::Cognito::UserPoolClient")
    assert len(clients) == 2  # the desktop client and, with password sign-in, automation
    for name in clients:
        props = enabled.resource(name)
        assert DEPARTMENT in props["ReadAttributes"], name
        assert DEPARTMENT not in props["WriteAttributes"], name
