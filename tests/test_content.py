"""The content rules: Markdown made safe, titles as plain text, length limits,
empty posts refused, every script kept intact, control characters dropped."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from markupsafe import escape
from starlette.testclient import TestClient

from forum.text import sanitise_html
from tests.conftest import form_post, post_comment

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table",
    "tbody", "td", "th", "thead", "tr", "ul",
}
NEVER_ON_A_PAGE = {"iframe", "object", "embed", "svg", "math", "img", "details", "video", "audio", "base", "frame"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "background"}
REL = {"nofollow", "ugc", "noopener"}
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.found


def text_of(html: str) -> str:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return "".join(parser.text)


def _dangerous_url(value: str | None) -> bool:
    squeezed = re.sub(r"[\x00-\x20]", "", value or "").lower()
    return squeezed.startswith(("javascript:", "data:", "vbscript:"))


def assert_safe_fragment(html: str) -> None:
    """Stored, sanitised HTML: only harmless tags, no handlers, no script URLs."""
    for tag, attrs in elements(html):
        assert tag in ALLOWED_TAGS, f"<{tag}> in {html!r}"
        for name, value in attrs.items():
            assert not name.startswith("on"), f"{name} on <{tag}> in {html!r}"
            assert name != "style", html
            if name in URL_ATTRIBUTES:
                assert not _dangerous_url(value), f"{name}={value!r} in {html!r}"
        if tag == "a" and "href" in attrs:
            assert set((attrs.get("rel") or "").split()) == REL, html


SITE_SCRIPTS = {
    "/static/js/forms.js", "/static/js/reply.js", "/static/js/tree.js", "/static/js/live.js",
    "/static/js/guard.js", "/static/js/convening.js",
}


def assert_safe_page(html: str) -> None:
    """A whole page: the site's own scripts only, and nothing a post smuggled in."""
    for tag, attrs in elements(html):
        if tag == "script":
            assert attrs.get("src") in SITE_SCRIPTS, f"an injected script: {attrs}"
        assert tag not in NEVER_ON_A_PAGE, f"<{tag}> on the page"
        for name, value in attrs.items():
            assert not name.startswith("on"), f"{name} on <{tag}>"
            if name in URL_ATTRIBUTES:
                assert not _dangerous_url(value), f"{name}={value!r} on <{tag}>"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def api_thread(client: TestClient, token: str, title: str = "A thread", body: str = "A body", board: str = "arm"):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/threads", json={"board": board, "title": title, "body": body}, headers=bearer(token))


def api_comment(client: TestClient, token: str, thread_id: int, body: str):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/threads/{thread_id}/comments", json={"body": body}, headers=bearer(token))


def made(response) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    assert response.status_code == 201, response.text
    return response.json()


def page_thread(member: TestClient, title: str, body: str = "Body text", board: str = "arm") -> tuple[int, str]:
    response = form_post(member, f"/b/{board}/new", f"/b/{board}/new", {"title": title, "body": body})
    assert response.status_code == 303, response.text
    url = response.headers["location"]
    return int(url.split("/")[2]), url


# Markdown, rendered and sanitised


def test_markdown_becomes_html(client, token):
    body = "**bold**, *leaning*, `code` and ~~gone~~\n\n- one\n- two\n\n> quoted\n\n1. first"
    html = made(api_thread(client, token, body=body))["body_html"]
    for fragment in ["<strong>bold</strong>", "<em>leaning</em>", "<code>code</code>", "<s>gone</s>", "<li>one</li>", "<blockquote>", "<ol>"]:
        assert fragment in html
    assert_safe_fragment(html)


DANGEROUS = [
    "<script>alert(1)</script>",
    "<<script>script>alert(1)<</script>/script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)></svg>",
    "<iframe src=https://evil.example></iframe>",
    "<details open ontoggle=alert(1)>x</details>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](<javascript:alert(1)>)",
    "[click](  javascript:alert(1))",
    "[ref]\n\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![pic](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![pic](javascript:alert(1))",
    "![pic](https://tracker.example/pixel.gif)",
    '[t](https://example.org "\\" onmouseover=\\"alert(1)")',
    "```html\n<script>alert(1)</script>\n```",
    "`<img src=x onerror=alert(1)>`",
]


