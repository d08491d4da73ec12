"""Rate limits: the limiter on its own (memory, Redis, off, Redis down), then
as members meet it on the forms, the API and the socket, and across two
`forum serve` processes sharing Redis.

Tests that need Redis (FORUM_TEST_REDIS_URL, default redis://127.0.0.1:6379/0)
are skipped when it cannot be reached, except under CI=true (or
FORUM_REQUIRE_SERVICES=1), where they fail. Each names its keys with a secret
key of its own and deletes them afterwards.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import timedelta
from email.message import Message
from pathlib import Path

import pytest
from limits.storage import MemoryStorage
from redis import Redis
from sqlalchemy import update
from starlette.testclient import TestClient

from forum import ratelimit
from forum.accounts.models import User
from forum.accounts.services import create_api_token
from forum.accounts.services import register as register_user
from forum.app import create_app
from forum.boards.services import create_thread
from forum.db import Database, utcnow
from forum.errors import RateLimited
from forum.ratelimit import Limit, LimitsRateLimiter, NullRateLimiter, make_rate_limiter, redis_key_prefix
from forum.settings import Settings
from tests.conftest import PASSWORD, form_post, make_settings, register
from tests.live.test_hubs import REDIS_URL, require
from tests.live.test_processes import forum_serve

SECONDS = r"\d+ seconds?"
QUICKLY = re.compile(rf"You are posting quickly; try again in {SECONDS}\.")
NEW_ACCOUNT = re.compile(rf"New accounts post a little slower on their first day; try again in {SECONDS}\.")


def settings_for(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "secret_key": "rate-limit-test-" + secrets.token_hex(16),
        "instance_dir": tmp_path / "instance",
        "rate_limits": True,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def memory_limiter() -> LimitsRateLimiter:
    return LimitsRateLimiter(MemoryStorage(wrap_exceptions=True))


def refusal(limiter: ratelimit.RateLimiter, *checks: ratelimit.Check) -> RateLimited:
    with pytest.raises(RateLimited) as caught:
        limiter.hit(*checks)
    return caught.value


THREE_A_MINUTE = Limit("test-three", "3/minute", "Slow down; try again in {wait}.")


# The limiter on its own


def test_a_fourth_attempt_in_a_minute_is_refused_with_how_long_to_wait():
    limiter = memory_limiter()
    for _ in range(3):
        limiter.hit((THREE_A_MINUTE, "user:1"))
    refused = refusal(limiter, (THREE_A_MINUTE, "user:1"))
    assert refused.status_code == 429 and refused.code == "rate_limited"
    assert 55 <= refused.retry_after <= 60
    assert refused.message == f"Slow down; try again in {refused.retry_after} seconds."
    limiter.hit((THREE_A_MINUTE, "user:2"))  # someone else is not held up


def test_the_window_moves_so_an_attempt_is_allowed_again_once_the_oldest_leaves_it():
    limiter = memory_limiter()
    twice_a_second = Limit("test-second", "2/second", "Wait {wait}.")
    limiter.hit((twice_a_second, "k"))
    limiter.hit((twice_a_second, "k"))
    assert refusal(limiter, (twice_a_second, "k")).retry_after == 1
    time.sleep(1.05)
    limiter.hit((twice_a_second, "k"))


def test_an_attempt_refused_by_one_limit_is_not_counted_against_the_others():
    limiter = memory_limiter()
    once = Limit("test-once", "1/minute", "Once; try again in {wait}.")
    limiter.hit((once, "ip:a"))
    for _ in range(5):
        refusal(limiter, (THREE_A_MINUTE, "user:1"), (once, "ip:a"))
    for _ in range(3):
        limiter.hit((THREE_A_MINUTE, "user:1"))


def test_waits_read_as_seconds_minutes_or_hours():
    assert ratelimit.describe_wait(1) == "1 second"
    assert ratelimit.describe_wait(40) == "40 seconds"
    assert ratelimit.describe_wait(150) == "3 minutes"
    assert ratelimit.describe_wait(86400) == "24 hours"


def test_a_member_may_flag_twenty_times_a_day():
    limiter = memory_limiter()
    member = User(id=5, email="f@example.org", name="f", name_key="f", password_hash="x")
    for _ in range(20):
        ratelimit.hit_flag(limiter, member, "10.0.0.1")
    refused = refusal(limiter, (ratelimit.FLAG, "user:5"))
    assert refused.message == "You have flagged a lot today; try again in 24 hours."
    with pytest.raises(RateLimited, match="flagged a lot today"):
        ratelimit.hit_flag(limiter, member, "10.0.0.2")
    other = User(id=6, email="g@example.org", name="g", name_key="g", password_hash="x")
    ratelimit.hit_flag(limiter, other, "10.0.0.1")


def test_accounts_under_a_day_old_are_new_unless_the_operator_made_them():
    member = User(id=1, email="n@example.org", name="n", name_key="n", password_hash="x", created_at=utcnow())
    assert ratelimit.is_new_account(member)
    assert not ratelimit.is_new_account(member, now=utcnow() + timedelta(days=1, seconds=1))
    member.trusted = True
    assert not ratelimit.is_new_account(member)


def test_with_rate_limits_off_nothing_is_ever_refused(tmp_path):
    limiter = make_rate_limiter(settings_for(tmp_path, rate_limits=False))
    assert isinstance(limiter, NullRateLimiter)
    for _ in range(10):
        limiter.hit((THREE_A_MINUTE, "user:1"))


def test_an_unreachable_redis_lets_attempts_through_and_warns_once(tmp_path, caplog):
    limiter = make_rate_limiter(settings_for(tmp_path, broadcast_url="redis://127.0.0.1:1/0"))
    with caplog.at_level(logging.WARNING, logger="forum.ratelimit"):
        for _ in range(5):
            limiter.hit((THREE_A_MINUTE, "user:1"))
    warnings = [r for r in caplog.records if r.name == "forum.ratelimit"]
    assert len(warnings) == 1
    assert "rate limits are not enforced" in warnings[0].getMessage()
    limiter.close()


@pytest.fixture
def redis_secrets() -> Iterator[Callable[[], str]]:
    """Secret keys of this test's own, so its Redis keys are too; deleted afterwards."""
    require("redis")
    made: list[str] = []

    def make() -> str:
        made.append("rate-limit-test-" + secrets.token_hex(16))
        return made[-1]

    yield make
    client = Redis.from_url(REDIS_URL)
    try:
        for secret in made:
            keys = list(client.scan_iter(match=redis_key_prefix(secret) + ":*"))
            if keys:
                client.delete(*keys)
    finally:
        client.close()


