"""``python -m infra.build_lambda``: the zip holds the API and all it needs, reproducibly.

The last test builds the real, deployable zip for this machine's architecture (pip
downloads the wheels, as in docs/deploy-aws.md), unpacks it and serves ``GET /me``
from it in a Python that has nothing but the standard library and the zip, as
Lambda's runtime does.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from infra import build_lambda
from local_cognito import seed, server
from local_cognito import settings as local_settings
from tests.infra import cfn
from tests.infra.apigw import http_api_event
from tests.infra.conftest import access_token

ROOT = Path(__file__).resolve().parents[2]


def test_requirements_are_the_apis_and_the_adapter_without_the_server() -> None:
    wanted = build_lambda.requirements()
    names = {r.split("[")[0].split(">")[0].split("=")[0].lower() for r in wanted}
    assert {"fastapi", "boto3", "pyjwt", "requests", "mangum"} <= names
    assert "uvicorn" not in names
    assert "cognito-desktop" not in names
    assert len(wanted) == len(set(wanted))


def test_source_zip_holds_the_api_package_only_and_is_reproducible(tmp_path: Path) -> None:
    first = build_lambda.build(tmp_path / "a", with_dependencies=False)
    second = build_lambda.build(tmp_path / "b", with_dependencies=False)
    assert first.name == second.name  # same sources, same hash, same S3 key
    assert first.read_bytes() == second.read_bytes()
    assert first.name.startswith("protected-api-")
    with zipfile.ZipFile(first) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        infos = archive.infolist()
    expected = {p.as_posix() for p in build_lambda.source_files()}
    assert set(names) == expected
    assert "protected_api/lambda_handler.py" in names
    assert "protected_api/routes/admin.py" in names
    assert not [n for n in names if not n.startswith("protected_api/") or "__pycache__" in n]
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}


def test_the_template_handler_is_in_the_zip(tmp_path: Path) -> None:
    deployment = cfn.Deployment({"DomainPrefix": "x", "CodeS3Bucket": "bkt", "CodeS3Key": "a.zip"})
    handler = deployment.only("AWS::Lambda::Function")["Handler"]
    module = handler.rpartition(".")[0].replace(".", "/") + ".py"
    with zipfile.ZipFile(build_lambda.build(tmp_path, with_dependencies=False)) as archive:
        assert module in archive.namelist()


def test_a_source_change_is_a_new_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = build_lambda.build(tmp_path / "before", with_dependencies=False).name
    fake_root = tmp_path / "src"
    package = fake_root / "protected_api"
    for relative in build_lambda.source_files():
        target = fake_root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((ROOT / relative).read_bytes())
    (package / "app.py").write_text((package / "app.py").read_text() + "\n# changed\n")
    monkeypatch.setattr(build_lambda, "ROOT", fake_root)
    monkeypatch.setattr(
        build_lambda,
        "source_files",
        lambda: sorted(p.relative_to(fake_root) for p in package.rglob("*.py")),
    )
    after = build_lambda.build(tmp_path / "after", with_dependencies=False).name
    assert after != before


def test_unknown_architecture_is_refused(tmp_path: Path) -> None:
    with pytest.raises(build_lambda.BuildError, match="--arch must be one of"):
        build_lambda.build(tmp_path, arch="mips", with_dependencies=False)


_ARCH = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}

_SERVE = """
import json, sys
build = sys.argv[1]
sys.path.insert(0, build)
from protected_api import lambda_handler
import fastapi, mangum, jwt, boto3
for module in (lambda_handler, fastapi, mangum, jwt, boto3):
    assert module.__file__.startswith(build), module.__file__
events = json.loads(sys.stdin.read())
print(json.dumps([lambda_handler.handler(e, None) for e in events]))
"""


@pytest.mark.slow
@pytest.mark.integration
def test_the_deployable_zip_serves_me_on_its_own(
    tmp_path: Path, cognito_local: server.LocalCognito, api_environment: dict[str, str]
) -> None:
    arch = _ARCH.get(platform.machine().lower())
    if arch is None:
        pytest.skip(f"no Lambda architecture for this machine ({platform.machine()})")
    if sys.version_info[:2] != tuple(int(p) for p in build_lambda.PYTHON_VERSION.split(".")):
        pytest.skip(f"the zip is for Python {build_lambda.PYTHON_VERSION}")
    built = build_lambda.build(tmp_path / "out", arch=arch)
    unpacked = tmp_path / "function"
    with zipfile.ZipFile(built) as archive:
        archive.extractall(unpacked)
    admin = next(u for u in seed.DEMO_USERS if local_settings.ADMIN_GROUP in u.groups)
    token = access_token(cognito_local, admin.username, admin.password)
    events = [
        http_api_event("GET", "/me", token=token),
        http_api_event("GET", "/admin/users", token=token, query="limit=2"),
        http_api_event("GET", "/me"),
    ]
    # -I -S: no site-packages, no user site, no PYTHON* variables: the zip or nothing.
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", _SERVE, str(unpacked)],
        input=json.dumps(events),
        capture_output=True,
        text=True,
        env={**api_environment, "PATH": "/usr/bin:/bin"},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    me, users, anonymous = json.loads(done.stdout)
    assert me["statusCode"] == 200, me["body"]
    assert json.loads(me["body"])["username"] == admin.username
    assert users["statusCode"] == 200, users["body"]
    assert len(json.loads(users["body"])["users"]) == 2
    assert anonymous["statusCode"] == 401
