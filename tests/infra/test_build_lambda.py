"""``python -m infra.build_lambda``: each zip holds its function and all it needs, reproducibly.

The API's zip: the last test builds the real, deployable zip for this machine's
architecture (pip downloads the wheels, as in docs/deploy-aws.md), unpacks it and
serves ``GET /me`` from it in a Python that has nothing but the standard library and
the zip, as Lambda's runtime does. The triggers' zip (``--package triggers``) holds the
``triggers`` package alone, and its handlers import with nothing but the zip, the
standard library and boto3, which is what the Lambda runtime has.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import platform
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

import triggers
from infra import build_lambda
from local_cognito import seed, server
from local_cognito import settings as local_settings
from tests.infra import cfn
from tests.infra.apigw import http_api_event
from tests.infra.conftest import access_token

ROOT = Path(__file__).resolve().parents[2]
PARAMETERS = {
    "DomainPrefix": "x",
    "CodeS3Bucket": "bkt",
    "CodeS3Key": "a.zip",
    "TriggersCodeS3Key": "t.zip",
}


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
    deployment = cfn.Deployment(PARAMETERS)
    handler = deployment.resource("ApiFunction")["Handler"]
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
    after = build_lambda.build(tmp_path / "after", with_dependencies=False).name
    assert after != before


def test_unknown_architecture_is_refused(tmp_path: Path) -> None:
    with pytest.raises(build_lambda.BuildError, match="--arch must be one of"):
        build_lambda.build(tmp_path, arch="mips", with_dependencies=False)


def test_unknown_package_is_refused(tmp_path: Path) -> None:
    with pytest.raises(build_lambda.BuildError, match="--package must be one of"):
        build_lambda.build(tmp_path, package="desktop_app", with_dependencies=False)


# -- the Cognito triggers' zip ----------------------------------------------------------


def _triggers_zip(out_dir: Path, **kwargs: Any) -> Path:
    # with_dependencies stays at its default (True): the triggers have none to download.
    return build_lambda.build(out_dir, package="triggers", **kwargs)


def test_triggers_zip_holds_the_triggers_package_only_and_is_reproducible(
    tmp_path: Path,
) -> None:
    first = _triggers_zip(tmp_path / "a")
    second = _triggers_zip(tmp_path / "b")
    assert first.name == second.name  # same sources, same hash, same S3 key
    assert first.read_bytes() == second.read_bytes()
    # The architecture changes nothing in a zip without wheels: one build serves both.
    assert _triggers_zip(tmp_path / "c", arch="x86_64").read_bytes() == first.read_bytes()
    with zipfile.ZipFile(first) as archive:
        names = archive.namelist()
        infos = archive.infolist()
    assert names == sorted(names)
    expected = {p.as_posix() for p in build_lambda.source_files(ROOT / "triggers")}
    assert set(names) == expected
    assert "triggers/__init__.py" in names
    assert all(n.startswith("triggers/") and n.endswith(".py") for n in names)
    assert not [n for n in names if "__pycache__" in n]
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {i.external_attr for i in infos} == {0o644 << 16}


def test_triggers_zip_name_carries_its_content_hash(tmp_path: Path) -> None:
    built = _triggers_zip(tmp_path)
    digest = hashlib.sha256(built.read_bytes()).hexdigest()[:12]
    assert built.name == f"triggers-{digest}.zip"
    # The template's example key has the same shape.
    spec = cfn.load()["Parameters"]["TriggersCodeS3Key"]
    assert re.fullmatch(spec["AllowedPattern"], f"triggers/{built.name}")


def test_a_triggers_source_change_is_a_new_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _triggers_zip(tmp_path / "before").name
    fake_root = tmp_path / "src"
    for relative in build_lambda.source_files(ROOT / "triggers"):
        target = fake_root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((ROOT / relative).read_bytes())
    changed = fake_root / "triggers" / "__init__.py"
    changed.write_text(changed.read_text() + "\n# changed\n")
    monkeypatch.setattr(build_lambda, "ROOT", fake_root)
    after = _triggers_zip(tmp_path / "after").name
    assert after.startswith("triggers-")
    assert after != before


def test_the_api_build_is_unchanged_by_default(tmp_path: Path) -> None:
    # No --package: the API's zip, under its old name, without a triggers file.
    built = build_lambda.build(tmp_path, with_dependencies=False)
    assert built.name.startswith("protected-api-")
    with zipfile.ZipFile(built) as archive:
        assert not [n for n in archive.namelist() if n.startswith("triggers/")]


def test_command_builds_the_triggers_zip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert build_lambda.main(["--package", "triggers", "--out", str(tmp_path)]) == 0
    (built,) = tmp_path.glob("triggers-*.zip")
    assert str(built) in capsys.readouterr().out


def test_the_template_trigger_handlers_are_in_the_triggers_zip(tmp_path: Path) -> None:
    deployment = cfn.Deployment(PARAMETERS)
    functions = [
        deployment.resource(name)
        for name in deployment.resources_of("AWS::Lambda::Function")
        if deployment.resource(name)["Code"]["S3Key"] == PARAMETERS["TriggersCodeS3Key"]
    ]
    assert len(functions) == len(triggers.HANDLERS)
    with zipfile.ZipFile(_triggers_zip(tmp_path)) as archive:
        names = archive.namelist()
    for function in functions:
        module = function["Handler"].rpartition(".")[0].replace(".", "/") + ".py"
        assert module in names


# Lambda's python3.11 runtime: the zip, the standard library and the SDK. Nothing else
# of this repository, and no other installed package.
_IMPORT_TRIGGERS = """
import importlib, json, sys
unpacked, sdk = sys.argv[1], sys.argv[2]
sys.path[:0] = [unpacked, sdk]
for name in json.loads(sys.stdin.read()):
    module = importlib.import_module(name)
    assert module.__file__.startswith(unpacked), module.__file__
    assert callable(module.handler), name
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""
# The SDK the runtime provides: boto3 and what it needs.
_SDK = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3")


def _sdk_dir(target: Path) -> Path:
    """``target`` holding links to the SDK's installed packages, and nothing else."""
    target.mkdir()
    for name in _SDK:
        module = importlib.import_module(name)
        assert module.__file__
        source = Path(module.__file__)
        if source.name == "__init__.py":
            source = source.parent
        (target / source.name).symlink_to(source)
    return target


def test_the_triggers_zip_imports_with_only_what_lambda_has(tmp_path: Path) -> None:
    unpacked = tmp_path / "function"
    with zipfile.ZipFile(_triggers_zip(tmp_path / "out")) as archive:
        archive.extractall(unpacked)
    sdk = _sdk_dir(tmp_path / "sdk")
    # -I -S: no site-packages, no user site, no PYTHON* variables, no current directory.
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", _IMPORT_TRIGGERS, str(unpacked), str(sdk)],
        input=json.dumps(sorted(triggers.HANDLERS.values())),
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = set(json.loads(done.stdout))
    assert "triggers" in loaded
    ours = {"desktop_app", "local_cognito", "protected_api", "infra", "tests"}
    assert not loaded & ours


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
