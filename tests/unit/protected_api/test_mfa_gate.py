"""REQUIRE_ADMIN_MFA: Cognito (AdminGetUser), not the token, says whether the caller has
TOTP; a yes is remembered for a minute, a no never."""

from __future__ import annotations

import pytest

from protected_api import admin_errors, admin_schema, auth, live_authority
from tests.support.clock import FakeClock
from tests.unit.protected_api import stubs

CALLER = auth.Principal.from_claims(stubs.claims("admin", "Admin", sub="s-admin"))
TOTP = [admin_schema.TOTP]


class Cognito:
    """The caller's account as AdminGetUser describes it; counts the calls."""

    def __init__(self, methods: list[str], *, sub: str = "s-admin", exists: bool = True) -> None:
        self.methods = methods
        self.sub = sub
        self.exists = exists
        self.calls: list[str] = []

    def account_mfa(self, username: str) -> tuple[admin_schema.UserSummary, admin_schema.UserMfa]:
        self.calls.append(username)
        if not self.exists:
            raise admin_errors.AdminError(404, "not_found", "User does not exist.")
        account = admin_schema.UserSummary(
            username=username,
            sub=self.sub,
            email=None,
            status="CONFIRMED",
            enabled=True,
            created_at=None,
            modified_at=None,
        )
        mfa = admin_schema.UserMfa(
            username=username, found=True, mfa_methods=list(self.methods), preferred_mfa=None
        )
        return account, mfa


def refusal(gate: live_authority.MfaGate, cognito: Cognito) -> admin_errors.AdminError:
    with pytest.raises(admin_errors.AdminError) as caught:
        gate.confirm(CALLER, cognito, admin_group="Admin")
    assert caught.value.status == 403
    return caught.value


def test_an_admin_with_totp_passes_and_is_remembered_for_a_minute() -> None:
    clock = FakeClock(1000.0)
    gate = live_authority.MfaGate(now=clock)
    cognito = Cognito(TOTP)
    gate.confirm(CALLER, cognito, admin_group="Admin")
    clock.advance(59)
    gate.confirm(CALLER, cognito, admin_group="Admin")
    assert cognito.calls == ["admin"]  # one AdminGetUser for the minute
    cognito.methods = []  # MFA reset: seen once the minute is over
    clock.advance(2)
    assert refusal(gate, cognito).code == "mfa_required"
    assert cognito.calls == ["admin", "admin"]


def test_an_admin_without_totp_is_refused_and_asked_again_every_time() -> None:
    gate = live_authority.MfaGate(now=FakeClock(0.0))
    cognito = Cognito(["SMS_MFA"])  # another factor is not TOTP
    refused = refusal(gate, cognito)
    assert refused.code == "mfa_required"
    assert "authenticator app (TOTP)" in refused.message
    cognito.methods = TOTP  # just set one up: let in at once
    gate.confirm(CALLER, cognito, admin_group="Admin")
    assert len(cognito.calls) == 2


@pytest.mark.parametrize(
    "cognito", [Cognito(TOTP, exists=False), Cognito(TOTP, sub="s-someone-else")]
)
def test_a_gone_account_is_refused_as_deleted(cognito: Cognito) -> None:
    gate = live_authority.MfaGate()
    assert refusal(gate, cognito).code == "account_deleted"
    assert len(gate) == 0


def test_an_outage_is_not_a_refusal() -> None:
    class Down:
        def account_mfa(
            self, username: str
        ) -> tuple[admin_schema.UserSummary, admin_schema.UserMfa]:
            raise admin_errors.AdminError(503, "unavailable", "try again later")

    with pytest.raises(admin_errors.AdminError) as caught:
        live_authority.MfaGate().confirm(CALLER, Down(), admin_group="Admin")
    assert caught.value.status == 503


def test_the_memory_is_bounded() -> None:
    gate = live_authority.MfaGate(max_callers=3, now=FakeClock(0.0))
    cognito = Cognito(TOTP)
    for i in range(5):
        caller = auth.Principal.from_claims(stubs.claims(f"a{i}", "Admin", sub="s-admin"))
        gate.confirm(caller, cognito, admin_group="Admin")
    assert len(gate) == 3
    first = auth.Principal.from_claims(stubs.claims("a0", "Admin", sub="s-admin"))
    gate.confirm(first, cognito, admin_group="Admin")
    assert cognito.calls[-1] == "a0"  # the oldest was forgotten: asked again
