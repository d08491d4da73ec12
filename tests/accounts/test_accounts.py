"""Registering, logging in and out through the HTML forms, the session cookie,
password storage, rate limits, CSRF, safe redirects and profiles."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from forum.accounts.auth import COOKIE
from forum.accounts.models import User, UserSession
from forum.accounts.services import register as register_user
from forum.app import create_app
from forum.boards.services import create_thread
from tests.conftest import PASSWORD, csrf_of, form_post, log_in, make_settings, register

LOGIN_ERROR = "That email and password do not match an account."


def login(client: TestClient, email: str = "ana@example.org", password: str = PASSWORD, next_url: str | None = None):  # type: ignore[no-untyped-def]
    data = {"email": email, "password": password}
    if next_url is not None:
        data["next"] = next_url
    return form_post(client, "/login", "/login", data)


def logged_in_as(client: TestClient) -> str | None:
    """The name in the page header, as the reader sees it; None when logged out."""
    html = client.get("/").text
    header = html.split('<div class="account">', 1)[1].split("</div>", 1)[0]
    match = re.search(r'<a href="/u/([^"]+)">', header)
    return match.group(1) if match else None


def error_of(html: str) -> str:
    match = re.search(r'<p class="error" role="alert"[^>]*>(.*?)</p>', html, re.S)
    assert match, "the page shows no error"
    return match.group(1)


def set_cookies(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [c for c in response.headers.get_list("set-cookie") if c.startswith(f"{COOKIE}=")]


def user_count(db) -> int:  # type: ignore[no-untyped-def]
    with db.read() as session:
        return session.scalar(select(func.count(User.id)))


def make_user(db, name: str = "ana", password: str = PASSWORD) -> User:  # type: ignore[no-untyped-def]
    with db.write() as session:
        return register_user(session, email=f"{name}@example.org", name=name, password=password, trusted=True)


# Registering


def test_registering_through_the_form_logs_the_new_member_in(client, db):
    assert logged_in_as(client) is None
    response = register(client, "ana")
    assert response.headers["location"] == "/"
    assert logged_in_as(client) == "ana"
    assert user_count(db) == 1


def test_the_session_cookie_is_httponly_and_samesite_lax(client):
    response = register(client, "ana")
    cookies = set_cookies(response)
    assert len(cookies) == 1
    attributes = {part.strip().split("=")[0].lower(): part.strip() for part in cookies[0].split(";")[1:]}
    assert "httponly" in attributes
    assert attributes["samesite"].lower() == "samesite=lax"
    assert attributes["path"] == "Path=/"
    assert "secure" not in attributes  # plain http in tests; see the next test
    response = login(client)
    login_cookie = set_cookies(response)[0].lower()
    assert "httponly" in login_cookie and "samesite=lax" in login_cookie


def test_the_session_cookie_is_secure_when_the_site_is_https(database_url, db, tmp_path):
    app = create_app(make_settings(database_url, tmp_path, base_url="https://testserver"), database=db)
    with TestClient(app, base_url="https://testserver") as browser:
        response = register(browser, "ana")
        cookie = set_cookies(response)[0].lower()
        assert "secure" in [part.strip() for part in cookie.split(";")]
        assert "httponly" in cookie and "samesite=lax" in cookie


def test_passwords_are_stored_as_argon2id_hashes(client, db):
    register(client, "ana")
    with db.read() as session:
        stored = session.scalar(select(User.password_hash).where(User.email == "ana@example.org"))
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_the_production_parameters_are_argon2s_defaults_and_a_weaker_hash_is_redone_at_login(client, db):
    from argon2 import PasswordHasher
    from argon2.profiles import RFC_9106_LOW_MEMORY

    from forum.accounts.passwords import DEFAULT_HASHER, use_hasher

    assert (DEFAULT_HASHER.time_cost, DEFAULT_HASHER.memory_cost, DEFAULT_HASHER.parallelism) == (
        RFC_9106_LOW_MEMORY.time_cost, RFC_9106_LOW_MEMORY.memory_cost, RFC_9106_LOW_MEMORY.parallelism)
    register(client, "ana")  # hashed with the suite's cheap parameters
    client.cookies.clear()
    cheap = use_hasher(DEFAULT_HASHER)
    try:
        log_in(client, "ana@example.org")
    finally:
        use_hasher(cheap)
    with db.read() as session:
        stored = session.scalar(select(User.password_hash).where(User.email == "ana@example.org"))
    assert stored.startswith(f"$argon2id$v=19$m={RFC_9106_LOW_MEMORY.memory_cost},t={RFC_9106_LOW_MEMORY.time_cost},p=")
    assert PasswordHasher().verify(stored, PASSWORD)


def test_a_taken_email_is_refused_with_a_clear_message(client, app, db):
    register(client, "ana")
    with TestClient(app) as other:
        for email in ["ana@example.org", "ANA@Example.ORG", "  ana@example.org "]:
            response = form_post(other, "/register", "/register", {"email": email, "name": "someone", "password": PASSWORD})
            assert response.status_code == 409
            assert error_of(response.text) == "An account with that email already exists; log in instead."
        assert logged_in_as(other) is None
    assert user_count(db) == 1


@pytest.mark.parametrize("name", ["ana", "ANA", "Ana", "aNa"])
def test_a_taken_name_is_refused_whatever_its_case(client, app, db, name):
    register(client, "ana")
    with TestClient(app) as other:
        response = form_post(other, "/register", "/register", {"email": "other@example.org", "name": name, "password": PASSWORD})
        assert response.status_code == 409
        assert error_of(response.text) == "That name is taken; choose another."
        assert 'value="other@example.org"' in response.text
    assert user_count(db) == 1


@pytest.mark.parametrize(
    "password, message",
    [
        ("sh0rt!", "too short"),
        ("nine char", "too short"),
        ("password123", "first an attacker would try"),
        ("Password123", "first an attacker would try"),
        ("aaaaaaaaaaaaaaaa", "first an attacker would try"),
        ("abababababab", "first an attacker would try"),
        ("clinician-secret", "must not contain your email address or name"),
        ("x" * 1025 + "yz!", "limited to 1024"),
    ],
)
def test_a_weak_password_is_refused_with_a_clear_message(client, db, password, message):
    response = form_post(client, "/register", "/register", {"email": "clinician@example.org", "name": "clinician", "password": password})
    assert response.status_code == 422
    assert message in error_of(response.text)
    assert 'value="clinician@example.org"' in response.text
    assert password not in response.text
    assert user_count(db) == 0
    assert logged_in_as(client) is None


@pytest.mark.parametrize(
    "email, name, field",
    [
        ("not-an-email", "valid", "email address"),
        ("a@b", "valid", "email address"),
        ("ok@example.org", "x", "Names are 2 to 40"),
        ("ok@example.org", "has space", "Names are 2 to 40"),
        ("ok@example.org", "<script>", "Names are 2 to 40"),
        ("ok@example.org", "n" * 41, "Names are 2 to 40"),
    ],
)
def test_a_malformed_email_or_name_is_refused_with_a_clear_message(client, db, email, name, field):
    response = form_post(client, "/register", "/register", {"email": email, "name": name, "password": PASSWORD})
    assert response.status_code == 422
    assert field in error_of(response.text)
    assert user_count(db) == 0


# Logging in and out


def test_logging_in_through_the_form(client, db):
    make_user(db, "ana")
    response = login(client)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert logged_in_as(client) == "ana"


def test_logging_in_ignores_the_case_of_the_email(client, db):
    make_user(db, "ana")
    assert login(client, email="  ANA@Example.Org ").status_code == 303
    assert logged_in_as(client) == "ana"


def test_a_wrong_password_gives_the_same_error_as_an_unknown_email(client, db):
    make_user(db, "ana")
    wrong_password = login(client, password="not the right one")
    unknown_email = login(client, email="nobody@example.org")
    malformed = login(client, email="not an email")
    for response in (wrong_password, unknown_email, malformed):
        assert response.status_code == 400
        assert error_of(response.text) == LOGIN_ERROR
    assert logged_in_as(client) is None
    # Nothing tells an attacker which half was wrong.
    lowered = wrong_password.text.lower()
    for hint in ["wrong password", "incorrect password", "no account", "unknown email", "not registered"]:
        assert hint not in lowered
    assert 'value="ana@example.org"' in wrong_password.text


def test_logging_out_ends_the_session_on_the_server(member, app, db):
    old_cookie = member.cookies.get(COOKIE)
    assert old_cookie
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(UserSession)) == 1
    response = form_post(member, "/logout", "/logout", {})
    assert response.status_code == 303
    assert logged_in_as(member) is None
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(UserSession)) == 0
    # Someone who kept a copy of the old cookie is not logged in with it.
    with TestClient(app, cookies={COOKIE: old_cookie}) as replay:
        assert logged_in_as(replay) is None
        response = replay.get("/b/arm/new", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")


def test_visiting_the_logout_address_does_not_log_out(member):
    response = member.get("/logout")
    assert response.status_code == 200
    assert 'action="/logout"' in response.text
    assert logged_in_as(member) == "ana"


def test_logging_in_again_after_logging_out_works(member):
    form_post(member, "/logout", "/logout", {})
    assert login(member).status_code == 303
    assert logged_in_as(member) == "ana"


def test_the_csrf_token_changes_when_a_member_logs_in(client, db):
    make_user(db, "ana")
    before = csrf_of(client.get("/login").text)
    assert login(client).status_code == 303
    response = client.post("/logout", data={"csrf_token": before}, follow_redirects=False)
    assert response.status_code == 403
    assert logged_in_as(client) == "ana"


# Rate limits


@pytest.fixture
def limited(database_url, db, tmp_path):  # type: ignore[no-untyped-def]
    app = create_app(make_settings(database_url, tmp_path, rate_limits=True), database=db)
    with TestClient(app, raise_server_exceptions=False) as browser:
        yield browser


def test_login_attempts_are_rate_limited(limited, db):
    make_user(db, "ana")
    for _ in range(5):
        assert login(limited, password="guess guess guess").status_code == 400
    response = login(limited, password="guess guess guess")
    assert response.status_code == 429
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert re.fullmatch(r"Too many login attempts for this account; try again in \d+ seconds?\.", error_of(response.text))
    # Even the right password waits out the limit.
    response = login(limited)
    assert response.status_code == 429
    assert logged_in_as(limited) is None


def test_registrations_from_one_place_are_rate_limited(limited, db):
    for i in range(5):
        limited.cookies.clear()
        register(limited, f"member{i}")
    limited.cookies.clear()
    response = form_post(limited, "/register", "/register", {"email": "sixth@example.org", "name": "sixth", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many accounts" in error_of(response.text)
    assert user_count(db) == 5


# CSRF on forms


def test_a_login_form_without_its_csrf_token_is_refused(client, db):
    make_user(db, "ana")
    client.get("/login")
    response = client.post("/login", data={"email": "ana@example.org", "password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 403
    assert logged_in_as(client) is None


def test_a_register_form_without_its_csrf_token_is_refused(client, db):
    response = client.post("/register", data={"email": "x@example.org", "name": "xname", "password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 403
    assert user_count(db) == 0


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_forms_of_a_logged_in_member_without_the_right_token_are_refused(member, token):
    data = {"title": "t", "body": "b"} if token is None else {"title": "t", "body": "b", "csrf_token": token}
    response = member.post("/b/arm/new", data=data, follow_redirects=False)
    assert response.status_code == 403
    assert member.get("/api/v1/boards/arm/threads").json()["threads"] == []
    data = {} if token is None else {"csrf_token": token}
    assert member.post("/logout", data=data, follow_redirects=False).status_code == 403
    assert logged_in_as(member) == "ana"


def test_a_token_from_another_browser_is_refused(member, app):
    with TestClient(app) as other:
        foreign = csrf_of(other.get("/login").text)
    response = member.post("/logout", data={"csrf_token": foreign}, follow_redirects=False)
    assert response.status_code == 403
    assert logged_in_as(member) == "ana"


def test_a_form_posted_from_another_site_is_refused_even_with_a_token(member):
    token = csrf_of(member.get("/logout").text)
    response = member.post("/logout", data={"csrf_token": token}, headers={"Origin": "https://evil.example"}, follow_redirects=False)
    assert response.status_code == 403
    assert logged_in_as(member) == "ana"


# Where login sends you next

OFF_SITE = [
    "//evil.example",
    "//evil.example/path",
    "///evil.example",
    "https://evil.example",
    "http://evil.example/login",
    "https:evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    " //evil.example",
    "javascript:alert(1)",
    "evil.example",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_login_never_redirects_off_site(client, db, target):
    make_user(db, "ana")
    response = login(client, next_url=target)
    assert response.status_code == 303
    assert response.headers["location"] == "/"


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_login_page_never_carries_an_off_site_next(client, db, target):
    make_user(db, "ana")
    html = client.get("/login", params={"next": target}).text
    assert 'name="next" value="/"' in html
    login(client)
    response = client.get("/login", params={"next": target}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/"


@pytest.mark.parametrize("target", ["/b/arm", "/t/7?after=3", "/u/ana"])
def test_login_returns_to_a_page_on_this_site(client, db, target):
    make_user(db, "ana")
    html = client.get("/login", params={"next": target}).text
    assert 'name="next"' in html
    response = login(client, next_url=target)
    assert response.headers["location"] == target


def test_a_next_with_a_line_break_cannot_add_headers(client, db):
    make_user(db, "ana")
    response = login(client, next_url="/b/arm\r\nSet-Cookie: planted=1")
    assert response.status_code == 303
    assert "\r" not in response.headers["location"] and "\n" not in response.headers["location"]
    assert "planted" not in " ".join(response.headers.get_list("set-cookie"))


def test_a_page_that_needs_a_login_sends_you_back_after_it(client, db):
    make_user(db, "ana")
    response = client.get("/b/harness/new", follow_redirects=False)
    assert response.headers["location"] == "/login?next=/b/harness/new"
    html = client.get(response.headers["location"]).text
    assert 'name="next" value="/b/harness/new"' in html
    assert login(client, next_url="/b/harness/new").headers["location"] == "/b/harness/new"


# Profiles


def test_a_profile_shows_the_member_threads_and_comments(member, app):
    response = form_post(member, "/b/rally/new", "/b/rally/new", {"title": "Ana's rally thread", "body": "come along"})
    thread_url = response.headers["location"]
    thread_id = thread_url.split("/")[2]
    form_post(member, thread_url, f"/t/{thread_id}/comments", {"body": "A remark by **ana**"})
    with TestClient(app) as reader:
        for address in ["/u/ana", "/u/ANA"]:
            response = reader.get(address)
            assert response.status_code == 200
            assert "<h1>ana</h1>" in response.text
            assert "Ana&#39;s rally thread" in response.text
            assert f'href="{thread_url}"' in response.text
            assert "A remark by <strong>ana</strong>" in response.text


def test_a_profile_without_posts_says_so(member):
    html = member.get("/u/ana").text
    assert "No threads yet." in html
    assert "No comments yet." in html


def test_a_profile_does_not_show_another_member_posts(member, db):
    other = make_user(db, "cy")
    with db.write() as session:
        create_thread(session, author=other, board_slug="arm", title="Cy's own thread", body="x")
    assert "Cy&#39;s own thread" not in member.get("/u/ana").text
    assert "Cy&#39;s own thread" in member.get("/u/cy").text


@pytest.mark.parametrize("name", ["nobody", "an", "%00", "a%00b", "x" * 300, "%F0%9F%92%A9"])
def test_an_unknown_profile_is_not_found(client, name):
    response = client.get(f"/u/{name}")
    assert response.status_code == 404
    assert "There is no member by that name." in response.text or "nothing at this address" in response.text


@pytest.mark.parametrize(
    "email, password",
    [
        ("ana\x00@example.org", "not the password"),
        ("\x00", "\x00"),
        ("ana@example.org", PASSWORD + "\x00"),
        ("ana@example.org\u202e", PASSWORD),
        ("a" * 5000 + "@example.org", PASSWORD),
        ("ana@example.org", "p" * 100_000),
    ],
)
def test_odd_characters_in_the_login_form_are_a_failed_login_not_an_error(client, db, email, password):
    make_user(db, "ana")
    response = login(client, email=email, password=password)
    assert response.status_code == 400
    assert error_of(response.text) == LOGIN_ERROR
    assert logged_in_as(client) is None


def test_control_characters_in_a_new_name_or_email_are_dropped(client, db):
    response = form_post(client, "/register", "/register", {"email": "new\x00@example.org", "name": "ne\x07wbie", "password": PASSWORD})
    assert response.status_code == 303
    assert logged_in_as(client) == "newbie"
    with db.read() as session:
        assert session.scalar(select(User.email).where(User.name == "newbie")) == "new@example.org"
