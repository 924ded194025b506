"""The stand-in runs the Lambda triggers as Cognito does (``cognito-local up --triggers``):
over real HTTP with boto3 and through managed login, each operation raises the documented
``triggerSource`` with the documented event, the handlers are the ``triggers`` package's
(the code the template deploys, calling the stand-in back over HTTP), and failures,
timeouts and bad answers surface as Cognito's exceptions."""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable
from typing import Any

import jwt
import pytest

from local_cognito import lambda_triggers, server, settings
from tests.integration.test_account_lifecycle_api import attributes, latest_code, refused
from tests.support import relying_party, scripted_browser

pytestmark = pytest.mark.integration
TIMEOUT = 10
PASSWORD = "Bobby-Passw0rd!"


@pytest.fixture
def pool_settings() -> settings.PoolSettings:
    return settings.PoolSettings(
        triggers=lambda_triggers.NAMES, allowed_email_domains=("example.com",)
    )


class Recorder:
    """Wraps the real handlers: every event each one was sent, in order."""

    def __init__(self, stand_in: server.LocalCognito) -> None:
        self.events: list[dict[str, Any]] = []
        self._triggers = stand_in.pool.triggers
        for name in lambda_triggers.NAMES:
            self._triggers.replace(name, self._recording(self._triggers.handler(name)))

    def _recording(self, real: lambda_triggers.Handle) -> lambda_triggers.Handle:
        def handle(event: dict[str, Any], config: Any, cognito: Callable[[], Any]) -> Any:
            self.events.append(event)
            return real(event, config, cognito)

        return handle

    def sources(self) -> list[str]:
        return [e["triggerSource"] for e in self.events]

    def of(self, source: str) -> dict[str, Any]:
        found = [e for e in self.events if e["triggerSource"] == source]
        assert found, f"no {source} event in {self.sources()}"
        return found[-1]


@pytest.fixture
def recorder(stand_in: server.LocalCognito) -> Recorder:
    return Recorder(stand_in)


def claims(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def password_sign_in(idp: Any, stand_in: server.LocalCognito, username: str, password: str) -> Any:
    return idp.admin_initiate_auth(
        UserPoolId=stand_in.pool.id,
        ClientId=stand_in.pool.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )


def sign_up(idp: Any, stand_in: server.LocalCognito, username: str, email: str) -> Any:
    return idp.sign_up(
        ClientId=stand_in.pool.client_id,
        Username=username,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
    )


def groups_of(idp: Any, stand_in: server.LocalCognito, username: str) -> list[str]:
    found = idp.admin_list_groups_for_user(UserPoolId=stand_in.pool.id, Username=username)
    return [g["GroupName"] for g in found["Groups"]]


def common_fields_ok(event: dict[str, Any], stand_in: server.LocalCognito) -> None:
    assert event["region"] == stand_in.pool.settings.region
    assert event["userPoolId"] == stand_in.pool.id
    assert set(event["callerContext"]) == {"awsSdkVersion", "clientId"}
    assert isinstance(event["request"]["userAttributes"], dict)


# -- sign-up ------------------------------------------------------------------------------


def test_a_refused_domain_is_refused_as_cognito_refuses_it_and_nothing_is_created(
    idp: Any, stand_in: server.LocalCognito, recorder: Recorder
) -> None:
    kind, message = refused(
        idp.sign_up,
        ClientId=stand_in.pool.client_id,
        Username="mallory",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "mallory@example.com.evil.org"}],
    )
    assert kind == "UserLambdaValidationException"
    assert message.startswith("PreSignUp failed with error ")
    assert "example.com" in message
    assert stand_in.pool.pool._get_user("mallory") is None
    event = recorder.of("PreSignUp_SignUp")
    assert event["callerContext"]["clientId"] == stand_in.pool.client_id
    assert event["request"]["userAttributes"]["email"] == "mallory@example.com.evil.org"
    assert recorder.sources() == ["PreSignUp_SignUp"]  # no message, no confirmation


