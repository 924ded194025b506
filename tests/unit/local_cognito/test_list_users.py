"""local_cognito.list_users: the username index behind moto's ``pool.users``, ListUsers'
pages, filters and tokens, and what a page costs (users looked at, not time)."""

from __future__ import annotations

from typing import Any

import pytest
from moto.cognitoidp import exceptions as moto_errors
from moto.cognitoidp import models as moto_models

from local_cognito import list_users, seed
from local_cognito import pool as pool_mod


def user(name: str, email: str | None = None, **attributes: str) -> Any:
    attrs = [{"Name": "email", "Value": email or f"{name}@example.test"}]
    attrs += [{"Name": k, "Value": v} for k, v in attributes.items()]
    return moto_models.CognitoIdpUser("pool", name, "pw", moto_models.UserStatus.CONFIRMED, attrs)


def index_of(*names: str) -> list_users.UserIndex:
    return list_users.UserIndex({name: user(name) for name in names})


def names_of(users: list[Any]) -> list[str]:
    return [u.username for u in users]


def every_page(
    index: list_users.UserIndex, limit: int = 60, filter_text: str | None = None
) -> list[list[str]]:
    pages: list[list[str]] = []
    token: str | None = None
    while True:
        found, token = list_users.page(index, limit=limit, token=token, filter_text=filter_text)
        pages.append(names_of(found))
        if token is None:
            return pages


# -- the index ----------------------------------------------------------------------------


def test_the_index_follows_every_way_the_dict_changes() -> None:
    index = index_of("mia", "bob")
    index["zoe"] = user("zoe")
    index.setdefault("al", user("al"))
    index.update({"cy": user("cy")})
    index |= {"dan": user("dan")}
    assert index.names() == ["al", "bob", "cy", "dan", "mia", "zoe"]
    del index["bob"]
    assert index.pop("cy").username == "cy"
    assert index.pop("nobody", None) is None
    with pytest.raises(KeyError):
        index.pop("nobody")
    gone, _ = index.popitem()
    assert gone not in index.names()
    assert index.names() == sorted(index)
    index.clear()
    assert index.names() == [] and dict(index) == {}


def test_the_index_maps_each_sub_to_its_username_and_forgets_it() -> None:
    index = index_of("alice")
    alice = index["alice"]
    assert index.username_of_sub(alice.id) == "alice"
    replacement = user("alice")
    index["alice"] = replacement  # a new user object under the same name
    assert index.username_of_sub(alice.id) is None
    assert index.username_of_sub(replacement.id) == "alice"
    del index["alice"]
    assert index.username_of_sub(replacement.id) is None


def test_a_stand_in_pool_keeps_its_users_in_the_index(pool: pool_mod.LocalPool) -> None:
    assert isinstance(pool.pool.users, list_users.UserIndex)
    seed.seed_demo(pool)  # the seed writes the dict directly
    pool.backend.admin_create_user(pool.id, "carol", "SUPPRESS", None, [])  # moto's path
    pool.accounts.sign_up("bea", "Bea-Passw0rd!", {"email": "bea@example.com"})  # lifecycle
    pool.backend.admin_delete_user(pool.id, "dora")
    assert pool.pool.users.names() == ["admin", "alice", "bea", "carol", "newbie", "tom"]


# -- Limit, Filter and the token -----------------------------------------------------------


@pytest.mark.parametrize(("limit", "expected"), [(None, 60), (1, 1), (60, 60)])
def test_limit_is_1_to_60_and_60_by_default(limit: int | None, expected: int) -> None:
    assert list_users.check_limit(limit) == expected


@pytest.mark.parametrize(
    ("limit", "words"),
    [(61, "'61' at 'limit'.*less than or equal to 60"), (0, "'0' at 'limit'.*greater than")],
)
def test_a_limit_out_of_range_is_refused_naming_the_bound(limit: int, words: str) -> None:
    with pytest.raises(moto_errors.InvalidParameterException, match=words):
        list_users.check_limit(limit)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('username = "ann"', ("username", "=", "ann")),
        ('email ^= "a"', ("email", "^=", "a")),
        ('name="Ann \\"Annie\\" Lee"', ("name", "=", 'Ann "Annie" Lee')),
        ('family_name ^= "back\\\\slash"', ("family_name", "^=", "back\\slash")),
        ('cognito:user_status = "CONFIRMED"', ("cognito:user_status", "=", "CONFIRMED")),
        ("", None),
        (None, None),
    ],
)
def test_a_filter_is_one_attribute_an_operator_and_a_quoted_value(
    text: str | None, expected: tuple[str, str, str] | None
) -> None:
    assert list_users.parse_filter(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("email = ann", "Error while parsing filter"),
        ('email ~= "ann"', "Error while parsing filter"),
        ('custom:plan = "pro"', "Invalid search attribute: custom:plan"),
        ('address = "x"', "Invalid search attribute: address"),
    ],
)
def test_a_filter_cognito_would_not_take_is_refused(text: str, message: str) -> None:
    with pytest.raises(moto_errors.InvalidParameterException, match=message):
        list_users.parse_filter(text)


def test_a_token_is_refused_if_garbled_or_from_another_filter() -> None:
    index = index_of(*(f"u{i:02d}" for i in range(5)))
    _, token = list_users.page(index, limit=2, filter_text='username ^= "u"')
    assert token is not None
    with pytest.raises(moto_errors.InvalidParameterException, match="not belong to this"):
        list_users.page(index, limit=2, token=token, filter_text='username ^= "u0"')
    for garbled in ("not-a-token", "e30", token[:-3]):
        with pytest.raises(moto_errors.InvalidParameterException):
            list_users.page(index, limit=2, token=garbled)


# -- pages ---------------------------------------------------------------------------------


