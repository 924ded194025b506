"""What the trigger tests share: Cognito's events, as the developer guide documents
them, and a real cognito-idp client for botocore's Stubber.

Each builder returns a fresh event (the handlers fill in ``response`` in place). The
values are made up; the shapes follow the page named above each builder.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

POOL_ID = "us-east-1_EXAMPLE12"
CLIENT_ID = "1example23456789abcdefghij"
USERNAME = "c0ffee00-1111-2222-3333-444455556666"
EMAIL = "jane.doe@example.com"
CODE_PARAMETER = "{####}"
USERNAME_PARAMETER = "{username}"
LINK_PARAMETER = "{##Click Here##}"


def idp_client() -> CognitoIdentityProviderClient:
    """A real boto3 client (dummy keys, no network once stubbed): botocore's Stubber
    checks every call's parameters and every queued answer against Cognito's API model."""
    return boto3.client(
        "cognito-idp",
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )


def no_cognito() -> Any:
    """The ``cognito`` argument for a handler that must not call AWS."""
    raise AssertionError("this trigger must not call Cognito here")


def user_attributes(**extra: str) -> dict[str, Any]:
    """A confirmed user's ``request.userAttributes`` (Cognito sends every value as a string)."""
    return {
        "sub": USERNAME,
        "email": EMAIL,
        "email_verified": "true",
        "cognito:user_status": "CONFIRMED",
        **extra,
    }


# The fields every trigger gets: version, triggerSource, region, userPoolId, userName,
# callerContext {awsSdkVersion, clientId}, request, response.
# https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-working-with-lambda-triggers.html#cognito-user-pools-lambda-trigger-syntax-shared
def _common(source: str, *, version: str = "1") -> dict[str, Any]:
    return {
        "version": version,
        "triggerSource": source,
        "region": "us-east-1",
        "userPoolId": POOL_ID,
        "userName": USERNAME,
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": CLIENT_ID},
    }


# request {userAttributes, validationData, clientMetadata}; response {autoConfirmUser,
# autoVerifyEmail, autoVerifyPhone}; sources PreSignUp_SignUp, _AdminCreateUser,
# _ExternalProvider.
# https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-sign-up.html
def pre_sign_up(source: str = "PreSignUp_SignUp", email: str | None = EMAIL) -> dict[str, Any]:
    attributes: dict[str, Any] = {"name": "Jane Doe"}
    if email is not None:
        attributes["email"] = email
    return {
        **_common(source),
        "request": {
            "userAttributes": attributes,
            "validationData": None,
            "clientMetadata": {"exampleMetadataKey": "example metadata value"},
        },
        "response": {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False},
    }


# request {userAttributes, clientMetadata}; response {}; sources
# PostConfirmation_ConfirmSignUp, PostConfirmation_ConfirmForgotPassword.
# https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-post-confirmation.html
def post_confirmation(source: str = "PostConfirmation_ConfirmSignUp") -> dict[str, Any]:
    return {
        **_common(source),
        "request": {"userAttributes": user_attributes(), "clientMetadata": {}},
        "response": {},
    }


# V2_0 event (version "2"): request {userAttributes, groupConfiguration {groupsToOverride,
# iamRolesToOverride, preferredRole}, scopes, clientMetadata}; response
# {claimsAndScopeOverrideDetails: null}. V1_0 (version "1") has no scopes and answers in
# claimsOverrideDetails. Sources TokenGeneration_HostedAuth, _Authentication,
# _NewPasswordChallenge, _AuthenticateDevice, _RefreshTokens (V3_0 adds _ClientCredentials).
# https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html
def pre_token_generation(
    source: str = "TokenGeneration_Authentication",
    *,
    version: str = "2",
    attributes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    request: dict[str, Any] = {
        "userAttributes": user_attributes() if attributes is None else attributes,
        "groupConfiguration": {
            "groupsToOverride": ["Users"],
            "iamRolesToOverride": [],
            "preferredRole": None,
        },
    }
    if version == "1":
        return {**_common(source), "request": request, "response": {"claimsOverrideDetails": None}}
    request["scopes"] = ["openid", "email", "aws.cognito.signin.user.admin"]
    return {
        **_common(source, version=version),
        "request": request,
        "response": {"claimsAndScopeOverrideDetails": None},
    }


# request {userAttributes, newDeviceUsed, clientMetadata}; response {}; source
# PostAuthentication_Authentication.
# https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-post-authentication.html
def post_authentication(source: str = "PostAuthentication_Authentication") -> dict[str, Any]:
    return {
        **_common(source),
        "request": {
            "userAttributes": user_attributes(),
            "newDeviceUsed": False,
            "clientMetadata": {},
        },
        "response": {},
    }


# request {userAttributes, codeParameter, linkParameter, usernameParameter, clientMetadata};
# response {smsMessage, emailMessage, emailSubject}; sources CustomMessage_SignUp,
# _AdminCreateUser, _ResendCode, _ForgotPassword, _UpdateUserAttribute,
# _VerifyUserAttribute, _Authentication. usernameParameter is set for AdminCreateUser only.
# https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-custom-message.html
def custom_message(source: str = "CustomMessage_SignUp") -> dict[str, Any]:
    admin = source == "CustomMessage_AdminCreateUser"
    return {
        **_common(source),
        "request": {
            "userAttributes": user_attributes(),
            "codeParameter": CODE_PARAMETER,
            "linkParameter": LINK_PARAMETER,
            "usernameParameter": USERNAME_PARAMETER if admin else None,
            "clientMetadata": {},
        },
        "response": {"smsMessage": None, "emailMessage": None, "emailSubject": None},
    }


# The guide's older sample test event for the same trigger: a bare number for version,
# "awsSdk" in callerContext, and boolean attribute values. A handler must not trip on it.
# https://github.com/awsdocs/amazon-cognito-developer-guide/blob/master/doc_source/user-pool-lambda-custom-message.md
def custom_message_guide_sample() -> dict[str, Any]:
    return {
        "version": 1,
        "triggerSource": "CustomMessage_SignUp",
        "region": "us-east-1",
        "userPoolId": POOL_ID,
        "userName": USERNAME,
        "callerContext": {"awsSdk": "aws-sdk-js-2.0", "clientId": CLIENT_ID},
        "request": {
            "userAttributes": {"phone_number_verified": False, "email_verified": True},
            "codeParameter": "####",
        },
        "response": {"smsMessage": None, "emailMessage": None, "emailSubject": None},
    }
