from datetime import UTC, datetime, timedelta

import pytest

from quizapp.core.devices import describe_device
from quizapp.core.tokens import TokenProblem, fingerprint, make_token, read_token

SECRET = "a secret of the site"


def now() -> datetime:
    return datetime.now(UTC)


def test_a_token_carries_its_payload_for_its_purpose_only():
    token = make_token(SECRET, "password-reset", {"u": 7})
    assert read_token(SECRET, "password-reset", token, now=now(), max_age=None) == {"u": 7}
    with pytest.raises(TokenProblem, match="invalid"):
        read_token(SECRET, "verify-email", token, now=now(), max_age=None)
    with pytest.raises(TokenProblem, match="invalid"):
        read_token("another site's secret", "password-reset", token, now=now(), max_age=None)
    with pytest.raises(TokenProblem, match="invalid"):
        read_token(SECRET, "password-reset", token[:-2], now=now(), max_age=None)


def test_a_token_expires_by_the_clock_it_is_given():
    token = make_token(SECRET, "password-reset", {"u": 7})
    hour = timedelta(hours=1)
    assert read_token(SECRET, "password-reset", token, now=now() + hour / 2, max_age=hour)
    with pytest.raises(TokenProblem, match="expired"):
        read_token(SECRET, "password-reset", token, now=now() + 2 * hour, max_age=hour)


def test_a_payload_that_is_not_an_object_is_refused():
    token = make_token(SECRET, "unsubscribe", [1, "reviews"])
    with pytest.raises(TokenProblem):
        read_token(SECRET, "unsubscribe", token, now=now(), max_age=None)


def test_fingerprints_differ_with_the_value():
    assert fingerprint("hash one") != fingerprint("hash two")
    assert fingerprint("hash one") == fingerprint("hash one")


@pytest.mark.parametrize(
    ("agent", "name"),
    [
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Mobile Safari/537.36",
            "Chrome on Android",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari on iPhone",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko Firefox/127.0",
            "Firefox on macOS",
        ),
        ("curl/8.5.0", "curl"),
        ("", "Unknown browser"),
        ("\u202eevil\x00 Linux", "A browser on Linux"),
    ],
)
def test_devices_are_named_as_people_know_them(agent, name):
    assert describe_device(agent) == name
