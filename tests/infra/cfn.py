"""infra/template.yaml as CloudFormation would see it: loaded, then resolved for given parameters.

:func:`load` reads the YAML with CloudFormation's short-form tags (``!Ref``,
``!Sub``...) turned into their long forms. :class:`Deployment` evaluates the
intrinsic functions the template uses, with parameter defaults and overrides,
made-up physical ids (what AWS would assign) and the attributes AWS would return,
so tests can read the client's CallbackURLs, the role's policy or the stack's
outputs exactly as they would be deployed. Resources and outputs whose ``Condition``
is false for the parameters are left out, as CloudFormation would not create them.
Anything it cannot evaluate raises, rather than guessing.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

TEMPLATE = Path(__file__).resolve().parents[2] / "infra" / "template.yaml"

_LONG_NAMES = {
    "Ref": "Ref",
    "Condition": "Condition",
    **{
        name: f"Fn::{name}"
        for name in (
            "And",
            "Base64",
            "Cidr",
            "Equals",
            "FindInMap",
            "GetAZs",
            "GetAtt",
            "If",
            "ImportValue",
            "Join",
            "Not",
            "Or",
            "Select",
            "Split",
            "Sub",
        )
    },
}


class _Loader(yaml.SafeLoader):
    pass


def _constructor(short: str) -> Any:
    long_name = _LONG_NAMES[short]

    def construct(loader: _Loader, node: yaml.Node) -> dict[str, Any]:
        value: Any
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if short == "GetAtt":
                value = str(value).split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {long_name: value}

    return construct


for _short in _LONG_NAMES:
    _Loader.add_constructor(f"!{_short}", _constructor(_short))


def load(path: Path = TEMPLATE) -> dict[str, Any]:
    """The template as a plain dict, intrinsic functions in their long (JSON) form."""
    loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 -- SafeLoader subclass
    assert isinstance(loaded, dict)
    return loaded


# What Ref returns for resource types whose Ref is one of their own properties.
_REF_PROPERTY = {
    "AWS::Cognito::UserPoolGroup": "GroupName",
    "AWS::Cognito::UserPoolDomain": "Domain",
    "AWS::Cognito::UserPoolResourceServer": "Identifier",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::Lambda::Function": "FunctionName",
}
_NO_VALUE = object()


@dataclasses.dataclass
class Deployment:
    """The template deployed with ``parameters`` into a made-up account and region."""

    parameters: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    template: dict[str, Any] = dataclasses.field(default_factory=load)
    region: str = "eu-west-1"
    account: str = "123456789012"
    stack_name: str = "cognito-desktop"
    user_pool_id: str = "eu-west-1_AbCdEfGhI"
    client_id: str = "1example23456789abcdefghij"
    api_id: str = "a1b2c3d4e5"
    # Physical ids by logical name, for a type with more than one resource (the others
    # get their type's id above).
    named_ids: Mapping[str, str] = dataclasses.field(
        default_factory=lambda: {"AutomationClient": "2automation3456789abcdefgh"}
    )

    def __post_init__(self) -> None:
        unknown = set(self.parameters) - set(self.template["Parameters"])
        assert not unknown, f"not template parameters: {unknown}"
        self._ids = {
            "AWS::Cognito::UserPool": self.user_pool_id,
            "AWS::Cognito::UserPoolClient": self.client_id,
            "AWS::ApiGatewayV2::Api": self.api_id,
            "AWS::ApiGatewayV2::Integration": "i1n2t3e",
        }

    # -- values ------------------------------------------------------------------------

    def parameter(self, name: str) -> Any:
        spec = self.template["Parameters"][name]
        if name in self.parameters:
            value = self.parameters[name]
        else:
            assert "Default" in spec, f"parameter {name} has no default; give it"
            value = spec["Default"]
        if spec["Type"] == "CommaDelimitedList":
            items = value if isinstance(value, list) else str(value).split(",")
            for item in items:
                self._check_allowed(name, spec, item)
            return [str(item) for item in items]
        self._check_allowed(name, spec, value)
        if spec["Type"] == "Number":
            number = float(value)
            assert spec.get("MinValue", number) <= number <= spec.get("MaxValue", number), name
            return int(number) if number.is_integer() else number
        return str(value)

    @staticmethod
    def _check_allowed(name: str, spec: Mapping[str, Any], value: Any) -> None:
        if "AllowedValues" in spec:
            assert str(value) in {str(v) for v in spec["AllowedValues"]}, (name, value)
        if "AllowedPattern" in spec:
            assert re.fullmatch(spec["AllowedPattern"], str(value)), (name, value)
        if "MaxLength" in spec or "MinLength" in spec:
            length = len(str(value))
            assert spec.get("MinLength", length) <= length <= spec.get("MaxLength", length), name

    def ref(self, name: str) -> Any:
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::StackName": self.stack_name,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": _NO_VALUE,
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.template["Parameters"]:
            return self.parameter(name)
        resource = self._existing(name)
        kind = resource["Type"]
        if name in self.named_ids:
            return self.named_ids[name]
        if kind in _REF_PROPERTY:
            return self.resolve(resource["Properties"][_REF_PROPERTY[kind]])
        if kind == "AWS::IAM::Role":
            # A generated name, as for the table below.
            return f"{self.stack_name}-{name}-AbCdEf123456"
        if kind == "AWS::DynamoDB::Table" and "TableName" not in resource["Properties"]:
            # CloudFormation's generated name: stack, logical id, a random suffix.
            return f"{self.stack_name}-{name}-1A2B3C4D5E6F"
        if kind in self._ids:
            return self._ids[kind]
        raise KeyError(f"no physical id for {name} ({kind})")

    def _existing(self, name: str) -> dict[str, Any]:
        """Resource ``name``, which must exist for these parameters (a Ref or GetAtt to a
        resource whose condition is false is a template error CloudFormation refuses)."""
        resource = self.template["Resources"][name]
        assert self.exists(name), f"{name} is not created with these parameters"
        assert isinstance(resource, dict)
        return resource

    def exists(self, name: str) -> bool:
        """Whether CloudFormation creates resource ``name`` with these parameters."""
        condition = self.template["Resources"][name].get("Condition")
        return condition is None or self.condition(condition)

    def get_att(self, name: str, attribute: str) -> str:
        kind = self._existing(name)["Type"]
        arn = f"arn:aws:{{service}}:{self.region}:{self.account}:{{rest}}"
        if (kind, attribute) == ("AWS::Cognito::UserPool", "Arn"):
            return arn.format(service="cognito-idp", rest=f"userpool/{self.ref(name)}")
        if (kind, attribute) == ("AWS::ApiGatewayV2::Api", "ApiEndpoint"):
            return f"https://{self.ref(name)}.execute-api.{self.region}.amazonaws.com"
        if (kind, attribute) == ("AWS::Lambda::Function", "Arn"):
            return arn.format(service="lambda", rest=f"function:{self.ref(name)}")
        if (kind, attribute) == ("AWS::Logs::LogGroup", "Arn"):
            return arn.format(service="logs", rest=f"log-group:{self.ref(name)}:*")
        if (kind, attribute) == ("AWS::DynamoDB::Table", "Arn"):
            return arn.format(service="dynamodb", rest=f"table/{self.ref(name)}")
        if (kind, attribute) == ("AWS::IAM::Role", "Arn"):
            return f"arn:aws:iam::{self.account}:role/{self.ref(name)}"
        raise KeyError(f"no value for {name}.{attribute} ({kind})")

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.template["Conditions"][name]))

    def failed_rules(self) -> list[str]:
        """The template's ``Rules`` whose assertions these parameters break (CloudFormation
        would refuse to create or update the stack, naming each ``AssertDescription``)."""
        failed = []
        for name, rule in self.template.get("Rules", {}).items():
            if "RuleCondition" in rule and not self.resolve(rule["RuleCondition"]):
                continue
            if not all(self.resolve(a["Assert"]) for a in rule["Assertions"]):
                failed.append(name)
        return failed

    def resolve(self, value: Any) -> Any:
        """``value`` with every intrinsic function evaluated."""
        if isinstance(value, list):
            return [item for item in (self.resolve(v) for v in value) if item is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                return self.get_att(*arg)
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::Join":
                return str(arg[0]).join(str(v) for v in self.resolve(arg[1]))
            if key == "Fn::Select":
                return self.resolve(arg[1])[int(self.resolve(arg[0]))]
            if key == "Fn::Split":
                return str(self.resolve(arg[1])).split(arg[0])
            if key == "Fn::If":
                return self.resolve(arg[1] if self.condition(arg[0]) else arg[2])
            if key == "Fn::Equals":
                return self.resolve(arg[0]) == self.resolve(arg[1])
            if key == "Fn::Not":
                return not self.resolve(arg[0])
            if key == "Fn::And":
                return all(self.resolve(a) for a in arg)
            if key == "Fn::Or":
                return any(self.resolve(a) for a in arg)
            if key == "Condition":
                return self.condition(arg)
            if key.startswith("Fn::"):
                raise NotImplementedError(key)
        return {
            k: r for k, r in ((k, self.resolve(v)) for k, v in value.items()) if r is not _NO_VALUE
        }

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(self.resolve(variables[name]))
            if "." in name and not name.startswith("AWS::"):
                return self.get_att(*name.split(".", 1))
            return str(self.ref(name))

        return re.sub(r"\$\{([^}]+)\}", replace, text)

    # -- what tests read ---------------------------------------------------------------

    def resource(self, name: str) -> dict[str, Any]:
        """The resolved ``Properties`` of resource ``name``."""
        props = self.resolve(self._existing(name).get("Properties", {}))
        assert isinstance(props, dict)
        return props

    def resources_of(self, kind: str) -> list[str]:
        """The resources of type ``kind`` created with these parameters."""
        return [
            n for n, r in self.template["Resources"].items() if r["Type"] == kind and self.exists(n)
        ]

    def only(self, kind: str) -> dict[str, Any]:
        """The resolved properties of the one resource of type ``kind``."""
        names = self.resources_of(kind)
        assert len(names) == 1, f"expected one {kind}, found {names}"
        return self.resource(names[0])

    def outputs(self) -> dict[str, str]:
        """The stack's outputs: those whose condition is false are not there at all."""
        return {
            key: str(self.resolve(spec["Value"]))
            for key, spec in self.template["Outputs"].items()
            if "Condition" not in spec or self.condition(spec["Condition"])
        }

    def describe_stacks(self, status: str = "CREATE_COMPLETE") -> dict[str, Any]:
        """What ``aws cloudformation describe-stacks --stack-name NAME`` would print."""
        return {
            "Stacks": [
                {
                    "StackId": (
                        f"arn:aws:cloudformation:{self.region}:{self.account}:stack/"
                        f"{self.stack_name}/0f4e3c2a-1b2c-11f0-9a3b-0a1b2c3d4e5f"
                    ),
                    "StackName": self.stack_name,
                    "Parameters": [
                        {"ParameterKey": k, "ParameterValue": str(v)}
                        for k, v in self.parameters.items()
                    ],
                    "CreationTime": "2026-01-05T10:00:00.000000+00:00",
                    "StackStatus": status,
                    "DisableRollback": False,
                    "Outputs": [
                        {
                            "OutputKey": key,
                            "OutputValue": value,
                            "Description": self.template["Outputs"][key].get("Description", ""),
                        }
                        for key, value in self.outputs().items()
                    ],
                    "Capabilities": ["CAPABILITY_IAM"],
                }
            ]
        }
