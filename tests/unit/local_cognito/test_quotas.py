"""local_cognito.quotas: Cognito's request-rate quotas per operation category, on a clock
the test moves; the categories, the special rules, parsing, and the answers."""

from __future__ import annotations

import ast
import json
import re
import threading
from pathlib import Path

import boto3
import pytest

from local_cognito import cli, quotas
from tests.support import clock

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def fake_clock() -> clock.FakeClock:
    """From zero, so the seconds the tests add are exact in floating point."""
    return clock.FakeClock(0.0)


def limiter(fake: clock.FakeClock, **overrides: float) -> quotas.Limiter:
    return quotas.Limiter(quotas.cognito(overrides), fake)


def burst(limit: quotas.Limiter, action: str, body: bytes = b"{}") -> int:
    """How many calls of ``action`` are admitted now, one after the other."""
    admitted = 0
    while limit.admit_api(action, body) is None:
        admitted += 1
        assert admitted < 10_000
    return admitted


# -- the table -----------------------------------------------------------------------------


def test_the_default_rates_are_the_documented_ones() -> None:
    config = quotas.cognito()
    assert config.rate("UserAuthentication") == 120
    assert config.rate("UserCreation") == 50
    assert config.rate("UserAccountRecovery") == 30
    assert config.rate("UserRead") == 120
    assert config.rate("UserUpdate") == 25
    assert config.rate("UserResourceRead") == 50
    assert config.rate("UserResourceUpdate") == 25
    assert config.rate("UserList") == 30
    assert config.rate("UserToken") == 120
    assert config.changed() == {}


@pytest.mark.parametrize(
    ("action", "category"),
    [
        ("AdminCreateUser", "UserCreation"),
        ("SignUp", "UserCreation"),
        ("AdminGetUser", "UserRead"),
        ("ListUsers", "UserList"),
        ("ListUsersInGroup", "UserList"),
        ("AdminListGroupsForUser", "UserResourceRead"),
        ("AdminAddUserToGroup", "UserUpdate"),
        ("AdminUpdateUserAttributes", "UserUpdate"),
        ("AdminSetUserMFAPreference", "UserResourceUpdate"),
        ("AdminResetUserPassword", "UserAccountRecovery"),
        ("RevokeToken", "UserToken"),
        ("CreateGroup", "UserPoolResourceUpdate"),
        ("GetCSVHeader", "UserPoolResourceRead"),
        ("DescribeUserPool", "UserPoolRead"),
    ],
)
def test_each_action_counts_toward_its_documented_category(action: str, category: str) -> None:
    assert quotas.api_category(action, b"{}") == category