def test_self_registration_lands_in_the_default_group_with_the_documented_events(
    idp: Any, stand_in: server.LocalCognito, recorder: Recorder
) -> None:
    answer = sign_up(idp, stand_in, "bobby", "bobby@example.com")
    assert answer["UserConfirmed"] is False  # the handler auto-confirms nothing
    assert groups_of(idp, stand_in, "bobby") == []
    idp.confirm_sign_up(
        ClientId=stand_in.pool.client_id,
        Username="bobby",
        ConfirmationCode=latest_code(stand_in, "bobby"),
    )
    assert groups_of(idp, stand_in, "bobby") == [settings.DEFAULT_GROUP]
    assert recorder.sources() == [
        "PreSignUp_SignUp",
        "CustomMessage_SignUp",
        "PostConfirmation_ConfirmSignUp",
    ]
    for event in recorder.events:
        common_fields_ok(event, stand_in)
        assert event["version"] == "1"
        assert event["userName"] == "bobby"
    pre = recorder.of("PreSignUp_SignUp")
    assert pre["request"]["validationData"] == {}
    message = recorder.of("CustomMessage_SignUp")
    assert message["request"]["codeParameter"] == "{####}"
    assert message["request"]["usernameParameter"] is None
    assert message["request"]["userAttributes"]["cognito:user_status"] == "UNCONFIRMED"
    confirmed = recorder.of("PostConfirmation_ConfirmSignUp")["request"]["userAttributes"]
    assert confirmed["cognito:user_status"] == "CONFIRMED"
    assert confirmed["email_verified"] == "true"
    assert confirmed["sub"] == attributes(idp, stand_in, "bobby")["sub"]


def test_the_verification_email_is_the_custom_message_with_the_code_in_it(
    idp: Any, stand_in: server.LocalCognito
) -> None:
    sign_up(idp, stand_in, "bobby", "bobby@example.com")
    sent = stand_in.pool.outbox.messages(username="bobby")[-1]
    assert stand_in.pool.settings.app_name in sent.subject
    assert sent.code is not None and sent.code in sent.body
    assert "{####}" not in sent.body
    link = _link(sent.body)
    assert link.startswith(f"{stand_in.url}/login?")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)
    assert query["client_id"] == [stand_in.pool.client_id]
    assert query["redirect_uri"] == [stand_in.pool.settings.callback_urls[0]]


def _link(body: str) -> str:
    start = body.index('href="') + len('href="')
    return body[start : body.index('"', start)].replace("&amp;", "&")


def test_resend_forgot_and_confirm_forgot_raise_their_sources(
    idp: Any, stand_in: server.LocalCognito, recorder: Recorder
) -> None:
    client_id = stand_in.pool.client_id
    sign_up(idp, stand_in, "bobby", "bobby@example.com")
    idp.resend_confirmation_code(ClientId=client_id, Username="bobby")
    idp.confirm_sign_up(
        ClientId=client_id, Username="bobby", ConfirmationCode=latest_code(stand_in, "bobby")
    )
    idp.forgot_password(ClientId=client_id, Username="bobby")
    idp.confirm_forgot_password(
        ClientId=client_id,
        Username="bobby",
        ConfirmationCode=latest_code(stand_in, "bobby", "password_reset"),
        Password="Other-Passw0rd!",
    )
    assert recorder.sources() == [
        "PreSignUp_SignUp",
        "CustomMessage_SignUp",
        "CustomMessage_ResendCode",
        "PostConfirmation_ConfirmSignUp",
        "CustomMessage_ForgotPassword",
        "PostConfirmation_ConfirmForgotPassword",
    ]
    # Only a sign-up's confirmation joins the default group; a reset changes nothing.
    assert groups_of(idp, stand_in, "bobby") == [settings.DEFAULT_GROUP]


def test_an_invitation_raises_pre_sign_up_and_custom_message_for_admin_create_user(
    idp: Any, stand_in: server.LocalCognito, recorder: Recorder
) -> None:
    # Invitations are the admins' choice: the sign-up domain rule does not apply.
    idp.admin_create_user(
        UserPoolId=stand_in.pool.id,
        Username="carl",
        UserAttributes=[{"Name": "email", "Value": "carl@partner.org"}],
    )
    assert recorder.sources() == ["PreSignUp_AdminCreateUser", "CustomMessage_AdminCreateUser"]
    assert recorder.of("PreSignUp_AdminCreateUser")["callerContext"]["clientId"] == (
        lambda_triggers.NO_CLIENT
    )
    request = recorder.of("CustomMessage_AdminCreateUser")["request"]
    assert request["usernameParameter"] == "{username}"
    sent = stand_in.pool.outbox.messages(username="carl")[-1]
    assert sent.temporary_password is not None and sent.temporary_password in sent.body
    assert "carl" in sent.body and "{username}" not in sent.body
    assert "Sign in to" in sent.body


def test_a_pre_sign_up_refusal_stops_an_invitation_too(
    idp: Any, stand_in: server.LocalCognito
) -> None:
    def refuse(event: dict[str, Any], config: Any, cognito: Any) -> Any:
        raise ValueError("No invitations today")

    stand_in.pool.triggers.replace("PreSignUp", refuse)
    kind, message = refused(
        idp.admin_create_user,
        UserPoolId=stand_in.pool.id,
        Username="carl",
        UserAttributes=[{"Name": "email", "Value": "carl@example.com"}],
    )
    assert (kind, message) == (
        "UserLambdaValidationException",
        "PreSignUp failed with error No invitations today.",
    )
    assert stand_in.pool.pool._get_user("carl") is None
    assert stand_in.pool.outbox.messages(username="carl") == []


