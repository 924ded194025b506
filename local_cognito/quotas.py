"""Cognito's request-rate quotas, emulated (``cognito-local up --quotas cognito``).

Source: "Quotas in Amazon Cognito", the user pools' API operation categories and
their default request rates (https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html).
Each cognito-idp action belongs to a category (:data:`ACTIONS`); each category has
one token bucket (rate = its RPS, burst = one second's worth) shared by all its
operations. The page's special rules are kept:

- ``RespondToAuthChallenge`` / ``AdminRespondToAuthChallenge`` draw on their own
  bucket at three times the ``UserAuthentication`` rate and, once it is empty, on
  ``UserAuthentication`` itself; an answer to ``NEW_PASSWORD_REQUIRED`` counts toward
  ``UserAccountRecovery`` instead (footnote 1).
- Managed login: each sign-in step (password, MFA code) counts toward
  ``UserAuthentication``; its password pages toward ``UserAccountRecovery``; code
  redemption at ``/oauth2/token`` has its own allocation at the ``UserAuthentication``
  rate, and the refresh grant counts toward ``UserAuthentication`` (footnote 2).
- The operations of ``UserPoolResourceRead``, ``UserPoolResourceUpdate``,
  ``UserPoolClientRead`` and ``UserPoolClientUpdate`` are each held to 5 RPS as well
  (footnote 3).

A throttled API request gets what Cognito sends and botocore parses into
``client.exceptions.TooManyRequestsException`` (HTTP 400, ``__type``
``TooManyRequestsException``); a throttled page or OAuth request gets 429 (Cognito
does not document that answer). Off unless asked for; thread-safe; the clock is
injected (``now``), so tests move time by hand.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import urllib.parse
from collections.abc import Callable, Iterable, Mapping

Clock = Callable[[], float]

# Category -> default quota in requests per second ("Amazon Cognito user pools
# per-category request rate quotas").
CATEGORIES: dict[str, float] = {
    "UserAuthentication": 120,
    "UserCreation": 50,
    "UserFederation": 25,
    "UserAccountRecovery": 30,
    "UserRead": 120,
    "UserUpdate": 25,
    "UserToken": 120,
    "UserResourceRead": 50,
    "UserResourceUpdate": 25,
    "UserList": 30,
    "UserPoolRead": 15,
    "UserPoolUpdate": 15,
    "UserPoolResourceRead": 20,
    "UserPoolResourceUpdate": 15,
    "UserPoolClientRead": 15,
    "UserPoolClientUpdate": 15,
    "ClientAuthentication": 150,
    "LimitManagement": 1,
}

_BY_CATEGORY: dict[str, tuple[str, ...]] = {
    "UserAuthentication": (
        "InitiateAuth",
        "AdminInitiateAuth",
        "RespondToAuthChallenge",
        "AdminRespondToAuthChallenge",
        "GetTokensFromRefreshToken",
    ),
    "UserCreation": ("SignUp", "ConfirmSignUp", "AdminCreateUser", "AdminConfirmSignUp"),
    "UserAccountRecovery": (
        "ChangePassword",
        "ConfirmForgotPassword",
        "ForgotPassword",
        "AdminResetUserPassword",
        "AdminSetUserPassword",
    ),
    "UserRead": ("AdminGetUser", "AdminGetUserAuthFactors", "GetUser"),
    "UserUpdate": (
        "AdminAddUserToGroup",
        "AdminDeleteUserAttributes",
        "AdminUpdateUserAttributes",
        "AdminDeleteUser",
        "AdminDisableUser",
        "AdminEnableUser",
        "AdminLinkProviderForUser",
        "AdminDisableProviderForUser",
        "VerifyUserAttribute",
        "DeleteUser",
        "DeleteUserAttributes",
        "UpdateUserAttributes",
        "AdminUserGlobalSignOut",
        "GlobalSignOut",
        "AdminRemoveUserFromGroup",
    ),
    "UserToken": ("RevokeToken",),
    "UserResourceRead": (
        "AdminGetDevice",
        "AdminListGroupsForUser",
        "AdminListDevices",
        "GetDevice",
        "ListDevices",
        "GetUserAttributeVerificationCode",
        "ResendConfirmationCode",
        "AdminListUserAuthEvents",
    ),
    "UserResourceUpdate": (
        "AdminForgetDevice",
        "AdminUpdateAuthEventFeedback",
        "AdminSetUserMFAPreference",
        "AdminDeleteSoftwareToken",
        "AdminSetUserSettings",
        "AdminUpdateDeviceStatus",
        "UpdateDeviceStatus",
        "UpdateAuthEventFeedback",
        "ConfirmDevice",
        "SetUserMFAPreference",
        "SetUserSettings",
        "VerifySoftwareToken",
        "AssociateSoftwareToken",
        "ForgetDevice",
    ),
    "UserList": ("ListUsers", "ListUsersInGroup"),
    "UserPoolRead": ("DescribeUserPool", "ListUserPools"),
    "UserPoolUpdate": ("CreateUserPool", "UpdateUserPool", "DeleteUserPool"),
    "UserPoolResourceRead": (
        "DescribeIdentityProvider",
        "DescribeResourceServer",
        "DescribeUserImportJob",
        "DescribeUserPoolDomain",
        "GetCSVHeader",
        "GetGroup",
        "GetSigningCertificate",
        "GetIdentityProviderByIdentifier",
        "GetUserPoolMfaConfig",
        "ListGroups",
        "ListIdentityProviders",
        "ListResourceServers",
        "ListTagsForResource",
        "ListUserImportJobs",
        "DescribeRiskConfiguration",
        "GetUICustomization",
        "DescribeManagedLoginBranding",
        "DescribeManagedLoginBrandingByClient",
    ),
    "UserPoolResourceUpdate": (
        "AddCustomAttributes",
        "CreateGroup",
        "CreateIdentityProvider",
        "CreateResourceServer",
        "CreateUserImportJob",
        "CreateUserPoolDomain",
        "DeleteGroup",
        "DeleteIdentityProvider",
        "DeleteResourceServer",
        "DeleteUserPoolDomain",
        "SetUserPoolMfaConfig",
        "StartUserImportJob",
        "StopUserImportJob",
        "UpdateGroup",
        "UpdateIdentityProvider",
        "UpdateResourceServer",
        "UpdateUserPoolDomain",
        "SetRiskConfiguration",
        "SetUICustomization",
        "TagResource",
        "UntagResource",
        "CreateManagedLoginBranding",
        "UpdateManagedLoginBranding",
        "DeleteManagedLoginBranding",
    ),
    "UserPoolClientRead": ("DescribeUserPoolClient", "ListUserPoolClients"),
    "UserPoolClientUpdate": (
        "CreateUserPoolClient",
        "DeleteUserPoolClient",
        "UpdateUserPoolClient",
    ),
    "ClientAuthentication": ("GetClientToken",),
    "LimitManagement": ("GetProvisionedLimit", "UpdateProvisionedLimit"),
}
# cognito-idp action (X-Amz-Target without its prefix) -> category. An action the page
# does not list is not limited.
ACTIONS: dict[str, str] = {
    action: category for category, actions in _BY_CATEGORY.items() for action in actions
}
CHALLENGE_ACTIONS = frozenset({"RespondToAuthChallenge", "AdminRespondToAuthChallenge"})
# Footnote 3: each operation of these categories at most 5 RPS per user pool.
PER_OPERATION_CAPPED = frozenset(
    {"UserPoolResourceRead", "UserPoolResourceUpdate", "UserPoolClientRead", "UserPoolClientUpdate"}
)
PER_OPERATION_RPS = 5.0
CHALLENGE_FACTOR = 3  # challenge answers: three times the UserAuthentication rate

# The two allocations that follow UserAuthentication's rate (not categories of their own).
CHALLENGES = "UserAuthentication (challenge responses)"
CODE_REDEMPTION = "UserAuthentication (code redemption)"

# Managed login and OAuth endpoints (POST path -> category); POST /login and
# /oauth2/token depend on the form (see page_category).
_PAGES: dict[str, str] = {
    "/signup": "UserCreation",  # SignUp
    "/confirm": "UserCreation",  # ConfirmSignUp
    "/resendcode": "UserResourceRead",  # ResendConfirmationCode
    "/forgotPassword": "UserAccountRecovery",  # managed login password reset
    "/confirmforgotPassword": "UserAccountRecovery",
    "/oauth2/revoke": "UserToken",  # RevokeToken's endpoint
}

ERROR_TYPE = "TooManyRequestsException"
ERROR_MESSAGE = "Too many requests"


class QuotaError(ValueError):
    """A quota setting that cannot be used; the message is one line naming it."""


@dataclasses.dataclass(frozen=True)
class QuotaSettings:
    """Each category's rate in requests per second (every category of
    :data:`CATEGORIES`). Build with :func:`cognito`."""

    rates: tuple[tuple[str, float], ...]

    def rate(self, category: str) -> float:
        return dict(self.rates)[category]

    def changed(self) -> dict[str, float]:
        """The categories whose rate is not Cognito's default."""
        return {name: rps for name, rps in self.rates if rps != CATEGORIES[name]}