def _project_actions() -> set[str]:
    """Every cognito-idp operation the project's code names: a boto3 method of the
    service (``self.client.admin_get_user``, or ``"list_users"`` handed to a pager) in
    protected_api/, triggers/ and bench/, and an operation desktop_app sends by name."""
    methods = dict(
        boto3.client(
            "cognito-idp",
            region_name="us-east-1",
            aws_access_key_id="unused",
            aws_secret_access_key="unused",
        ).meta.method_to_api_mapping
    )
    found: set[str] = set()
    for folder in ("protected_api", "triggers", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                name = node.attr if isinstance(node, ast.Attribute) else None
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    name = node.value
                if name in methods and name not in ("get_paginator", "get_waiter"):
                    found.add(methods[name])
    source = (ROOT / "desktop_app" / "auth" / "cognito_idp.py").read_text(encoding="utf-8")
    found |= set(re.findall(r'"([A-Z][A-Za-z]+)"', source)) & set(methods.values())
    return found


def test_every_action_the_project_calls_has_a_category() -> None:
    actions = _project_actions()
    assert {"AdminCreateUser", "ListUsers", "AdminGetUser"} <= actions  # the scan works
    assert sorted(a for a in actions if a not in quotas.ACTIONS) == []


# -- the buckets ---------------------------------------------------------------------------


def test_a_category_admits_one_seconds_worth_then_its_rate(fake_clock: clock.FakeClock) -> None:
    limit = limiter(fake_clock)
    assert burst(limit, "AdminCreateUser") == 50  # burst: one second's worth
    fake_clock.advance(0.1)
    assert burst(limit, "AdminCreateUser") == 5
    # Over ten seconds of steady calls, the rate holds.
    admitted = 0
    for _ in range(10_000):
        fake_clock.advance(0.001)
        admitted += limit.admit_api("AdminCreateUser", b"{}") is None
    assert admitted == pytest.approx(500, abs=1)
    assert limit.throttled["UserCreation"] > 9_000


def test_categories_are_independent(fake_clock: clock.FakeClock) -> None:
    limit = limiter(fake_clock)
    assert burst(limit, "SignUp") == 50
    assert limit.admit_api("AdminConfirmSignUp", b"{}") is not None  # same category
    assert limit.admit_api("AdminGetUser", b"{}") is None
    assert limit.admit_api("ListUsers", b"{}") is None
    assert limit.admit_api("DescribeUserPoolUnknownToThePage", b"{}") is None  # not limited


def test_a_refusal_says_which_category_and_when_to_come_back(fake_clock: clock.FakeClock) -> None:
    limit = limiter(fake_clock, UserList=2)
    assert burst(limit, "ListUsers") == 2
    refusal = limit.admit_api("ListUsers", b"{}")
    assert refusal is not None
    assert refusal.category == "UserList" and refusal.retry_after_s == pytest.approx(0.5)


def test_challenge_answers_have_three_times_the_rate_then_draw_on_sign_in(
    fake_clock: clock.FakeClock,
) -> None:
    limit = limiter(fake_clock, UserAuthentication=10)
    answer = json.dumps({"ChallengeName": "SOFTWARE_TOKEN_MFA"}).encode()
    assert burst(limit, "RespondToAuthChallenge", answer) == 30 + 10
    assert limit.admit_api("InitiateAuth", b"{}") is not None  # the category is spent too


def test_a_new_password_answer_counts_toward_account_recovery(
    fake_clock: clock.FakeClock,
) -> None:
    limit = limiter(fake_clock, UserAccountRecovery=3)
    answer = json.dumps({"ChallengeName": "NEW_PASSWORD_REQUIRED"}).encode()
    assert burst(limit, "AdminRespondToAuthChallenge", answer) == 3
    assert limit.admit_api("ForgotPassword", b"{}") is not None
    assert limit.admit_api("AdminInitiateAuth", b"{}") is None


def test_pool_resource_operations_are_each_held_to_5_per_second(
    fake_clock: clock.FakeClock,
) -> None:
    limit = limiter(fake_clock)
    assert burst(limit, "CreateGroup") == 5
    assert burst(limit, "UpdateGroup") == 5  # another operation of the category
    assert burst(limit, "DeleteGroup") == 5  # 15: the category's rate is spent now
    assert limit.admit_api("TagResource", b"{}") is not None


def test_rate_zero_throttles_everything_and_a_fraction_admits_now_and_then(
    fake_clock: clock.FakeClock,
) -> None:
    limit = limiter(fake_clock, UserList=0, UserRead=0.5)
    assert burst(limit, "ListUsers") == 0
    assert burst(limit, "AdminGetUser") == 1
    fake_clock.advance(1.0)
    assert burst(limit, "AdminGetUser") == 0
    fake_clock.advance(1.0)
    assert burst(limit, "AdminGetUser") == 1


def test_a_clock_stepping_back_adds_nothing(fake_clock: clock.FakeClock) -> None:
    limit = limiter(fake_clock, UserList=10)
    assert burst(limit, "ListUsers") == 10
    fake_clock.advance(-60)
    assert burst(limit, "ListUsers") == 0
    fake_clock.advance(60.5)  # back where it was, plus half a second
    assert burst(limit, "ListUsers") == 5


def test_threads_share_the_buckets_without_losing_or_inventing_requests(
    fake_clock: clock.FakeClock,
) -> None:
    limit = limiter(fake_clock)
    admitted: list[int] = []

    def hammer() -> None:
        admitted.append(sum(limit.admit_api("AdminGetUser", b"{}") is None for _ in range(200)))

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sum(admitted) == 120  # exactly the burst: the clock did not move
    assert limit.throttled["UserRead"] == 8 * 200 - 120


# -- managed login and the OAuth endpoints -------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "category"),
    [
        ("POST", "/login", b"username=a&password=b&_csrf=x", "UserAuthentication"),
        ("POST", "/login", b"challenge=c&code=123456", "UserAuthentication"),  # MFA step
        ("POST", "/login", b"challenge=c&new_password=x&confirm_password=x", "UserAccountRecovery"),
        ("POST", "/signup", b"", "UserCreation"),
        ("POST", "/confirm", b"", "UserCreation"),
        ("POST", "/resendcode", b"", "UserResourceRead"),
        ("POST", "/forgotPassword", b"", "UserAccountRecovery"),
        ("POST", "/oauth2/token", b"grant_type=authorization_code&code=c", quotas.CODE_REDEMPTION),
        ("POST", "/oauth2/token", b"grant_type=refresh_token", "UserAuthentication"),
        ("POST", "/oauth2/revoke", b"token=t", "UserToken"),
        ("GET", "/login", b"", None),  # showing a page is not an operation
        ("GET", "/oauth2/authorize", b"", None),
        ("GET", "/outbox.json", b"", None),
    ],
)
def test_pages_count_toward_the_categories_the_quota_page_names(
    method: str, path: str, body: bytes, category: str | None
) -> None:
    assert quotas.page_category(method, path, body) == category