@pytest.mark.parametrize("body", DANGEROUS)
def test_a_thread_body_can_never_carry_script(client, token, body):
    thread = made(api_thread(client, token, body=body))
    assert_safe_fragment(thread["body_html"])
    assert "<script" not in thread["body_html"].lower()
    page = client.get(f"/t/{thread['id']}")
    assert page.status_code == 200
    assert_safe_page(page.text)


@pytest.mark.parametrize("body", DANGEROUS)
def test_a_comment_can_never_carry_script_on_the_page_the_api_or_the_profile(client, token, body):
    thread = made(api_thread(client, token))
    comment = made(api_comment(client, token, thread["id"], body))
    assert_safe_fragment(comment["body_html"])
    listed = client.get(f"/api/v1/threads/{thread['id']}/comments").json()["comments"]
    assert_safe_fragment(listed[0]["body_html"])
    assert_safe_page(client.get(f"/t/{thread['id']}").text)
    assert_safe_page(client.get("/u/bo").text)
    assert_safe_page(client.get(f"/comments/{comment['id']}/reply").text)


def test_raw_html_in_markdown_is_shown_as_text(client, token):
    thread = made(api_thread(client, token, body="Try <b>this</b> & <script>alert(1)</script>"))
    assert thread["body_html"] == "<p>Try &lt;b&gt;this&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;</p>"
    assert "Try <b>this</b> & <script>alert(1)</script>" in text_of(client.get(f"/t/{thread['id']}").text)


def test_the_sanitiser_strips_what_markdown_would_never_emit():
    # Stored HTML passes through the sanitiser whatever made it.
    html = sanitise_html(
        '<p onclick="x()">hi<script>alert(1)</script><a href="javascript:alert(1)" onmouseover="y()">a</a>'
        '<a href="data:text/html,x">b</a><img src="x" onerror="z()"><iframe src="https://e.example"></iframe>'
        '<a href="https://example.org" target="_blank" rel="opener">c</a><span style="color:red">d</span></p>'
    )
    assert_safe_fragment(html)
    assert "alert" not in html
    assert "hi" in html and ">a</a>" in html and ">c</a>" in html and "d" in html


@pytest.mark.parametrize(
    "body, href",
    [
        ("[site](https://example.org/page)", "https://example.org/page"),
        ("see https://example.org/bare for more", "https://example.org/bare"),
        ("<https://example.org/auto>", "https://example.org/auto"),
        ("[plain](http://example.org/)", "http://example.org/"),
    ],
)
def test_links_keep_their_address_and_get_rel_nofollow_ugc_noopener(client, token, body, href):
    thread = made(api_thread(client, token, body=body))
    comment = made(api_comment(client, token, thread["id"], body))
    for html in (thread["body_html"], comment["body_html"]):
        links = [attrs for tag, attrs in elements(html) if tag == "a"]
        assert len(links) == 1, html
        assert links[0]["href"] == href
        assert links[0]["rel"] == "nofollow ugc noopener"
    page_links = [a for t, a in elements(client.get(f"/t/{thread['id']}").text) if t == "a" and a.get("href") == href]
    assert len(page_links) == 2
    assert all(set((a.get("rel") or "").split()) == REL for a in page_links)


def test_an_email_address_even_in_a_mailto_link_waits_for_a_moderator(client, token):
    # An email address is one of the identifiers the health-care guard holds.
    thread = made(api_thread(client, token, body="Write to us."))
    response = api_comment(client, token, thread["id"], "[mail](mailto:desk@example.org)")
    assert response.status_code == 202
    assert [f["kind"] for f in response.json()["findings"]] == ["email"]


# Titles are plain text, escaped wherever they appear

NASTY_TITLE = """<script>alert("t")</script> <b>bold</b> & <img src=x onerror=alert('i')> "quoted" it's"""


def _assert_title_escaped(html: str) -> None:
    assert NASTY_TITLE not in html
    assert "<b>bold</b>" not in html
    assert str(escape(NASTY_TITLE)) in html
    assert_safe_page(html)


