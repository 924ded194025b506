"""local_cognito.outbox: the emails Cognito would send, kept in order, secrets out of reprs."""

from __future__ import annotations

from local_cognito import outbox
from tests.support import clock, concurrency

INVITATION = {
    "kind": "invitation",
    "subject": "Your temporary password",
    "temporary_password": "Temp-1234!",
}


def invite(box: outbox.Outbox, username: str, to: str) -> outbox.Message:
    body = f"Your username is {username} and temporary password is Temp-1234!."
    return box.send(**INVITATION, to=to, username=username, body=body)


def test_a_sent_message_is_numbered_and_stamped_by_the_clock() -> None:
    box = outbox.Outbox(clock.FakeClock(start=86_400.0))
    first = invite(box, "carol", "carol@example.com")
    reset = {"kind": "password_reset", "subject": "Your code", "body": "Your code is 123456."}
    second = box.send(**reset, to="dave@example.com", username="dave", code="123456")
    assert (first.id, second.id) == (1, 2)
    assert first.sent_at == "1970-01-02T00:00:00+00:00"
    assert (first.temporary_password, first.code) == ("Temp-1234!", None)
    assert (second.kind, second.code) == ("password_reset", "123456")


def test_messages_filter_by_address_or_user_newest_last() -> None:
    box = outbox.Outbox()
    invite(box, "carol", "carol@example.com")
    invite(box, "dave", "dave@example.com")
    invite(box, "carol", "carol@example.org")
    assert [m.id for m in box.messages()] == [1, 2, 3]
    assert [m.id for m in box.messages(username="carol")] == [1, 3]
    assert [m.id for m in box.messages(to="carol@example.org")] == [3]
    assert box.messages(to="carol@example.com", username="dave") == []


def test_the_repr_never_shows_the_password_or_code() -> None:
    message = invite(outbox.Outbox(), "carol", "carol@example.com")
    assert repr(message) == "Message(id=1, kind='invitation', username='carol')"
    assert "Temp-1234!" not in repr(message) and "Temp-1234!" not in repr([message])


def test_as_json_is_every_field_as_plain_data() -> None:
    box = outbox.Outbox(clock.FakeClock(start=0.0))
    invite(box, "carol", "carol@example.com")
    assert box.as_json() == [
        {
            "id": 1,
            "kind": "invitation",
            "to": "carol@example.com",
            "username": "carol",
            "subject": "Your temporary password",
            "body": "Your username is carol and temporary password is Temp-1234!.",
            "sent_at": "1970-01-01T00:00:00+00:00",
            "temporary_password": "Temp-1234!",
            "code": None,
        }
    ]


def test_senders_on_many_threads_get_distinct_ids() -> None:
    box = outbox.Outbox()
    sent, failures = concurrency.at_once(lambda: invite(box, "carol", "c@example.com"), 40)
    assert failures == []
    assert sorted(m.id for m in sent) == list(range(1, 41))
    assert len(box.messages()) == 40