def test_pages_are_in_username_order_and_a_token_only_when_more_follow() -> None:
    index = index_of("carol", "alice", "bob", "dave", "erin")
    assert every_page(index, limit=2) == [["alice", "bob"], ["carol", "dave"], ["erin"]]
    assert every_page(index, limit=5) == [["alice", "bob", "carol", "dave", "erin"]]
    assert every_page(list_users.UserIndex(), limit=5) == [[]]


def test_paging_is_stable_while_users_come_and_go_between_pages() -> None:
    index = index_of(*(f"user{i:03d}" for i in range(0, 200, 2)))  # even numbers
    seen: list[str] = []
    token: str | None = None
    created_ahead: set[str] = set()
    deleted: set[str] = set()
    while True:
        found, token = list_users.page(index, limit=7, token=token)
        seen += names_of(found)
        if token is None:
            break
        last = int(seen[-1][4:])
        # Between pages: a user behind the position, one ahead, and the last one listed
        # and the next one deleted.
        index[f"user{last - 1:03d}"] = user(f"user{last - 1:03d}")
        ahead = f"user{last + 3:03d}"
        if ahead not in index:
            index[ahead] = user(ahead)
            created_ahead.add(ahead)
        del index[seen[-1]]
        following = f"user{last + 2:03d}"
        if following in index:
            del index[following]
            deleted.add(following)
    assert len(seen) == len(set(seen)), "nobody is listed twice"
    assert not deleted & set(seen), "a user deleted before its page is not listed"
    assert created_ahead <= set(seen), "a user created ahead of the position is listed"
    assert seen == sorted(seen)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('username = "bob"', ["bob"]),
        ('username = "bo"', []),
        ('username ^= "b"', ["ben", "bob"]),
        ('username ^= "B"', []),  # case-sensitive, as documented
        ('email ^= "shared@"', ["ann", "bob"]),
        ('email = "ben@example.test"', ["ben"]),
        ('status = "disabled"', ["ben"]),  # case-insensitive, as documented
        ('cognito:user_status = "UNCONFIRMED"', ["cy"]),
        ('cognito:user_status = "unconfirmed"', []),
        ('given_name ^= "Jo"', ["cy"]),
    ],
)
def test_filters_match_as_cognito_documents(text: str, expected: list[str]) -> None:
    index = list_users.UserIndex(
        {
            "ann": user("ann", "shared@a.test"),
            "bob": user("bob", "shared@b.test"),
            "ben": user("ben"),
            "cy": user("cy", given_name="Jo"),
        }
    )
    index["ben"].enabled = False
    index["cy"].status = moto_models.UserStatus.UNCONFIRMED
    assert [name for page in every_page(index, 1, text) for name in page] == expected


def test_a_sub_filter_finds_the_one_user() -> None:
    index = index_of("ann", "bob")
    found, token = list_users.page(index, filter_text=f'sub = "{index["bob"].id}"')
    assert names_of(found) == ["bob"] and token is None
    assert list_users.page(index, filter_text='sub = "nobody"') == ([], None)


def test_attributes_to_get_trims_the_attributes() -> None:
    index = index_of("ann")
    body = list_users.answer(
        index, limit=None, token=None, filter_text=None, attributes_to_get=["email"]
    )
    [ann] = body["Users"]
    assert [a["Name"] for a in ann["Attributes"]] == ["email"]
    assert ann["Username"] == "ann" and "PaginationToken" not in body


# -- what a page costs: users looked at, at 1,000 and at 50,000 ----------------------------


def synthetic(count: int) -> list_users.UserIndex:
    return list_users.UserIndex(
        (f"user{i:06d}", user(f"user{i:06d}", given_name="Al" if i % 2 else "Bo"))
        for i in range(count)
    )


@pytest.fixture(scope="module")
def small_and_large() -> tuple[list_users.UserIndex, list_users.UserIndex]:
    return synthetic(1_000), synthetic(50_000)


def touched(index: list_users.UserIndex, **kwargs: Any) -> tuple[int, str | None]:
    index.touched = 0
    _, token = list_users.page(index, **kwargs)
    return index.touched, token


@pytest.mark.parametrize(
    "filter_text",
    [None, 'username ^= "user0"', 'given_name = "Al"', 'email ^= "user"'],
)
def test_a_first_page_looks_at_the_same_users_at_1000_and_at_50000(
    small_and_large: tuple[list_users.UserIndex, list_users.UserIndex], filter_text: str | None
) -> None:
    small, large = small_and_large
    small_cost, _ = touched(small, filter_text=filter_text)
    large_cost, _ = touched(large, filter_text=filter_text)
    assert small_cost == large_cost <= 2 * 60 + 2  # the page, its lookahead, the misses
    # Deep in the pool too: a page after a token costs what the first did.
    _, token = touched(large, filter_text=filter_text)
    for _ in range(100):
        _, token = touched(large, filter_text=filter_text, token=token)
    later_cost, _ = touched(large, filter_text=filter_text, token=token)
    assert later_cost == large_cost


def test_a_full_pass_looks_at_each_user_about_once_per_page_at_any_size(
    small_and_large: tuple[list_users.UserIndex, list_users.UserIndex],
) -> None:
    for index in small_and_large:
        index.touched = 0
        pages = every_page(index)
        assert sum(len(p) for p in pages) == len(index)
        per_user = index.touched / len(index)
        assert per_user <= 1 + 1 / 60 + 1e-9  # each user once, plus one lookahead a page


def test_an_exact_username_looks_at_one_user_however_big_the_pool(
    small_and_large: tuple[list_users.UserIndex, list_users.UserIndex],
) -> None:
    for index in small_and_large:
        assert touched(index, filter_text='username = "user000999"') == (1, None)