def test_a_title_is_plain_text_on_every_page_and_raw_in_the_api(member):
    thread_id, url = page_thread(member, NASTY_TITLE)
    comment_id = post_comment(member, thread_id, "a comment to reach the comment pages")
    response = form_post(member, f"/comments/{comment_id}/edit", f"/comments/{comment_id}/edit", {"body": "edited text"})
    assert response.status_code == 303
    pages = [
        url,
        f"/t/{thread_id}",
        "/b/arm",
        "/u/ana",
        "/search?q=bold",
        f"/comments/{comment_id}/reply",
        f"/comments/{comment_id}/edit",
        f"/comments/{comment_id}/delete",
        f"/comments/{comment_id}/history",
    ]
    for address in pages:
        response = member.get(address)
        assert response.status_code == 200, address
        _assert_title_escaped(response.text)
    thread_page = member.get(url).text
    h1 = re.search(r"<h1>(.*?)</h1>", thread_page, re.S)
    assert h1 and text_of(h1.group(1)) == NASTY_TITLE
    title = re.search(r"<title>(.*?)</title>", thread_page, re.S)
    assert title and text_of(title.group(1)).startswith(NASTY_TITLE)
    assert member.get(f"/api/v1/threads/{thread_id}").json()["title"] == NASTY_TITLE
    listed = member.get("/api/v1/boards/arm/threads").json()["threads"]
    assert listed[0]["title"] == NASTY_TITLE


def test_a_title_posted_through_the_api_is_escaped_on_the_pages(client, token):
    thread = made(api_thread(client, token, title=NASTY_TITLE))
    assert thread["title"] == NASTY_TITLE
    for address in [f"/t/{thread['id']}", "/b/arm", "/u/bo", "/search?q=quoted"]:
        _assert_title_escaped(client.get(address).text)


def test_a_search_query_is_shown_back_as_text(client):
    query = '<script>alert(1)</script> "x" onfocus=alert(2)'
    response = client.get("/search", params={"q": query})
    assert response.status_code == 200
    assert_safe_page(response.text)
    assert str(escape(query)) in response.text


@pytest.mark.parametrize("query", ["\x00", "a\x00b", "\x01\x02", "%", "_", "\\", "a" * 5000, "\u200b"])
def test_odd_search_queries_never_break_the_search_page(client, query):
    response = client.get("/search", params={"q": query})
    assert response.status_code == 200
    assert_safe_page(response.text)


def test_a_title_is_one_line_of_text(client, token):
    thread = made(api_thread(client, token, title="  First line\nsecond\tpart  "))
    assert thread["title"] == "First line second part"


# Lengths


def test_a_title_of_200_characters_is_accepted(client, token):
    title = "t" * 200
    assert made(api_thread(client, token, title=title))["title"] == title


def test_a_title_of_200_characters_beyond_the_basic_plane_fits(client, token, member):
    # 200 characters, not 200 bytes or 200 UTF-16 units: 40 five-character emoji.
    title = "\U0001f469\U0001f3fd\u200d\u2695\ufe0f" * 40
    assert len(title) == 200
    assert made(api_thread(client, token, title=title))["title"] == title
    thread_id, url = page_thread(member, title)
    assert member.get(f"/api/v1/threads/{thread_id}").json()["title"] == title


def test_thread_title_over_200_characters_is_refused(client, token):
    response = api_thread(client, token, title="t" * 201)
    assert response.status_code == 422
    assert response.json()["error"]["message"] == "The title is 201 characters; the limit is 200."
    assert client.get("/api/v1/boards/arm/threads").json()["threads"] == []


def test_thread_title_over_200_characters_is_refused_on_the_form_keeping_the_draft(member):
    response = form_post(member, "/b/arm/new", "/b/arm/new", {"title": "t" * 250, "body": "my draft body"})
    assert response.status_code == 422
    assert "the limit is 200" in response.text
    assert "my draft body" in response.text
    assert member.get("/api/v1/boards/arm/threads").json()["threads"] == []


def test_a_body_of_20000_characters_is_accepted(client, token):
    body = "b" * 20_000
    thread = made(api_thread(client, token, body=body))
    assert thread["body_html"] == f"<p>{body}</p>"
    comment = made(api_comment(client, token, thread["id"], body))
    assert comment["body_html"] == f"<p>{body}</p>"


