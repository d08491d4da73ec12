"""Importing articles as threads, through the services, the API and the
moderators' import page, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select

from forum.articles.drafts import Draft, Parsed
from forum.articles.fetch import FetchError, Fetched, StaticFetcher
from forum.articles.models import Article, ArticleShingle
from forum.articles.services import SourceReport, import_parsed, import_source, opening_post
from forum.boards.models import Thread, ThreadListing
from tests.conftest import MAYO, MAYO_TITLE, csrf_of

PILLAR_BULLETS = ["Showcase the value", "Harness their position", "Arm others", "Rally the health care", "Educate through"]

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Blog</title><link>https://blog.example/</link><description>d</description>
{items}
</channel></rss>"""

ITEM = """<item><title>{title}</title><link>{link}</link><description><![CDATA[{body}]]></description></item>"""


def counts(db) -> tuple[int, int, int]:
    with db.read() as session:
        return (
            session.scalar(select(func.count(Article.id))),
            session.scalar(select(func.count(Thread.id))),
            session.scalar(select(func.count()).select_from(ArticleShingle)),
        )


def mayo_feed(link: str = "https://blog.example/2010/07/the-value-of-a-leader/") -> bytes:
    text = MAYO.read_text(encoding="utf-8").split("Anuncios")[0]
    paragraphs = [p for p in text.split("\n\n")[1:] if p.strip()]
    body = "".join(f"<p>{p}</p>" for p in paragraphs[:3]) + "<p>Leer más “The Value of a Leader”</p>"
    return RSS.format(items=ITEM.format(title=MAYO_TITLE, link=link, body=body)).encode()


def static(url: str, body: bytes, content_type: str = "application/rss+xml") -> StaticFetcher:
    return StaticFetcher({url: Fetched(url=url, status=200, content=body, content_type=content_type, charset="utf-8", etag=None, last_modified=None)})


def test_the_mayo_article_becomes_one_thread_with_each_pillar_once(db, client):
    report = import_source(db, str(MAYO), fetcher=StaticFetcher({}))
    assert report.error is None
    [outcome] = report.outcomes
    assert outcome.action == "created" and outcome.title == MAYO_TITLE
    page = client.get(f"/t/{outcome.thread_id}").text
    assert "<h1>The Value of a Leader: Mayo Clinic’s New Center for Social Media</h1>" in page
    assert "Chris Heydt" in page
    for bullet in PILLAR_BULLETS:
        assert page.count(bullet) == 1, bullet
    for boilerplate in ("Anuncios", "Leer más", "take-me-to-your-leader"):
        assert boilerplate not in page
    # A local file with no URL opens with its full text.
    assert "Educate through a structured and centralized on-demand curriculum" in page
    assert counts(db)[:2] == (1, 1)


def test_importing_the_mayo_article_again_creates_nothing_and_names_the_thread(db):
    first = import_source(db, str(MAYO), fetcher=StaticFetcher({}))
    again = import_source(db, str(MAYO), fetcher=StaticFetcher({}))
    assert again.outcomes[0].action == "skipped"
    assert again.outcomes[0].thread_id == first.outcomes[0].thread_id
    assert counts(db)[:2] == (1, 1)


def test_the_seed_file_and_a_feed_entry_for_the_same_post_land_on_one_thread(db):
    first = import_source(db, str(MAYO), fetcher=StaticFetcher({}))
    url = "https://blog.example/feed.xml"
    from_feed = import_source(db, url, fetcher=static(url, mayo_feed()))
    assert from_feed.error is None
    [outcome] = from_feed.outcomes
    assert outcome.action == "skipped" and outcome.reason == "near-duplicate text"
    assert outcome.thread_id == first.outcomes[0].thread_id
    assert counts(db)[:2] == (1, 1)


def test_the_same_page_under_other_url_spellings_is_one_article(db):
    feed_url = "https://blog.example/feed.xml"
    first = import_source(db, feed_url, fetcher=static(feed_url, RSS.format(items=ITEM.format(
        title="Staffing a hospital social media desk", link="http://Blog.Example:80/2026/staffing/",
        body="<p>" + "How we staffed the desk with two nurses and a pharmacist. " * 8 + "</p>")).encode()))
    assert first.outcomes[0].action == "created"
    second = import_source(db, feed_url, fetcher=static(feed_url, RSS.format(items=ITEM.format(
        title="Staffing a hospital social media desk (updated)", link="https://blog.example/2026/staffing?utm_source=x&fbclid=y#comments",
        body="<p>Entirely different words about something else, so only the address can match.</p>")).encode()))
    assert second.outcomes[0].action == "skipped" and second.outcomes[0].reason == "same URL"
    assert counts(db)[:2] == (1, 1)