def test_code_redemption_has_its_own_allocation_at_the_sign_in_rate(
    fake_clock: clock.FakeClock,
) -> None:
    limit = limiter(fake_clock, UserAuthentication=4)
    code = b"grant_type=authorization_code&code=c"
    admitted = sum(limit.admit_page("POST", "/oauth2/token", code) is None for _ in range(10))
    assert admitted == 4
    assert limit.admit_page("POST", "/login", b"username=a") is None  # sign-in untouched


# -- configuration -------------------------------------------------------------------------


def test_an_override_is_category_equals_rate() -> None:
    assert quotas.parse_override("UserCreation=10") == ("UserCreation", 10.0)
    assert quotas.parse_override(" UserList = 0.5 ") == ("UserList", 0.5)
    assert quotas.cognito({"UserCreation": 10}).changed() == {"UserCreation": 10.0}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("UserCreation", "must look like CATEGORY=RPS"),
        ("=5", "must look like CATEGORY=RPS"),
        ("UserCreation=", "must look like CATEGORY=RPS"),
        ("UserCreation=fast", "'fast' is not a number"),
        ("UserCreation=nan", "'nan' is not a number"),
        ("UserCreation=-1", "must be a number of requests per second >= 0"),
        ("UserCreations=5", "unknown quota category 'UserCreations'; one of: ClientAuthentication"),
    ],
)
def test_a_bad_override_is_refused_in_one_line_naming_it(text: str, words: str) -> None:
    with pytest.raises(quotas.QuotaError) as caught:
        quotas.parse_override(text)
    assert words in str(caught.value) and "\n" not in str(caught.value)


def test_the_cli_reads_quotas_and_refuses_a_bad_one(capsys: pytest.CaptureFixture[str]) -> None:
    parser = cli.build_parser()
    args = parser.parse_args(["up", "--quota", "UserCreation=10", "--quota", "UserList=2"])
    assert args.quota == [("UserCreation", 10.0), ("UserList", 2.0)]
    assert parser.parse_args(["up"]).quotas is None
    assert parser.parse_args(["up", "--quotas", "cognito"]).quotas == "cognito"
    with pytest.raises(SystemExit) as exited:
        parser.parse_args(["up", "--quota", "Nope=3"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "unknown quota category 'Nope'" in err and err.count("\n") == 1


# -- the answers ---------------------------------------------------------------------------


def test_a_throttled_api_call_is_cognitos_400_json_error() -> None:
    status, headers, body = quotas.api_refusal()
    assert status.startswith("400 ")
    assert json.loads(body) == {
        "__type": "TooManyRequestsException",
        "message": "Too many requests",
    }
    assert ("Content-Type", "application/x-amz-json-1.1") in headers


def test_a_throttled_page_is_429_with_retry_after_in_whole_seconds() -> None:
    status, headers, body = quotas.page_refusal("/login", quotas.Refusal("UserAuthentication", 0.2))
    assert status.startswith("429 ") and ("Retry-After", "1") in headers
    assert b"Too many requests" in body
    status, headers, body = quotas.page_refusal("/oauth2/token", quotas.Refusal("x", 2.5))
    assert json.loads(body) == {"error": "too_many_requests"} and ("Retry-After", "3") in headers