def test_thread_body_over_20000_characters_is_refused(client, token):
    response = api_thread(client, token, body="b" * 20_001)
    assert response.status_code == 422
    assert response.json()["error"]["message"] == "The body is 20,001 characters; the limit is 20,000."
    assert client.get("/api/v1/boards/arm/threads").json()["threads"] == []


def test_comment_over_20000_characters_is_refused_on_the_api_and_the_form(client, token, member):
    thread = made(api_thread(client, token))
    response = api_comment(client, token, thread["id"], "c" * 20_001)
    assert response.status_code == 422
    assert response.json()["error"]["message"] == "The comment is 20,001 characters; the limit is 20,000."
    response = form_post(member, f"/t/{thread['id']}", f"/t/{thread['id']}/comments", {"body": "c" * 20_001})
    assert response.status_code == 422
    assert "the limit is 20,000" in response.text
    assert client.get(f"/api/v1/threads/{thread['id']}").json()["comment_count"] == 0


def test_control_characters_do_not_count_toward_the_limit(client, token):
    thread = made(api_thread(client, token, body="b" * 20_000 + "\x00" * 50))
    assert thread["body_html"] == "<p>" + "b" * 20_000 + "</p>"


# Empty posts

EMPTY = [
    "",
    " ",
    "\n\n\t  ",
    "\u00a0\u3000\u2003",
    "\u200b",
    "\u200b\u200c\u200d\u2060\ufeff",
    " \u200d \n \u200b ",
    "\u200e\u200f",
    "\x00\x01\x07",
    "\r\n\r\n",
]


@pytest.mark.parametrize("title", EMPTY)
def test_an_empty_or_invisible_title_is_refused_with_a_clear_message(client, token, title):
    response = api_thread(client, token, title=title)
    assert response.status_code == 422
    assert response.json()["error"]["message"] == "The title is empty; give the thread a title."


@pytest.mark.parametrize("body", EMPTY)
def test_an_empty_or_invisible_thread_body_is_refused_with_a_clear_message(client, token, body):
    response = api_thread(client, token, body=body)
    assert response.status_code == 422
    assert response.json()["error"]["message"] == "The body is empty; write something before posting."
    assert client.get("/api/v1/boards/arm/threads").json()["threads"] == []


@pytest.mark.parametrize("body", EMPTY)
def test_an_empty_or_invisible_comment_is_refused_with_a_clear_message(client, token, body):
    thread = made(api_thread(client, token))
    response = api_comment(client, token, thread["id"], body)
    assert response.status_code == 422
    assert response.json()["error"]["message"] == "The comment is empty; write something before posting."
    assert client.get(f"/api/v1/threads/{thread['id']}/comments").json() == {"comments": []}


@pytest.mark.parametrize("body", ["   ", "\u200b\u200d", "\u2060"])
def test_an_invisible_comment_is_refused_on_the_thread_page(member, body):
    thread_id, url = page_thread(member, "Where the form is")
    response = form_post(member, url, f"/t/{thread_id}/comments", {"body": body})
    assert response.status_code == 422
    assert "The comment is empty; write something before posting." in response.text
    assert member.get(f"/api/v1/threads/{thread_id}").json()["comment_count"] == 0


def test_an_invisible_title_is_refused_on_the_new_thread_form(member):
    response = form_post(member, "/b/arm/new", "/b/arm/new", {"title": "\u200b\u200c", "body": "kept body"})
    assert response.status_code == 422
    assert "The title is empty; give the thread a title." in response.text
    assert "kept body" in response.text


@pytest.mark.parametrize("text", ["\u200bx", "x\u200d", ".", "\U0001f44d", "\u05d0", "e\u0301"])
def test_a_single_visible_character_is_enough(client, token, text):
    thread = made(api_thread(client, token, title=text, body=text))
    assert thread["title"] == text


# Any script, kept as written