def cognito(
    overrides: Mapping[str, float] | Iterable[tuple[str, float]] = (),
) -> QuotaSettings:
    """Cognito's default quotas, with ``overrides`` (category -> RPS) applied.

    ``QuotaError`` for an unknown category or a rate that is not a finite number >= 0
    (0 throttles every request of the category, for testing the throttled path).
    """
    rates = dict(CATEGORIES)
    for name, rps in dict(overrides).items():
        if name not in CATEGORIES:
            raise QuotaError(
                f"unknown quota category {name!r}; one of: {', '.join(sorted(CATEGORIES))}"
            )
        if isinstance(rps, bool) or not isinstance(rps, int | float) or not 0 <= rps < 1e9:
            raise QuotaError(f"quota for {name} must be a number of requests per second >= 0")
        rates[name] = float(rps)
    return QuotaSettings(tuple(sorted((k, float(v)) for k, v in rates.items())))


def parse_override(text: str) -> tuple[str, float]:
    """``CATEGORY=RPS`` (``--quota``) as (category, rate); ``QuotaError`` naming what is
    wrong."""
    name, sep, value = text.partition("=")
    name, value = name.strip(), value.strip()
    if not sep or not name or not value:
        raise QuotaError(f"quota {text!r} must look like CATEGORY=RPS, e.g. UserCreation=10")
    try:
        rps = float(value)
    except ValueError:
        raise QuotaError(
            f"quota {text!r}: {value!r} is not a number of requests per second"
        ) from None
    if rps != rps:  # NaN
        raise QuotaError(f"quota {text!r}: {value!r} is not a number of requests per second")
    cognito({name: rps})  # the category and the range, checked in one place
    return name, rps