def test_two_limiters_on_one_redis_count_the_same_attempts(tmp_path, redis_secrets):
    secret = redis_secrets()
    one, two = (make_rate_limiter(settings_for(tmp_path, broadcast_url=REDIS_URL, secret_key=secret)) for _ in range(2))
    other_forum = make_rate_limiter(settings_for(tmp_path, broadcast_url=REDIS_URL, secret_key=redis_secrets()))
    try:
        for _ in range(2):
            one.hit((THREE_A_MINUTE, "user:1"))
        two.hit((THREE_A_MINUTE, "user:1"))
        assert 55 <= refusal(one, (THREE_A_MINUTE, "user:1")).retry_after <= 60
        refusal(two, (THREE_A_MINUTE, "user:1"))
        other_forum.hit((THREE_A_MINUTE, "user:1"))  # user 1 of another forum on the same Redis
    finally:
        for limiter in (one, two, other_forum):
            limiter.close()


# As members meet them


@pytest.fixture
def limited(database_url, db, tmp_path):  # type: ignore[no-untyped-def]
    return create_app(make_settings(database_url, tmp_path, rate_limits=True), database=db)


def browser(app, address: str = "10.0.0.1") -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(app, raise_server_exceptions=False, client=(address, 50000))


def a_thread(db: Database) -> int:
    with db.write() as session:
        author = register_user(session, email="op@example.org", name="op", password=PASSWORD, trusted=True)
        return create_thread(session, author=author, board_slug="arm", title="Rounds", body="x").id  # type: ignore[return-value]


def member_token(db: Database, name: str, *, days_old: int = 0, trusted: bool = False) -> str:
    with db.write() as session:
        user = register_user(session, email=f"{name}@example.org", name=name, password=PASSWORD, trusted=trusted)
        if days_old:
            session.execute(update(User).where(User.id == user.id).values(created_at=utcnow() - timedelta(days=days_old)))
        return create_api_token(session, user=user)


