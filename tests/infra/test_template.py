"""infra/template.yaml, resolved as CloudFormation would deploy it, against what the app expects.

The profile side always goes through the real path: the stack's outputs (as
describe-stacks prints them) -> ``infra.stack_profile`` -> a config file ->
``desktop_app.config.load_profile``.
"""

from __future__ import annotations

import dataclasses
import importlib
from pathlib import Path
from typing import Any

import pytest

from desktop_app import config
from desktop_app.auth import session
from infra import build_lambda, stack_profile
from local_cognito import settings as local_settings
from protected_api import settings as api_settings
from tests.infra import cfn

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
}
REQUIRED = {
    "DomainPrefix": "cognito-desktop-test",
    "CodeS3Bucket": "my-artifacts",
    "CodeS3Key": "protected-api/protected-api-f00dfeedbeef.zip",
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
    group = deployment.only("AWS::Cognito::UserPoolGroup")
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
    group = deployment.only("AWS::Cognito::UserPoolGroup")
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
    group = default_deployment.only("AWS::Cognito::UserPoolGroup")
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
    env = deployment.only("AWS::Lambda::Function")["Environment"]["Variables"]
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
    function = deployment.only("AWS::Lambda::Function")
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
    permission = deployment.only("AWS::Lambda::Permission")
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
    env = deployment.only("AWS::Lambda::Function")["Environment"]["Variables"]
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
    variables = deployment.only("AWS::Lambda::Function")["Environment"]["Variables"]
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
    policies = deployment.only("AWS::IAM::Role")["Policies"]
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