UNICODE = {
    "emoji with ZWJ sequences": "Care team \U0001f469\U0001f3fd\u200d\u2695\ufe0f \U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466 \U0001f3f3\ufe0f\u200d\U0001f308 \U0001f1ee\U0001f1f1",
    "Hebrew": "שלום עולם, מה שלומך",
    "Arabic": "مرحبا بالعالم، كيف حالك",
    "mixed direction with marks": "Dose 5 mg \u200fמ״ג\u200e then \u202bمرحبا\u202c end",
    "combining marks": "Cafe\u0301 nai\u0308ve Z\u0324\u0354\u0367\u0311a\u0300\u0301\u0302",
    "joiners inside words": "\u0915\u094d\u200d\u0937 and \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 and co\u200dop",
    "CJK and others": "医疗保健社区 · 의료 커뮤니티 · Здоровье · Ελληνικά",
}


@pytest.mark.parametrize("text", list(UNICODE.values()), ids=list(UNICODE))
def test_any_unicode_round_trips_through_the_api_and_the_page(client, token, text):
    thread = made(api_thread(client, token, title=text, body=text))
    assert thread["title"] == text
    assert thread["body_html"] == f"<p>{text}</p>"
    again = client.get(f"/api/v1/threads/{thread['id']}").json()
    assert again["title"] == text and again["body_html"] == f"<p>{text}</p>"
    comment = made(api_comment(client, token, thread["id"], text))
    assert comment["body_html"] == f"<p>{text}</p>"
    html = client.get(f"/t/{thread['id']}").text
    assert f"<h1>{text}</h1>" in html
    assert html.count(f"<p>{text}</p>") == 2
    assert text in client.get("/b/arm").text
    assert text in client.get("/u/bo").text


@pytest.mark.parametrize("text", list(UNICODE.values()), ids=list(UNICODE))
def test_any_unicode_round_trips_through_the_forms(member, text):
    thread_id, url = page_thread(member, text, body=text)
    post_comment(member, thread_id, text)
    html = member.get(url).text
    assert f"<h1>{text}</h1>" in html
    assert html.count(f"<p>{text}</p>") == 2
    api = member.get(f"/api/v1/threads/{thread_id}").json()
    assert api["title"] == text
    comments = member.get(f"/api/v1/threads/{thread_id}/comments").json()["comments"]
    assert comments[0]["body_html"] == f"<p>{text}</p>"


def test_decomposed_characters_are_not_normalised(client, token):
    decomposed = "Cafe\u0301"
    thread = made(api_thread(client, token, title=decomposed, body=decomposed))
    assert thread["title"] == decomposed != "Caf\u00e9"


# Control characters


def test_control_characters_are_stripped_from_titles(client, token):
    thread = made(api_thread(client, token, title="Clinic\x00 \x07news\x1b\x7f\x85\x9f today\x08"))
    assert thread["title"] == "Clinic news today"
    assert not CONTROL.search(client.get(f"/t/{thread['id']}").text)


def test_control_characters_are_stripped_from_bodies_but_newlines_and_tabs_stay(client, token):
    body = "```\nname\tdose\x00\nalpha\x01\tbeta\x0b\x0c\x1f\x7f\x80\x9f\n```"
    thread = made(api_thread(client, token, body=body))
    assert thread["body_html"] == "<pre><code>name\tdose\nalpha\tbeta\n</code></pre>"
    comment = made(api_comment(client, token, thread["id"], body))
    assert comment["body_html"] == "<pre><code>name\tdose\nalpha\tbeta\n</code></pre>"
    page = client.get(f"/t/{thread['id']}").text
    assert page.count("<pre><code>name\tdose\nalpha\tbeta\n</code></pre>") == 2
    assert not CONTROL.search(page)


def test_carriage_returns_become_newlines(client, token):
    thread = made(api_thread(client, token, body="one\r\ntwo\rthree"))
    assert thread["body_html"] == "<p>one\ntwo\nthree</p>"


def test_control_characters_are_stripped_from_comments_posted_on_the_page(member):
    thread_id, url = page_thread(member, "Form controls")
    comment_id = post_comment(member, thread_id, "tidy\x00\x1b text\x07\nnext\tline")
    comments = member.get(f"/api/v1/threads/{thread_id}/comments").json()["comments"]
    assert [c["id"] for c in comments] == [comment_id]
    assert comments[0]["body_html"] == "<p>tidy text\nnext\tline</p>"
    assert not CONTROL.search(member.get(url).text)
