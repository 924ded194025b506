"""cfn-lint finds nothing in infra/template.yaml: errors, warnings or informational notes.

cfn-lint checks the template against CloudFormation's resource schemas (property
names, types, allowed values, required properties), intrinsic functions and
best-practice rules, in several regions. It runs here, in the test suite, so CI
runs it; it needs no AWS account and no network.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.infra import cfn

# Regions differ in which resource types and properties exist; lint for a spread.
REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")
# The venv's console script: the same command the runbook tells people to run.
CFN_LINT = Path(sys.executable).with_name("cfn-lint")


def lint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CFN_LINT), "--format", "parseable", "--regions", *REGIONS, "--", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_cfn_lint_passes_on_the_template() -> None:
    done = lint(cfn.TEMPLATE)
    # cfn-lint's exit status is a bit mask: 2 errors, 4 warnings, 8 informational.
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == ""


@pytest.mark.parametrize(
    ("old", "new", "rule"),
    [
        ("GenerateSecret: false", "GenerateSecret: perhaps", "E3012"),
        ("AllowedOAuthFlows: [code]", "AllowedOAuthFlows: [device]", "E3030"),
        ("Resource: !GetAtt UserPool.Arn", "Resource: !GetAtt UserPool.Nope", "E1010"),
    ],
)
def test_cfn_lint_catches_a_broken_template(tmp_path: Path, old: str, new: str, rule: str) -> None:
    # The lint test above could fail: the same run flags a template broken on purpose.
    text = cfn.TEMPLATE.read_text(encoding="utf-8")
    assert old in text
    broken = tmp_path / "template.yaml"
    broken.write_text(text.replace(old, new, 1), encoding="utf-8")
    done = lint(broken)
    assert done.returncode & 2, done.stdout + done.stderr
    assert rule in done.stdout
