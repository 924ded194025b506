"""``--state-dir``: a restarted stand-in keeps its pool, clients, key, users, groups, MFA and
outbox (over boto3 and HTTP, as testers and the app meet it); what it refuses, and saving
while requests change the pool."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from local_cognito import cli, seed, server, settings, state, totp
from tests.integration.conftest import idp_client
from tests.support import clock
from tests.support.relying_party import Verifier

pytestmark = pytest.mark.integration
TIMEOUT = 10
POSIX = pytest.mark.skipif(sys.platform == "win32", reason="file modes and flock are POSIX")


@contextlib.contextmanager
def running(
    state_dir: Path, now: clock.FakeClock, region: str = settings.DEFAULT_REGION, **kwargs: Any
) -> Iterator[server.LocalCognito]:
    config = settings.PoolSettings(require_pkce=True, region=region)
    with server.LocalCognito(
        port=0, now=now, config=config, state_dir=state_dir, **kwargs
    ) as stand_in:
        yield stand_in


def idp_of(stand_in: server.LocalCognito) -> Any:
    return idp_client(stand_in.url, stand_in.pool.settings.region)


def sign_in(idp: Any, stand_in: server.LocalCognito, username: str, password: str) -> Any:
    return idp.admin_initiate_auth(
        UserPoolId=stand_in.pool.id,
        ClientId=stand_in.pool.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )


def outbox(stand_in: server.LocalCognito) -> list[dict[str, Any]]:
    return list(requests.get(f"{stand_in.url}/outbox.json", timeout=TIMEOUT).json())


def test_a_restart_keeps_ids_key_users_passwords_groups_and_outbox(
    tmp_path: Path, fake_clock: clock.FakeClock
) -> None:
    where = tmp_path / "state"
    with running(where, fake_clock) as first:
        idp = idp_of(first)
        pool_id = first.pool.id
        before = first.info()
        kid = first.pool.key.kid
        idp.create_group(
            UserPoolId=pool_id, GroupName="Editors", Description="Edit things", Precedence=5
        )
        idp.admin_create_user(
            UserPoolId=pool_id,
            Username="carol",
            UserAttributes=[
                {"Name": "email", "Value": "carol@example.com"},
                {"Name": "given_name", "Value": "Carol"},
            ],
        )
        idp.admin_set_user_password(
            UserPoolId=pool_id, Username="carol", Password="Carol-Passw0rd!", Permanent=True
        )
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username="carol", GroupName="Editors")
        idp.sign_up(
            ClientId=first.pool.client_id,
            Username="sam",
            Password="Sam-Passw0rd!",
            UserAttributes=[{"Name": "email", "Value": "sam@example.com"}],
        )
        token = sign_in(idp, first, "alice", "Alice-Passw0rd!")["AuthenticationResult"]
        carol = idp.admin_get_user(UserPoolId=pool_id, Username="carol")
        mail = outbox(first)
    assert first.pool.id not in first.pool.backend.user_pools  # stopped: gone from moto

    with running(where, fake_clock) as second:
        idp = idp_of(second)
        after = second.info()
        for key in ("user_pool_id", "client_id", "automation_client_id", "issuer"):
            assert after[key] == before[key], key
        jwks = requests.get(after["jwks_url"], timeout=TIMEOUT).json()
        assert [k["kid"] for k in jwks["keys"]] == [kid]
        # The key: a token from before the restart verifies against the JWKS after it.
        verifier = Verifier(
            after["discovery_url"], after["issuer"], second.pool.client_id, fake_clock
        )
        assert verifier.access(token["AccessToken"])["username"] == "alice"
        # The user, with the password she was given, her attributes, dates and groups.
        again = idp.admin_get_user(UserPoolId=pool_id, Username="carol")
        for key in ("UserAttributes", "UserStatus", "Enabled", "UserCreateDate"):
            assert again[key] == carol[key], key
        tokens = sign_in(idp, second, "carol", "Carol-Passw0rd!")["AuthenticationResult"]
        assert verifier.access(tokens["AccessToken"])["cognito:groups"] == ["Editors"]
        group = idp.get_group(UserPoolId=pool_id, GroupName="Editors")["Group"]
        assert (group["Description"], group["Precedence"]) == ("Edit things", 5)
        # The demo users were not seeded again over what was kept.
        assert idp.admin_get_user(UserPoolId=pool_id, Username="dora")["Enabled"] is False
        assert len(second.pool.pool.users) == len(seed.DEMO_USERS) + 2
        # The outbox, and the sign-up code in it still confirms sam.
        assert outbox(second) == mail
        [code] = [m["code"] for m in mail if m["username"] == "sam"]
        idp.confirm_sign_up(ClientId=second.pool.client_id, Username="sam", ConfirmationCode=code)
        assert idp.admin_get_user(UserPoolId=pool_id, Username="sam")["UserStatus"] == "CONFIRMED"


def test_a_restart_keeps_totp_and_its_last_step(
    tmp_path: Path, fake_clock: clock.FakeClock
) -> None:
    where = tmp_path / "state"

    def tom_code(stand_in: server.LocalCognito) -> dict[str, Any]:
        idp = idp_of(stand_in)
        challenge = sign_in(idp, stand_in, "tom", "Tom-Passw0rd!")
        assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
        return dict(
            idp.admin_respond_to_auth_challenge(
                UserPoolId=stand_in.pool.id,
                ClientId=stand_in.pool.client_id,
                ChallengeName="SOFTWARE_TOKEN_MFA",
                Session=challenge["Session"],
                ChallengeResponses={
                    "USERNAME": "tom",
                    "SOFTWARE_TOKEN_MFA_CODE": totp.code(seed.DEMO_TOTP_SECRET, fake_clock()),
                },
            )
        )

    with running(where, fake_clock) as first:
        assert "AuthenticationResult" in tom_code(first)
    with running(where, fake_clock) as second:
        idp = idp_of(second)
        mfa = idp.admin_get_user(UserPoolId=second.pool.id, Username="tom")
        assert mfa["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
        with pytest.raises(idp.exceptions.ExpiredCodeException):
            tom_code(second)  # the code used before the restart is still used
        fake_clock.advance(totp.STEP_S)
        assert "AuthenticationResult" in tom_code(second)


@POSIX
def test_the_files_are_the_owners_alone(tmp_path: Path, fake_clock: clock.FakeClock) -> None:
    where = tmp_path / "state"
    with running(where, fake_clock) as stand_in:
        assert stand_in.info()["state_dir"] == str(where)
    assert stat.S_IMODE(where.stat().st_mode) == 0o700
    for name in (state.STATE_FILE, state.KEY_FILE):
        assert stat.S_IMODE((where / name).stat().st_mode) == 0o600, name
    assert b"PRIVATE KEY" in (where / state.KEY_FILE).read_bytes()
    assert "Admin-Passw0rd!" in (where / state.STATE_FILE).read_text(encoding="utf-8")
    leftovers = [p.name for p in where.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_a_state_it_cannot_honour_is_refused_and_left_alone(
    tmp_path: Path, fake_clock: clock.FakeClock
) -> None:
    where = tmp_path / "state"
    with running(where, fake_clock):
        pass
    saved = (where / state.STATE_FILE).read_bytes()
    with pytest.raises(state.StateError) as caught:
        running(where, fake_clock, region="eu-west-1").__enter__()
    message = str(caught.value)
    assert "us-east-1, not eu-west-1" in message and "\n" not in message
    (where / state.STATE_FILE).write_bytes(saved[: len(saved) // 2])  # cut short
    corrupt = (where / state.STATE_FILE).read_bytes()
    with pytest.raises(state.StateError, match="not valid JSON"):
        running(where, fake_clock).__enter__()
    assert (where / state.STATE_FILE).read_bytes() == corrupt  # never silently replaced
    data = json.loads(saved)
    (where / state.STATE_FILE).write_text(json.dumps({**data, "format": 99}), encoding="utf-8")
    with pytest.raises(state.StateError, match="format 99"):
        running(where, fake_clock).__enter__()
    (where / state.STATE_FILE).write_text(json.dumps({**data, "users": [{}]}), encoding="utf-8")
    with pytest.raises(state.StateError, match="cannot be used"):
        running(where, fake_clock).__enter__()
    (where / state.STATE_FILE).write_bytes(saved)
    (where / state.KEY_FILE).write_bytes(b"not a key")
    with pytest.raises(state.StateError, match="signing key"):
        running(where, fake_clock).__enter__()


def test_up_says_so_in_one_line_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    where = tmp_path / "state"
    where.mkdir()
    (where / state.STATE_FILE).write_text("{not json", encoding="utf-8")
    code = cli.main(["up", "--port", "0", "--no-api", "--no-profile", "--state-dir", str(where)])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("cognito-local: state file ") and err.count("\n") == 1


@POSIX
def test_one_state_dir_serves_one_stand_in_at_a_time(
    tmp_path: Path, fake_clock: clock.FakeClock
) -> None:
    where = tmp_path / "state"
    with running(where, fake_clock), pytest.raises(state.StateError, match="in use"):
        running(where, fake_clock).__enter__()
    with running(where, fake_clock):  # free again once the first stopped
        pass


def test_saves_while_requests_change_the_pool_lose_nothing(
    tmp_path: Path, fake_clock: clock.FakeClock
) -> None:
    where = tmp_path / "state"
    created: list[str] = []
    with running(where, fake_clock, demo_users=False) as stand_in:
        assert stand_in.saver is not None
        saver: state.Saver = stand_in.saver
        stop = threading.Event()
        failures: list[BaseException] = []

        def invite(idp: Any, prefix: str) -> None:
            try:
                for i in range(40):
                    name = f"{prefix}{i:02d}"
                    idp.admin_create_user(
                        UserPoolId=stand_in.pool.id, Username=name, MessageAction="SUPPRESS"
                    )
                    created.append(name)
            except BaseException as exc:  # reported below, not lost in the thread
                failures.append(exc)

        def save_again_and_again() -> None:
            try:
                while not stop.is_set():
                    saver.save_now()
                    json.loads((where / state.STATE_FILE).read_text(encoding="utf-8"))
            except BaseException as exc:
                failures.append(exc)

        # boto3 clients are made here: making them in threads at once is not thread-safe.
        workers = [
            threading.Thread(target=invite, args=(idp_of(stand_in), prefix))
            for prefix in ("a", "b")
        ]
        saving = threading.Thread(target=save_again_and_again)
        saving.start()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        stop.set()
        saving.join(timeout=60)
        assert failures == []
        assert saver.saves > 2
    with running(where, fake_clock, demo_users=False) as again:
        assert sorted(again.pool.pool.users) == sorted(created)
        assert len(created) == 80


def test_a_change_is_saved_soon_and_reads_are_not_saved(
    tmp_path: Path, fake_clock: clock.FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(state, "SAVE_INTERVAL_S", 0.05)
    where = tmp_path / "state"
    with running(where, fake_clock) as stand_in:
        assert stand_in.saver is not None
        saves = stand_in.saver.saves
        assert saves == 1  # at start: the ids are on disk before anyone is given them
        idp = idp_of(stand_in)
        for _ in range(5):
            idp.list_users(UserPoolId=stand_in.pool.id)
            idp.admin_get_user(UserPoolId=stand_in.pool.id, Username="alice")
        time.sleep(0.3)
        assert stand_in.saver.saves == saves  # nothing changed
        idp.admin_disable_user(UserPoolId=stand_in.pool.id, Username="alice")
        for _ in range(100):
            if stand_in.saver.saves > saves:
                break
            time.sleep(0.05)
        saved = json.loads((where / state.STATE_FILE).read_text(encoding="utf-8"))
        [alice] = [u for u in saved["users"] if u["username"] == "alice"]
        assert alice["enabled"] is False


def test_synthetic_users_are_not_added_twice(tmp_path: Path, fake_clock: clock.FakeClock) -> None:
    where = tmp_path / "state"
    with running(where, fake_clock, users=5) as first:
        sub = first.pool.pool.users["user00003"].id
    with running(where, fake_clock, users=8) as second:
        assert second.pool.pool.users["user00003"].id == sub
        assert len(second.pool.pool.users) == len(seed.DEMO_USERS) + 8
    assert os.path.exists(where / state.STATE_FILE)