def api_comment(client: TestClient, token: str, thread_id: int, body: str = "A thought"):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/threads/{thread_id}/comments", json={"body": body}, headers={"Authorization": f"Bearer {token}"}
    )


def error_of(html: str) -> str:
    match = re.search(r'<p class="error" role="alert"[^>]*>(.*?)</p>', html, re.S)
    assert match, "the page shows no error"
    return match.group(1)


def test_a_new_account_posting_a_fourth_comment_in_a_minute_sees_how_long_to_wait_beside_its_draft(limited, db):
    thread_id = a_thread(db)
    with browser(limited) as member:
        register(member, "newcomer")
        for n in range(3):
            response = form_post(member, f"/t/{thread_id}", f"/t/{thread_id}/comments", {"body": f"Point {n}"})
            assert response.status_code == 303
        response = form_post(member, f"/t/{thread_id}", f"/t/{thread_id}/comments", {"body": "One more point"})
    assert response.status_code == 429
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert NEW_ACCOUNT.fullmatch(error_of(response.text))
    assert "One more point" in response.text  # the draft is kept


@pytest.mark.parametrize("account", ["a day old", "made by the operator"])
def test_an_established_account_posts_ten_comments_a_minute(limited, db, account):
    thread_id = a_thread(db)
    token = member_token(db, "regular", days_old=2) if account == "a day old" else member_token(db, "regular", trusted=True)
    with browser(limited) as client:
        for n in range(10):
            assert api_comment(client, token, thread_id, f"Point {n}").status_code == 201
        response = api_comment(client, token, thread_id)
    assert response.status_code == 429
    assert 1 <= int(response.headers["retry-after"]) <= 60
    error = response.json()["error"]
    assert error["code"] == "rate_limited" and QUICKLY.fullmatch(error["message"])


def test_the_api_answers_429_with_retry_after_and_the_error_object(limited, db):
    thread_id = a_thread(db)
    token = member_token(db, "quick")
    with browser(limited) as client:
        for _ in range(3):
            assert api_comment(client, token, thread_id).status_code == 201
        response = api_comment(client, token, thread_id)
    assert response.status_code == 429
    assert response.headers["content-type"].startswith("application/json")
    retry_after = int(response.headers["retry-after"])
    assert response.json() == {
        "error": {
            "code": "rate_limited",
            "message": f"New accounts post a little slower on their first day; try again in {retry_after} seconds.",
        }
    }