def test_a_remote_article_opens_with_an_excerpt_and_a_link_unless_full(db):
    words = " ".join(f"word{i}" for i in range(600))
    draft = Draft(title="Long", text=words, author="A. Writer", url="https://blog.example/long", remote=True)
    short = opening_post(draft)
    assert "word249" in short and "word400" not in short
    assert "[Read the original](<https://blog.example/long>)" in short
    assert short.startswith("*By A\\. Writer · [blog\\.example](<https://blog.example/long>)")
    assert "word599" in opening_post(draft, full=True)


def test_a_source_that_fails_part_way_leaves_nothing_behind(db):
    good = Draft(title="A fine article about patient education", text="Patients learn best " * 20)
    bad = Draft(title="   ", text="A draft whose title is empty cannot become a thread.")
    report = import_parsed(db, Parsed(drafts=[good, bad], kind="feed"), report=SourceReport(source="feed"))
    assert report.error is not None and "title" in report.error
    assert report.outcomes == []
    assert counts(db) == (0, 0, 0)


def test_a_thread_goes_to_its_top_pillar_and_is_listed_where_others_pass(db):
    report = import_source(db, str(MAYO), fetcher=StaticFetcher({}))
    [outcome] = report.outcomes
    assert outcome.board == outcome.pillars[0].slug
    with db.read() as session:
        thread = session.get(Thread, outcome.thread_id)
        listed = set(session.scalars(select(ThreadListing.board_id).where(ThreadListing.thread_id == thread.id)))
    assert len(listed) == len(outcome.listed_on)
    assert outcome.board not in outcome.listed_on


def test_a_board_given_by_the_importer_wins_over_the_suggestion(db):
    report = import_source(db, str(MAYO), fetcher=StaticFetcher({}), board="educate")
    assert report.outcomes[0].board == "educate"


def test_an_unknown_board_fails_the_source_clearly(db):
    report = import_source(db, str(MAYO), fetcher=StaticFetcher({}), board="gossip")
    assert report.error is not None and "gossip" in report.error
    assert counts(db) == (0, 0, 0)


def test_a_dry_run_reports_what_would_happen_and_keeps_nothing(db):
    report = import_source(db, str(MAYO), fetcher=StaticFetcher({}), dry_run=True)
    [outcome] = report.outcomes
    assert outcome.action == "would create" and outcome.thread_id is None
    assert [p.slug for p in outcome.pillars] and outcome.board
    assert counts(db) == (0, 0, 0)


def test_a_fetch_failure_is_reported_against_its_source(db):
    url = "https://blog.example/gone"
    report = import_source(db, url, fetcher=StaticFetcher({url: FetchError("not found (HTTP 404)")}))
    assert report.error == "not found (HTTP 404)"
    assert counts(db) == (0, 0, 0)


# The API ------------------------------------------------------------------

def test_moderators_import_pasted_text_through_the_api(client, mod_token, db):
    headers = {"Authorization": f"Bearer {mod_token}"}
    body = {"text": "Our clinic's first **tweetchat**: join us to rally around a common goal.\n\n" * 3, "title": "Join our tweetchat"}
    created = client.post("/api/v1/articles", json=body, headers=headers)
    assert created.status_code == 201, created.text
    data = created.json()
    assert data["results"][0]["status"] == "created"
    assert data["threads"][0]["title"] == "Join our tweetchat"
    assert {p["slug"] for p in data["results"][0]["pillars"]} == {"showcase", "harness", "arm", "rally", "educate"}
    again = client.post("/api/v1/articles", json=body, headers=headers)
    assert again.status_code == 200
    assert again.json()["results"][0]["status"] == "skipped"
    assert again.json()["threads"][0]["id"] == data["threads"][0]["id"]


