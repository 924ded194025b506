"""ListUsers over boto3 against the stand-in's index (local_cognito/list_users.py): pages,
their stability while users are created and deleted, Limit and Filter as Cognito takes them."""

from __future__ import annotations

from typing import Any

import botocore.exceptions
import pytest

from local_cognito import seed, server

pytestmark = pytest.mark.integration


def page(idp: Any, stand_in: server.LocalCognito, **kwargs: Any) -> dict[str, Any]:
    return dict(idp.list_users(UserPoolId=stand_in.pool.id, **kwargs))


def code_of(caught: pytest.ExceptionInfo[botocore.exceptions.ClientError]) -> str:
    return str(caught.value.response["Error"]["Code"])


def test_a_pass_lists_everyone_once_while_users_are_created_and_deleted(
    idp: Any, stand_in: server.LocalCognito
) -> None:
    seed.seed_synthetic(stand_in.pool, 90)
    before = set(stand_in.pool.pool.users)
    listed: list[str] = []
    created: list[str] = []
    deleted: set[str] = set()
    kwargs: dict[str, Any] = {"Limit": 25}
    for round_ in range(100):
        answer = page(idp, stand_in, **kwargs)
        listed += [u["Username"] for u in answer["Users"]]
        if "PaginationToken" not in answer:
            break
        kwargs["PaginationToken"] = answer["PaginationToken"]
        # Between pages, as another admin would: someone invited, someone deleted (the
        # last one listed, which moto's own token would have pointed at).
        name = f"zz-new-{round_:03d}"
        idp.admin_create_user(UserPoolId=stand_in.pool.id, Username=name, MessageAction="SUPPRESS")
        created.append(name)
        idp.admin_delete_user(UserPoolId=stand_in.pool.id, Username=listed[-1])
        deleted.add(listed[-1])
    assert len(listed) == len(set(listed))
    assert before <= set(listed)  # everyone there from the start was listed
    assert set(created) <= set(listed)  # created ahead of the position: listed too
    assert listed == sorted(listed)  # username order
    assert not deleted & set(stand_in.pool.pool.users)


def test_limit_is_at_most_60(idp: Any, stand_in: server.LocalCognito) -> None:
    seed.seed_synthetic(stand_in.pool, 70)
    assert len(page(idp, stand_in)["Users"]) == 60  # the default
    assert len(page(idp, stand_in, Limit=60)["Users"]) == 60
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        page(idp, stand_in, Limit=61)
    assert code_of(caught) == "InvalidParameterException"
    assert "less than or equal to 60" in str(caught.value)


def test_filters_and_attributes_to_get(idp: Any, stand_in: server.LocalCognito) -> None:
    seed.seed_synthetic(stand_in.pool, 30)
    prefix = page(idp, stand_in, Filter='username ^= "user0001"', Limit=5)
    assert [u["Username"] for u in prefix["Users"]] == [f"user{i:05d}" for i in range(10, 15)]
    rest = page(
        idp, stand_in, Filter='username ^= "user0001"', PaginationToken=prefix["PaginationToken"]
    )
    assert [u["Username"] for u in rest["Users"]] == [f"user{i:05d}" for i in range(15, 20)]
    assert "PaginationToken" not in rest
    disabled = page(idp, stand_in, Filter='status = "Disabled"')
    assert [u["Username"] for u in disabled["Users"]] == ["dora"]
    emails = page(idp, stand_in, Filter='email = "alice@example.com"', AttributesToGet=["email"])
    [alice] = emails["Users"]
    assert alice["Attributes"] == [{"Name": "email", "Value": "alice@example.com"}]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        page(idp, stand_in, Filter='custom:plan = "pro"')
    assert code_of(caught) == "InvalidParameterException"
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        page(idp, stand_in, Filter='email ^= "a"', PaginationToken=prefix["PaginationToken"])
    assert code_of(caught) == "InvalidParameterException"  # another filter's token