def test_a_pre_sign_up_answer_may_confirm_and_verify_a_self_registration(
    idp: Any, stand_in: server.LocalCognito
) -> None:
    def confirm(event: dict[str, Any], config: Any, cognito: Any) -> Any:
        event["response"].update(autoConfirmUser=True, autoVerifyEmail=True)
        return event

    stand_in.pool.triggers.replace("PreSignUp", confirm)
    assert sign_up(idp, stand_in, "bobby", "bobby@example.com")["UserConfirmed"] is True
    assert attributes(idp, stand_in, "bobby")["email_verified"] == "true"
    assert stand_in.pool.outbox.messages(username="bobby") == []  # no code to send


# -- sign-in, tokens, refresh -----------------------------------------------------------------


def test_a_sign_in_records_the_time_and_puts_the_plan_claim_in_both_tokens(
    idp: Any, stand_in: server.LocalCognito, recorder: Recorder
) -> None:
    before = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 1))
    result = password_sign_in(idp, stand_in, "alice", "Alice-Passw0rd!")["AuthenticationResult"]
    access, id_token = claims(result["AccessToken"]), claims(result["IdToken"])
    assert access["plan"] == id_token["plan"] == "free"
    assert recorder.sources() == [
        "PostAuthentication_Authentication",
        "TokenGeneration_Authentication",
    ]
    token_event = recorder.of("TokenGeneration_Authentication")
    assert token_event["version"] == "2"
    assert token_event["request"]["scopes"] == ["aws.cognito.signin.user.admin"]
    assert token_event["request"]["groupConfiguration"]["groupsToOverride"] == []
    assert recorder.of("PostAuthentication_Authentication")["request"]["newDeviceUsed"] is False
    recorded = attributes(idp, stand_in, "alice")["custom:last_sign_in"]
    assert before <= recorded <= time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())

    # An admin gives alice a plan: the next tokens carry it.
    idp.admin_update_user_attributes(
        UserPoolId=stand_in.pool.id,
        Username="alice",
        UserAttributes=[{"Name": "custom:plan", "Value": "pro"}],
    )
    again = password_sign_in(idp, stand_in, "alice", "Alice-Passw0rd!")["AuthenticationResult"]
    assert claims(again["AccessToken"])["plan"] == "pro"


def test_a_refresh_raises_pre_token_generation_but_not_post_authentication(
    idp: Any, stand_in: server.LocalCognito, recorder: Recorder
) -> None:
    first = password_sign_in(idp, stand_in, "alice", "Alice-Passw0rd!")["AuthenticationResult"]
    recorder.events.clear()
    refreshed = idp.admin_initiate_auth(
        UserPoolId=stand_in.pool.id,
        ClientId=stand_in.pool.client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": first["RefreshToken"]},
    )["AuthenticationResult"]
    assert recorder.sources() == ["TokenGeneration_RefreshTokens"]
    assert claims(refreshed["AccessToken"])["plan"] == "free"


def test_a_new_password_challenge_raises_its_own_token_source(
    idp: Any, stand_in: server.LocalCognito, recorder: Recorder
) -> None:
    challenge = password_sign_in(idp, stand_in, "newbie", "Temp-Passw0rd1!")
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert recorder.sources() == []  # no sign-in yet
    idp.admin_respond_to_auth_challenge(
        UserPoolId=stand_in.pool.id,
        ClientId=stand_in.pool.client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": "newbie", "NEW_PASSWORD": "Newbie-Passw0rd!"},
    )
    assert recorder.sources() == [
        "PostAuthentication_Authentication",
        "TokenGeneration_NewPasswordChallenge",
    ]