def test_starting_threads_counts_as_posting_and_a_sixth_thread_in_ten_minutes_waits(limited, db):
    token = member_token(db, "starter", trusted=True)
    with browser(limited) as client:
        for n in range(5):
            response = client.post(
                "/api/v1/threads", json={"board": "arm", "title": f"Topic {n}", "body": "x"}, headers={"Authorization": f"Bearer {token}"}
            )
            assert response.status_code == 201
        response = client.post(
            "/api/v1/threads", json={"board": "arm", "title": "Topic 6", "body": "x"}, headers={"Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 429
    assert 500 <= int(response.headers["retry-after"]) <= 600
    assert re.fullmatch(r"You are starting threads quickly; try again in 10 minutes\.", response.json()["error"]["message"])


def test_posts_from_one_address_are_limited_across_accounts(limited, db, monkeypatch):
    monkeypatch.setattr(ratelimit, "POST_FROM_ADDRESS", Limit("post-address", "4/minute", ratelimit.POST_FROM_ADDRESS.message))
    thread_id = a_thread(db)
    ana, bo, cy = (member_token(db, name, trusted=True) for name in ("ana", "bo", "cy"))
    with browser(limited, "10.1.1.1") as hospital, browser(limited, "10.2.2.2") as elsewhere:
        for _ in range(2):
            assert api_comment(hospital, ana, thread_id).status_code == 201
            assert api_comment(hospital, bo, thread_id).status_code == 201
        response = api_comment(hospital, cy, thread_id)
        assert api_comment(elsewhere, cy, thread_id).status_code == 201
    assert response.status_code == 429
    assert re.fullmatch(rf"Many posts are coming from your network; try again in {SECONDS}\.", response.json()["error"]["message"])


def test_login_attempts_on_one_account_are_limited_whichever_address_they_come_from(limited, db):
    with db.write() as session:
        register_user(session, email="ana@example.org", name="ana", password=PASSWORD)
        register_user(session, email="bo@example.org", name="bo", password=PASSWORD)
    wrong = {"email": "ana@example.org", "password": "guess guess guess"}
    with browser(limited, "10.0.0.1") as first, browser(limited, "10.0.0.2") as second, browser(limited, "10.0.0.3") as third:
        for client in (first, second, first, second, first):
            assert form_post(client, "/login", "/login", wrong).status_code == 400
        response = form_post(second, "/login", "/login", {"email": "ana@example.org", "password": PASSWORD})
        assert form_post(third, "/login", "/login", {"email": "bo@example.org", "password": PASSWORD}).status_code == 303
    assert response.status_code == 429
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert re.fullmatch(rf"Too many login attempts for this account; try again in {SECONDS}\.", error_of(response.text))


def test_login_attempts_from_one_address_are_limited_across_accounts(limited, db, monkeypatch):
    monkeypatch.setattr(ratelimit, "LOGIN_FROM_ADDRESS", Limit("login-address", "3/minute", ratelimit.LOGIN_FROM_ADDRESS.message))
    with browser(limited, "10.0.0.9") as client:
        for name in ("a", "b", "c"):
            form_post(client, "/login", "/login", {"email": f"{name}@example.org", "password": "guess guess guess"})
        response = form_post(client, "/login", "/login", {"email": "d@example.org", "password": "guess guess guess"})
    assert response.status_code == 429
    assert re.fullmatch(rf"Too many login attempts from here; try again in {SECONDS}\.", error_of(response.text))


def test_a_comment_over_the_limit_on_the_socket_gets_an_error_frame_saying_when_to_retry(limited, db):
    thread_id = a_thread(db)
    with browser(limited) as member:
        register(member, "live")
        with member.websocket_connect(f"/ws/threads/{thread_id}") as ws:
            answers = []
            for n in range(4):
                ws.send_text(json.dumps({"type": "comment", "body": f"Live point {n}"}))
                while True:
                    frame = json.loads(ws.receive_text())
                    if frame["type"] in {"posted", "error"}:
                        answers.append(frame)
                        break
    assert [a["type"] for a in answers] == ["posted", "posted", "posted", "error"]
    error = answers[-1]
    assert error["code"] == "rate_limited" and 1 <= error["retry_after"] <= 60
    assert error["message"] == (
        f"New accounts post a little slower on their first day; try again in {error['retry_after']} seconds."
    )


# Across processes


def test_a_limit_reached_through_one_process_is_enforced_by_the_other(
    postgres_url: str, tmp_path: Path, redis_secrets: Callable[[], str]
):
    db = Database(postgres_url)
    try:
        with db.write() as session:
            host = register_user(session, email="twoproc-host@example.org", name="twoprochost", password=PASSWORD, trusted=True)
            thread = create_thread(session, author=host, board_slug="rally", title="Limits across processes", body="x")
            user = register_user(session, email="twoproc-limit@example.org", name="twoproclimit", password=PASSWORD)
            token = create_api_token(session, user=user)
    finally:
        db.dispose()
    limits_on = {"FORUM_RATE_LIMITS": "on", "FORUM_SECRET_KEY": redis_secrets()}
    with forum_serve(postgres_url, REDIS_URL, tmp_path, "a", **limits_on) as a, \
            forum_serve(postgres_url, REDIS_URL, tmp_path, "b", **limits_on) as b:

        def post(base: str) -> tuple[int, Message, dict]:
            request = urllib.request.Request(
                f"{base}/api/v1/threads/{thread.id}/comments",
                data=json.dumps({"body": "across processes"}).encode(),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                method="POST",
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    return response.status, response.headers, json.loads(response.read())
            except urllib.error.HTTPError as exc:
                return exc.code, exc.headers, json.loads(exc.read())

        # Published, or held for a moderator (a new account's first post may be): counted either way.
        assert all(post(a)[0] in {201, 202} for _ in range(3))
        status, headers, body = post(b)
    assert status == 429
    assert 1 <= int(headers["Retry-After"]) <= 60
    assert body["error"]["code"] == "rate_limited"
    assert NEW_ACCOUNT.fullmatch(body["error"]["message"])
