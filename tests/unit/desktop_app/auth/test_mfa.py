"""desktop_app.auth.mfa: TOTP MFA with the user's access token, against a canned Cognito.

The session is a double holding what :class:`~desktop_app.auth.mfa.Mfa` reads of it (the
profile, the granted scopes, an access token, the HTTP session, who is signed in);
Cognito's user API is ``responses``.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import responses
import segno

from desktop_app import config, errors
from desktop_app.auth import http, mfa, session
from desktop_app.auth.identity import Identity

API = "https://cognito-idp.eu-west-1.amazonaws.com/"
ACCESS = "eyJ-access-token-of-alice"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
TARGET = "AWSCognitoIdentityProviderService."


class FakeSession:
    """What Mfa reads of a :class:`~desktop_app.auth.session.Session`."""

    def __init__(self, scopes: tuple[str, ...] = ("openid", session.ADMIN_SCOPE)) -> None:
        self.profile = config.parse_profile(
            "work",
            {
                "user_pool_id": "eu-west-1_Unit",
                "client_id": "c",
                "domain": "https://auth.example.com",
                "redirect_uris": ["http://127.0.0.1:53682/callback/work"],
                "scopes": list(scopes),
            },
        )
        self.scopes = scopes
        self.http: requests.Session = requests.Session()  # no timeout of its own
        self.identity: Identity | None = Identity("alice", "sub-1")
        self.tokens_handed_out = 0

    def access_token(self) -> str:
        self.tokens_handed_out += 1
        return ACCESS


@pytest.fixture
def current() -> Iterator[FakeSession]:
    fake = FakeSession()
    yield fake
    fake.http.close()


@pytest.fixture
def cognito() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as mock:
        yield mock


def totp(current: FakeSession) -> mfa.Mfa:
    return mfa.Mfa(current)  # type: ignore[arg-type]  # the double has what Mfa reads


def answer(cognito: responses.RequestsMock, operation: str, status: int = 200, **body: Any) -> None:
    cognito.add(
        responses.POST,
        API,
        status=status,
        json=body,
        match=[responses.matchers.header_matcher({"X-Amz-Target": TARGET + operation})],
    )


def sent(cognito: responses.RequestsMock) -> list[tuple[str, dict[str, Any]]]:
    """Each request: its operation and JSON body."""
    return [
        (
            call.request.headers["X-Amz-Target"].removeprefix(TARGET),
            json.loads(call.request.body or b""),
        )
        for call in cognito.calls
    ]


def timeout_of(call: Any) -> object:
    """The timeout a request was sent with (responses adds ``req_kwargs`` to it)."""
    return call.request.req_kwargs["timeout"]


# -- the calls -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "on", "methods", "preferred"),
    [
        (
            {
                "UserMFASettingList": ["SOFTWARE_TOKEN_MFA"],
                "PreferredMfaSetting": "SOFTWARE_TOKEN_MFA",
            },
            True,
            ("SOFTWARE_TOKEN_MFA",),
            "SOFTWARE_TOKEN_MFA",
        ),
        ({"UserMFASettingList": [], "PreferredMfaSetting": ""}, False, (), None),
        ({}, False, (), None),  # Cognito leaves both out for a user without MFA
        ({"UserMFASettingList": ["SMS_MFA"]}, False, ("SMS_MFA",), None),
    ],
    ids=["totp on", "empty", "absent", "sms only"],
)
def test_status_reads_get_users_mfa_fields(
    current: FakeSession,
    cognito: responses.RequestsMock,
    body: dict[str, Any],
    on: bool,
    methods: tuple[str, ...],
    preferred: str | None,
) -> None:
    answer(cognito, "GetUser", Username="alice", UserAttributes=[], **body)
    status = totp(current).status()
    assert status == mfa.Status("alice", methods, preferred)
    assert status.totp is on
    assert sent(cognito) == [("GetUser", {"AccessToken": ACCESS})]
    assert timeout_of(cognito.calls[0]) == http.TIMEOUT


def test_enrolment_associates_verifies_then_prefers_totp(
    current: FakeSession, cognito: responses.RequestsMock
) -> None:
    answer(cognito, "AssociateSoftwareToken", SecretCode=SECRET, Session="s")
    answer(cognito, "VerifySoftwareToken", Status="SUCCESS")
    answer(cognito, "SetUserMFAPreference")
    subject = totp(current)
    enrolment = subject.begin()
    assert enrolment == mfa.Enrolment("alice", "Cognito Desktop (work)", SECRET)
    assert SECRET not in repr(enrolment)  # a repr can reach a log
    subject.confirm(" 123 456\n")
    assert sent(cognito) == [
        ("AssociateSoftwareToken", {"AccessToken": ACCESS}),
        (
            "VerifySoftwareToken",
            {"AccessToken": ACCESS, "UserCode": "123456", "FriendlyDeviceName": "Cognito Desktop"},
        ),
        (
            "SetUserMFAPreference",
            {
                "AccessToken": ACCESS,
                "SoftwareTokenMfaSettings": {"Enabled": True, "PreferredMfa": True},
            },
        ),
    ]
    assert all(timeout_of(call) == http.TIMEOUT for call in cognito.calls)


def test_a_verify_that_answers_error_is_a_wrong_code_and_nothing_is_preferred(
    current: FakeSession, cognito: responses.RequestsMock
) -> None:
    answer(cognito, "VerifySoftwareToken", Status="ERROR")
    with pytest.raises(mfa.WrongCodeError):
        totp(current).confirm("123456")
    assert [operation for operation, _ in sent(cognito)] == ["VerifySoftwareToken"]


def test_turning_off_sets_totp_disabled(
    current: FakeSession, cognito: responses.RequestsMock
) -> None:
    answer(cognito, "SetUserMFAPreference")
    totp(current).turn_off()
    assert sent(cognito) == [
        (
            "SetUserMFAPreference",
            {
                "AccessToken": ACCESS,
                "SoftwareTokenMfaSettings": {"Enabled": False, "PreferredMfa": False},
            },
        )
    ]


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", "١٢٣٤٥٦", ""])
def test_a_code_that_is_not_six_digits_is_not_sent(
    current: FakeSession, cognito: responses.RequestsMock, code: str
) -> None:
    with pytest.raises(mfa.WrongCodeError, match="6-digit code"):
        totp(current).confirm(code)
    assert len(cognito.calls) == 0


def test_without_the_admin_scope_nothing_is_sent(cognito: responses.RequestsMock) -> None:
    current = FakeSession(scopes=("openid", "email"))
    subject = totp(current)
    assert not subject.allowed
    for step in (
        subject.status,
        subject.begin,
        lambda: subject.confirm("123456"),
        subject.turn_off,
    ):
        with pytest.raises(mfa.MissingScopeError) as caught:
            step()
        assert "'aws.cognito.signin.user.admin' scope" in str(caught.value)
    assert len(cognito.calls) == 0
    assert current.tokens_handed_out == 0  # not even a refresh
    current.http.close()


# -- Cognito's refusals, in plain words ------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "kind", "words", "cognito_says"),
    [
        ("CodeMismatchException", mfa.WrongCodeError, "not the code your authenticator", False),
        ("EnableSoftwareTokenMFAException", mfa.WrongCodeError, "did not accept that code", False),
        ("NotAuthorizedException", mfa.MfaError, "sign in again", True),
        ("InvalidParameterException", mfa.MfaError, "Cognito refused the change", True),
        ("LimitExceededException", mfa.MfaError, "Too many attempts", False),
        (
            "SomethingNewException",
            mfa.MfaError,
            "refused the request (SomethingNewException)",
            True,
        ),
    ],
)
def test_each_refusal_is_a_clear_sentence(
    current: FakeSession,
    cognito: responses.RequestsMock,
    code: str,
    kind: type[mfa.MfaError],
    words: str,
    cognito_says: bool,
) -> None:
    answer(cognito, "SetUserMFAPreference", 400, __type=code, message="The pool requires MFA.")
    with pytest.raises(mfa.MfaError) as caught:
        totp(current).turn_off()
    assert type(caught.value) is kind
    assert caught.value.code == code
    assert words in caught.value.reason
    assert ("The pool requires MFA." in str(caught.value)) is cognito_says
    assert ACCESS not in str(caught.value)


def test_a_refusal_without_a_body_names_the_status(
    current: FakeSession, cognito: responses.RequestsMock
) -> None:
    cognito.add(responses.POST, API, status=503, body="")
    with pytest.raises(mfa.MfaError, match=r"refused the request \(HTTP 503\)$"):
        totp(current).status()


def test_no_answer_is_a_network_error(
    current: FakeSession, cognito: responses.RequestsMock
) -> None:
    cognito.add(responses.POST, API, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(errors.NetworkError, match="ReadTimeout"):
        totp(current).status()


def test_a_secretless_association_is_refused(
    current: FakeSession, cognito: responses.RequestsMock
) -> None:
    answer(cognito, "AssociateSoftwareToken", Session="s")
    with pytest.raises(mfa.MfaError, match="did not hand out a secret"):
        totp(current).begin()


def test_begin_needs_someone_signed_in(
    current: FakeSession, cognito: responses.RequestsMock
) -> None:
    current.identity = None
    with pytest.raises(errors.NotSignedIn):
        totp(current).begin()


# -- what the authenticator app reads --------------------------------------------------------


def test_the_otpauth_uri_follows_the_key_uri_format() -> None:
    uri = mfa.otpauth_uri(SECRET, account="alice@example.com", issuer="Cognito Desktop (work)")
    parts = urllib.parse.urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert urllib.parse.unquote(parts.path) == "/Cognito Desktop (work):alice@example.com"
    assert "+" not in uri  # spaces as %20: some authenticator apps show a '+' literally
    assert dict(urllib.parse.parse_qsl(parts.query)) == {
        "secret": SECRET,
        "issuer": "Cognito Desktop (work)",
    }
    assert mfa.Enrolment("alice@example.com", "Cognito Desktop (work)", SECRET).uri == uri


def test_the_secret_is_shown_in_groups_of_four() -> None:
    assert mfa.group("JBSWY3DPEHPK3PXP") == "JBSW Y3DP EHPK 3PXP"
    assert mfa.group("ABCDEF") == "ABCD EF"
    assert mfa.Enrolment("a", "i", SECRET).grouped_secret.replace(" ", "") == SECRET


def test_the_qr_matrix_is_segnos_full_qr_code() -> None:
    uri = mfa.otpauth_uri(SECRET, account="alice", issuer="Cognito Desktop (work)")
    made = segno.make(uri, micro=False)
    assert mfa.qr_matrix(uri) == tuple(tuple(bool(m) for m in row) for row in made.matrix)
    assert not mfa.qr_code(uri).is_micro