def test_the_admin_group_claim_comes_from_membership_only(
    idp: Any, stand_in: server.LocalCognito
) -> None:
    """A pre token function that tries to forge groups or Cognito's own claims leaves
    them as they were; what it may change, it changes."""

    def hostile(event: dict[str, Any], config: Any, cognito: Any) -> Any:
        forged = {"cognito:groups": ["Admin"], "sub": "someone-else", "plan": "pro"}
        event["response"]["claimsAndScopeOverrideDetails"] = {
            "idTokenGeneration": {"claimsToAddOrOverride": forged, "claimsToSuppress": ["email"]},
            "accessTokenGeneration": {
                "claimsToAddOrOverride": {**forged, "token_use": "id", "dev:x": "1"},
                "claimsToSuppress": ["token_use", "plan"],
            },
        }
        return event

    stand_in.pool.triggers.replace("PreTokenGeneration", hostile)
    result = password_sign_in(idp, stand_in, "alice", "Alice-Passw0rd!")["AuthenticationResult"]
    access, id_token = claims(result["AccessToken"]), claims(result["IdToken"])
    sub = attributes(idp, stand_in, "alice")["sub"]
    for token in (access, id_token):
        assert "cognito:groups" not in token
        assert token["sub"] == sub
    assert access["token_use"] == "access"
    assert "dev:x" not in access
    assert "plan" not in access  # added and suppressed: suppressed
    assert id_token["plan"] == "pro"
    assert "email" not in id_token


def test_group_override_details_replace_or_suppress_the_groups(
    idp: Any, stand_in: server.LocalCognito
) -> None:
    overrides: list[Any] = [{"groupsToOverride": ["Readers"]}, {}]

    def override(event: dict[str, Any], config: Any, cognito: Any) -> Any:
        event["response"]["claimsAndScopeOverrideDetails"] = {
            "groupOverrideDetails": overrides.pop(0)
        }
        return event

    stand_in.pool.triggers.replace("PreTokenGeneration", override)
    replaced = password_sign_in(idp, stand_in, "admin", "Admin-Passw0rd!")["AuthenticationResult"]
    assert claims(replaced["AccessToken"])["cognito:groups"] == ["Readers"]
    suppressed = password_sign_in(idp, stand_in, "admin", "Admin-Passw0rd!")
    assert "cognito:groups" not in claims(suppressed["AuthenticationResult"]["IdToken"])


# -- failures ----------------------------------------------------------------------------------


def test_a_failing_post_authentication_fails_the_sign_in(
    idp: Any, stand_in: server.LocalCognito
) -> None:
    def fail(event: dict[str, Any], config: Any, cognito: Any) -> Any:
        raise RuntimeError("audit store unavailable")

    stand_in.pool.triggers.replace("PostAuthentication", fail)
    kind, message = refused(
        idp.admin_initiate_auth,
        UserPoolId=stand_in.pool.id,
        ClientId=stand_in.pool.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "alice", "PASSWORD": "Alice-Passw0rd!"},
    )
    assert (kind, message) == (
        "UserLambdaValidationException",
        "PostAuthentication failed with error audit store unavailable.",
    )


def test_a_slow_handler_times_out_like_lambda(idp: Any, stand_in: server.LocalCognito) -> None:
    def slow(event: dict[str, Any], config: Any, cognito: Any) -> Any:
        time.sleep(2)
        return event

    stand_in.pool.triggers.timeout_s = 0.3  # Cognito's 5 s, shortened for the test
    stand_in.pool.triggers.replace("PreSignUp", slow)
    started = time.monotonic()
    kind, message = refused(
        idp.sign_up,
        ClientId=stand_in.pool.client_id,
        Username="bobby",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "bobby@example.com"}],
    )
    assert time.monotonic() - started < 1.5
    assert kind == "UnexpectedLambdaException"
    assert "PreSignUp" in message
    assert stand_in.pool.pool._get_user("bobby") is None


def test_the_default_timeout_is_cognitos_five_seconds(stand_in: server.LocalCognito) -> None:
    assert stand_in.pool.triggers.timeout_s == 5.0


@pytest.mark.parametrize(
    "answer", [None, "not an event", {"response": "no"}, {"response": {"when": object()}}]
)
def test_an_answer_that_is_not_an_event_is_an_invalid_lambda_response(
    idp: Any, stand_in: server.LocalCognito, answer: Any
) -> None:
    stand_in.pool.triggers.replace("PreSignUp", lambda event, config, cognito: answer)
    kind, _ = refused(
        idp.sign_up,
        ClientId=stand_in.pool.client_id,
        Username="bobby",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "bobby@example.com"}],
    )
    assert kind == "InvalidLambdaResponseException"


def test_a_handler_cannot_change_the_event_cognito_keeps(
    idp: Any, stand_in: server.LocalCognito
) -> None:
    """The handler gets a copy (Lambda's JSON): mutating it changes nothing in the pool."""

    def meddle(event: dict[str, Any], config: Any, cognito: Any) -> Any:
        event["request"]["userAttributes"]["email"] = "other@example.com"
        event["userName"] = "someone"
        return event

    stand_in.pool.triggers.replace("PreSignUp", meddle)
    sign_up(idp, stand_in, "bobby", "bobby@example.com")
    assert attributes(idp, stand_in, "bobby")["email"] == "bobby@example.com"