# -- which category a request counts toward ----------------------------------------------


def api_category(action: str, body: bytes) -> str | None:
    """The category a cognito-idp call counts toward, or ``None`` (not limited)."""
    if action in CHALLENGE_ACTIONS:
        try:
            challenge = json.loads(body or b"{}").get("ChallengeName")
        except (ValueError, AttributeError):
            challenge = None
        if challenge == "NEW_PASSWORD_REQUIRED":
            return "UserAccountRecovery"
        return CHALLENGES
    return ACTIONS.get(action)


def page_category(method: str, path: str, body: bytes) -> str | None:
    """The category a managed-login or OAuth request counts toward, or ``None``.

    Only the requests that do something count (POSTs: a sign-in step, a code, a
    password); showing a page or a redirect does not. ``POST /login`` is a sign-in step
    (``UserAuthentication``) unless it sets a password (the new-password and reset
    pages: ``UserAccountRecovery``).
    """
    if method != "POST":
        return None
    if path in _PAGES:
        return _PAGES[path]
    if path not in ("/login", "/oauth2/token"):
        return None
    form = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    if path == "/login":
        return "UserAccountRecovery" if "new_password" in form else "UserAuthentication"
    grant = (form.get("grant_type") or [""])[0]
    if grant == "authorization_code":
        return CODE_REDEMPTION
    if grant == "refresh_token":
        return "UserAuthentication"
    if grant == "client_credentials":
        return "ClientAuthentication"
    return None


# -- the buckets ---------------------------------------------------------------------------