def test_the_articles_api_is_for_moderators_only(client, token, db):
    body = {"text": "Some text worth a thread.", "title": "T"}
    assert client.post("/api/v1/articles", json=body).status_code == 401
    refused = client.post("/api/v1/articles", json=body, headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert counts(db) == (0, 0, 0)


def test_the_articles_api_refuses_bad_requests_clearly(client, mod_token, db):
    headers = {"Authorization": f"Bearer {mod_token}"}
    both = client.post("/api/v1/articles", json={"url": "https://a.example/", "text": "x"}, headers=headers)
    assert both.status_code == 422 and "either url or text" in both.json()["error"]["message"]
    neither = client.post("/api/v1/articles", json={}, headers=headers)
    assert neither.status_code == 422
    private = client.post("/api/v1/articles", json={"url": "http://127.0.0.1:9/feed"}, headers=headers)
    assert private.status_code == 422
    assert "http://127.0.0.1:9/feed" in private.json()["error"]["message"]
    scheme = client.post("/api/v1/articles", json={"url": "file:///etc/passwd"}, headers=headers)
    assert scheme.status_code == 422
    wrong_type = client.post("/api/v1/articles", json={"text": 5}, headers=headers)
    assert wrong_type.status_code == 422
    assert counts(db) == (0, 0, 0)


def test_an_api_dry_run_saves_nothing(client, mod_token, db):
    response = client.post(
        "/api/v1/articles",
        json={"text": "A curriculum of webinars for CME credit.\n\nLessons every week.", "title": "Our course", "dry_run": True},
        headers={"Authorization": f"Bearer {mod_token}"},
    )
    assert response.status_code == 200
    assert response.json()["results"][0]["status"] == "would create"
    assert counts(db) == (0, 0, 0)


# The moderators' import page ----------------------------------------------

def test_the_import_page_is_for_moderators(client, member):
    assert member.get("/mod/import").status_code == 404


def test_the_import_page_asks_a_visitor_to_log_in(client):
    response = client.get("/mod/import", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_a_moderator_previews_then_imports_pasted_text(moderator, db):
    page = moderator.get("/mod/import")
    assert page.status_code == 200
    for label in ('for="import-url"', 'for="import-title"', 'for="import-text"', 'for="import-board"'):
        assert label in page.text
    text = MAYO.read_text(encoding="utf-8")
    form = {"csrf_token": csrf_of(page.text), "url": "", "title": "", "text": text, "board": "", "action": "preview"}
    preview = moderator.post("/mod/import", data=form)
    assert preview.status_code == 200
    assert "Would be created on" in preview.text and "Pillar suggestion" in preview.text
    assert MAYO_TITLE in preview.text
    assert counts(db) == (0, 0, 0)

    imported = moderator.post("/mod/import", data={**form, "action": "import"})
    assert imported.status_code == 200
    assert "Created <a href=\"/t/" in imported.text
    assert counts(db)[:2] == (1, 1)
    again = moderator.post("/mod/import", data={**form, "action": "import"})
    assert "Already here" in again.text
    assert counts(db)[:2] == (1, 1)


def test_the_import_form_needs_its_csrf_token(moderator, db):
    response = moderator.post("/mod/import", data={"text": "x", "action": "import"})
    assert response.status_code == 403
    assert counts(db) == (0, 0, 0)


def test_the_import_form_explains_a_bad_address(moderator):
    page = moderator.get("/mod/import")
    response = moderator.post(
        "/mod/import", data={"csrf_token": csrf_of(page.text), "url": "ftp://example.org/feed", "text": "", "action": "preview"}
    )
    assert response.status_code == 422
    assert "only http and https" in response.text


def test_the_api_never_reads_a_server_file(client, mod_token, db):
    for path in ("/etc/passwd", str(MAYO), "../shared/seeds/mayo-center-for-social-media.txt"):
        response = client.post("/api/v1/articles", json={"url": path}, headers={"Authorization": f"Bearer {mod_token}"})
        assert response.status_code == 422
        assert "only http and https" in response.json()["error"]["message"]
    assert counts(db) == (0, 0, 0)


def test_moderators_find_the_import_page_in_the_header(moderator):
    assert 'href="/mod/import"' in moderator.get("/").text


def test_a_member_does_not_see_the_import_link(member):
    assert 'href="/mod/import"' not in member.get("/").text


def test_an_entry_with_a_huge_link_still_imports(db):
    url = "https://blog.example/feed.xml"
    link = "https://blog.example/" + "a" * 3000
    report = import_source(db, url, fetcher=static(url, RSS.format(items=ITEM.format(
        title="A post with a very long address", link=link,
        body="<p>" + "Our nurses ran a webinar series for the community. " * 6 + "</p>")).encode()))
    assert report.error is None
    assert report.outcomes[0].action == "created"