def test_nobody_writes_the_triggers_attributes_with_their_own_token(
    idp: Any, stand_in: server.LocalCognito
) -> None:
    token = password_sign_in(idp, stand_in, "alice", "Alice-Passw0rd!")["AuthenticationResult"]
    for name in ("custom:plan", "custom:last_sign_in"):
        kind, message = refused(
            idp.update_user_attributes,
            AccessToken=token["AccessToken"],
            UserAttributes=[{"Name": name, "Value": "pro"}],
        )
        assert kind == "NotAuthorizedException"
        assert name in message
    kind, _ = refused(
        idp.sign_up,
        ClientId=stand_in.pool.client_id,
        Username="bobby",
        Password=PASSWORD,
        UserAttributes=[
            {"Name": "email", "Value": "bobby@example.com"},
            {"Name": "custom:plan", "Value": "pro"},
        ],
    )
    assert kind == "NotAuthorizedException"
    idp.update_user_attributes(
        AccessToken=token["AccessToken"], UserAttributes=[{"Name": "name", "Value": "Alice"}]
    )


# -- managed login -----------------------------------------------------------------------------


def test_managed_login_shows_the_refusal_on_the_sign_up_page(
    stand_in: server.LocalCognito,
    browser: scripted_browser.ScriptedBrowser,
    auth_request: scripted_browser.AuthRequest,
) -> None:
    query = urllib.parse.urlencode(auth_request.params())
    page = browser.open_url(f"{stand_in.url}/signup?{query}")
    assert isinstance(page, scripted_browser.Page)
    answer = browser.submit(
        page,
        username="mallory",
        email="mallory@gmail.com",
        password=PASSWORD,
        confirm_password=PASSWORD,
    )
    assert isinstance(answer, scripted_browser.Page)
    assert answer.status == 400
    assert answer.error == (
        "PreSignUp failed with error Sign-up is open to addresses at example.com only."
    )
    assert stand_in.pool.pool._get_user("mallory") is None


def test_managed_login_raises_post_authentication_and_hosted_auth_tokens(
    stand_in: server.LocalCognito,
    browser: scripted_browser.ScriptedBrowser,
    auth_request: scripted_browser.AuthRequest,
    recorder: Recorder,
) -> None:
    tokens = relying_party.sign_in(stand_in, browser, auth_request)
    assert recorder.sources() == ["PostAuthentication_Authentication", "TokenGeneration_HostedAuth"]
    assert claims(tokens["access_token"])["plan"] == "free"
    assert claims(tokens["id_token"])["plan"] == "free"
    hosted = recorder.of("TokenGeneration_HostedAuth")
    assert hosted["callerContext"]["clientId"] == stand_in.pool.client_id
    assert "openid" in hosted["request"]["scopes"]
    recorder.events.clear()
    refreshed = relying_party.refresh(stand_in, tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    assert recorder.sources() == ["TokenGeneration_RefreshTokens"]
    assert claims(refreshed.json()["access_token"])["plan"] == "free"


def test_a_failing_pre_token_trigger_at_the_token_endpoint_is_not_invalid_grant(
    stand_in: server.LocalCognito,
    browser: scripted_browser.ScriptedBrowser,
    auth_request: scripted_browser.AuthRequest,
) -> None:
    """The refresh token is still good: an app must not sign the person out for it."""
    tokens = relying_party.sign_in(stand_in, browser, auth_request)

    def fail(event: dict[str, Any], config: Any, cognito: Any) -> Any:
        raise RuntimeError("plan service down")

    stand_in.pool.triggers.replace("PreTokenGeneration", fail)
    refreshed = relying_party.refresh(stand_in, tokens["refresh_token"])
    assert refreshed.status_code == 400
    assert refreshed.json() == {"error": "invalid_request"}


def test_a_failing_post_authentication_is_shown_on_the_sign_in_page(
    stand_in: server.LocalCognito,
    browser: scripted_browser.ScriptedBrowser,
    auth_request: scripted_browser.AuthRequest,
) -> None:
    def fail(event: dict[str, Any], config: Any, cognito: Any) -> Any:
        raise RuntimeError("Your account is under review")

    stand_in.pool.triggers.replace("PostAuthentication", fail)
    page = browser.open(auth_request)
    assert isinstance(page, scripted_browser.Page)
    answer = browser.submit(page, username="alice", password="Alice-Passw0rd!")
    assert isinstance(answer, scripted_browser.Page), "signed in despite the trigger"
    assert answer.status == 400
    assert answer.error == "PostAuthentication failed with error Your account is under review."