class _Bucket:
    """``rate`` tokens a second, holding at most one second's worth (at least one
    request's, so a rate under 1 RPS still admits one now and then)."""

    def __init__(self, rate: float, now: float) -> None:
        self.rate = rate
        self.capacity = max(rate, 1.0) if rate > 0 else 0.0
        self.tokens = self.capacity
        self.stamp = now

    def _refill(self, now: float) -> None:
        if now > self.stamp:  # a clock that steps back adds nothing
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = max(self.stamp, now)

    def take(self, now: float) -> bool:
        self._refill(now)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False

    def wait(self, now: float) -> float:
        """Seconds until one request would be admitted (``inf`` at rate 0)."""
        self._refill(now)
        if self.tokens >= 1.0:
            return 0.0
        return (1.0 - self.tokens) / self.rate if self.rate > 0 else float("inf")


@dataclasses.dataclass(frozen=True)
class Refusal:
    """A throttled request: the category that refused it and when to try again."""

    category: str
    retry_after_s: float


class Limiter:
    """The token buckets of one stand-in (one pool, so the account-wide quota and the
    pool's are the same thing). Thread-safe."""

    def __init__(self, config: QuotaSettings, now: Clock) -> None:
        self._now = now
        self._lock = threading.Lock()
        start = now()
        auth = config.rate("UserAuthentication")
        self._buckets = {name: _Bucket(rps, start) for name, rps in config.rates}
        self._buckets[CHALLENGES] = _Bucket(auth * CHALLENGE_FACTOR, start)
        self._buckets[CODE_REDEMPTION] = _Bucket(auth, start)
        self._operations: dict[str, _Bucket] = {}
        self.throttled: dict[str, int] = {}  # category -> requests refused (for tests)

    def admit(self, category: str | None, operation: str | None = None) -> Refusal | None:
        """Spend one request of ``category`` (and of ``operation``'s own cap, if its
        category has one); ``None`` if admitted, else why not. Nothing is spent on a
        refusal."""
        if category is None:
            return None
        with self._lock:
            now = self._now()
            buckets = [self._buckets[category]]
            if category == CHALLENGES and buckets[0].wait(now) > 0:
                # Past the challenge allocation, answers count toward the category.
                buckets = [self._buckets["UserAuthentication"]]
            if operation is not None and category in PER_OPERATION_CAPPED:
                buckets.append(
                    self._operations.setdefault(operation, _Bucket(PER_OPERATION_RPS, now))
                )
            waits = [bucket.wait(now) for bucket in buckets]
            if max(waits) > 0:
                self.throttled[category] = self.throttled.get(category, 0) + 1
                return Refusal(category, max(waits))
            for bucket in buckets:
                bucket.take(now)
            return None

    def admit_api(self, action: str, body: bytes) -> Refusal | None:
        """A cognito-idp call (``action`` from ``X-Amz-Target``)."""
        return self.admit(api_category(action, body), action)

    def admit_page(self, method: str, path: str, body: bytes) -> Refusal | None:
        """A managed-login page or OAuth endpoint request."""
        return self.admit(page_category(method, path, body))


# -- the answers ---------------------------------------------------------------------------


def api_refusal() -> tuple[str, list[tuple[str, str]], bytes]:
    """Status, headers and body of a throttled cognito-idp call, as Cognito answers:
    HTTP 400, AWS's JSON 1.1 error with ``__type`` ``TooManyRequestsException``."""
    body = json.dumps({"__type": ERROR_TYPE, "message": ERROR_MESSAGE}).encode()
    headers = [
        ("Content-Type", "application/x-amz-json-1.1"),
        ("x-amzn-ErrorType", ERROR_TYPE),
        ("Content-Length", str(len(body))),
    ]
    return "400 Bad Request", headers, body


def page_refusal(path: str, refusal: Refusal) -> tuple[str, list[tuple[str, str]], bytes]:
    """Status, headers and body of a throttled page (HTML) or OAuth endpoint (JSON)
    request: 429 with ``Retry-After`` in whole seconds."""
    retry = refusal.retry_after_s
    seconds = str(max(1, int(retry) + (retry % 1 > 0))) if retry != float("inf") else "60"
    if path.startswith("/oauth2/"):
        body = json.dumps({"error": "too_many_requests"}).encode()
        kind = "application/json"
    else:
        body = (
            b"<!doctype html><title>Too many requests</title>"
            b"<p>Too many requests. Try again in a moment.</p>"
        )
        kind = "text/html; charset=utf-8"
    headers = [
        ("Content-Type", kind),
        ("Retry-After", seconds),
        ("Cache-Control", "no-store"),
        ("Content-Length", str(len(body))),
    ]
    return "429 Too Many Requests", headers, body
