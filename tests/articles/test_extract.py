"""Reading article sources: text, Markdown, HTML pages and feeds, as a user
importing them would see the result."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from forum.articles.drafts import Draft, SourceError
from forum.articles.extract import (
    clean_article_text,
    decode,
    parse_feed,
    parse_html,
    parse_source,
    parse_text,
)

SAMPLES = Path(__file__).resolve().parent / "samples"
# The shared folder sits beside the repository checkout, wherever that is.
SEEDS = (Path(__file__).resolve().parents[2] / ".." / "shared" / "seeds").resolve()

MAYO_TITLE = "The Value of a Leader: Mayo Clinic’s New Center for Social Media"
PILLARS = ("Showcase", "Harness", "Arm", "Rally", "Educate")
PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"


def sample(name: str, *, url: str | None = None, content_type: str | None = None) -> list[Draft]:
    parsed = parse_source((SAMPLES / name).read_bytes(), name=name, url=url, content_type=content_type)
    return parsed.drafts


def mayo_scrape() -> Draft:
    path = SEEDS / "mayo-center-for-social-media.txt"
    parsed = parse_source(path.read_bytes(), name=path.name)
    assert parsed.kind == "text"
    assert len(parsed.drafts) == 1
    return parsed.drafts[0]


def items(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.startswith("- ")]


def paragraphs(text: str) -> list[str]:
    return [block for block in text.split("\n\n") if not block.startswith("- ")]


def assert_each_pillar_once(text: str) -> None:
    listed = items(text)
    assert [item.split()[1] for item in listed] == list(PILLARS)
    for pillar in PILLARS:
        assert sum(line.startswith(f"- {pillar} ") for line in text.split("\n")) == 1
    assert not any(mark in text for mark in ("•", "* ", "◦"))


# -- the seed article ------------------------------------------------------


def test_the_mayo_scrape_gives_one_article_with_each_pillar_once() -> None:
    draft = mayo_scrape()

    assert draft.title == MAYO_TITLE
    assert draft.author == "Chris Heydt"
    assert_each_pillar_once(draft.text)
    assert draft.url is None
    assert draft.remote is False


def test_the_mayo_scrape_keeps_every_paragraph_once_and_drops_the_furniture() -> None:
    text = mayo_scrape().text

    assert len(paragraphs(text)) == 4
    assert len(set(paragraphs(text))) == 4
    assert text.startswith("This week, the Mayo Clinic announced")
    assert text.count("This week, the Mayo Clinic announced") == 1
    assert text.count("The ways that I see the Mayo Clinic can best do this is S.H.A.R.E.") == 1
    assert "[Northouse, 2007]" in text
    for furniture in ("Anuncios", "Leer más", "take-me-to-your-leader", "by Chris Heydt", MAYO_TITLE):
        assert furniture not in text
    assert "\n\n\n" not in text


# -- text and Markdown -----------------------------------------------------


def test_a_markdown_file_gives_its_heading_author_and_lists() -> None:
    (draft,) = sample("leadership-notes.md")

    assert draft.title == "Leading on social media: notes from the panel"
    assert draft.author == "Dana Whitfield"
    assert draft.text.startswith("The panel agreed on one thing: leadership means **showing the work**.")
    assert "**What leaders do**" in draft.text
    assert items(draft.text) == [
        "- Publish results, including the failures.",
        "- Share templates that smaller clinics can reuse.",
        "- Convene practitioners regularly.",
    ]
    assert "1. Start with one channel.\n2. Measure before expanding." in draft.text
    for furniture in ("Share this", "IMG_2041.jpg", "Related", "by Dana", "#"):
        assert furniture not in draft.text


def test_markdown_front_matter_gives_title_author_and_date() -> None:
    text = "---\ntitle: \"Harnessing influence\"\nauthor: Sam Okafor\ndate: 2010-08-01\n---\n\nA leader can cast a wide influence.\n"

    draft = parse_text(text, markdown=True)

    assert (draft.title, draft.author) == ("Harnessing influence", "Sam Okafor")
    assert draft.published_at == datetime(2010, 8, 1, tzinfo=UTC)
    assert draft.text == "A leader can cast a wide influence."


def test_a_windows_1252_file_reads_with_its_accents() -> None:
    (draft,) = sample("windows-1252.txt")

    assert draft.title == "Notas de la sesión de enfoque"
    assert "la comunicación con los pacientes" in draft.text
    assert items(draft.text) == ["- Café con los médicos cada miércoles", "- Reuniones más cortas y con menos diapositivas"]
    assert "Publicités" not in draft.text


def test_a_file_with_only_a_title_has_no_article_text() -> None:
    with pytest.raises(SourceError, match="^no article text$"):
        parse_source(b"# Just a title\n\n", name="title-only.md")
    with pytest.raises(SourceError, match="^no article text$"):
        parse_source("A title\n\nAnuncios\n\nby Chris Heydt\n".encode(), name="title-only.txt")


def test_a_long_first_line_is_cut_to_a_title_at_a_word_boundary_and_kept_as_text() -> None:
    first = "Practitioners " + "share what works with their peers " * 10
    draft = parse_text(first + "\n\nA second paragraph.")

    assert draft.title.endswith("…")
    assert len(draft.title) <= 80
    assert first.startswith(draft.title[:-1])
    assert draft.text.startswith("Practitioners share what works")


def test_a_title_longer_than_two_hundred_characters_is_cut_with_an_ellipsis() -> None:
    heading = "# " + " ".join(["convening"] * 40)

    draft = parse_text(heading + "\n\nThe text.", markdown=True)

    assert len(draft.title) <= 200
    assert draft.title.endswith("convening…")


def test_a_text_fetched_from_a_url_is_remote_and_links_there() -> None:
    draft = parse_source(b"Title\n\nSome words.", name="notes.txt", url="https://blog.example/notes.txt").drafts[0]

    assert (draft.url, draft.remote) == ("https://blog.example/notes.txt", True)


@pytest.mark.parametrize("line", ["by Chris Heydt", "By: Chris Heydt", "Posted by Chris Heydt", "*By Ana de la Cruz, MD*"])
def test_an_author_line_gives_the_author_and_leaves_the_text(line: str) -> None:
    draft = parse_text(f"A title\n\n{line}\n\nThe words of the post.")

    assert draft.author in ("Chris Heydt", "Ana de la Cruz, MD")
    assert draft.text == "The words of the post."


@pytest.mark.parametrize("line", ["By Monday the centre will open.", "by the way", "Written by hand"])
def test_a_sentence_starting_with_by_is_not_an_author(line: str) -> None:
    draft = parse_text(f"A title\n\n{line}")

    assert draft.author is None
    assert draft.text == line


# -- cleaning --------------------------------------------------------------


@pytest.mark.parametrize(
    "furniture",
    [
        "Anuncios", "Advertisements", "Publicités", "Anzeige", "Share this:", "Compartir:", "Like this:",
        "Me gusta:", "Related", "Relacionado", "Read more", "Leer más", "Continue reading →",
        "Click to share on Twitter (Opens in new window)", "Loading...", "Cargando…", "Like Loading...",
        "Posted in Health care, Social media", "Tagged leadership, Mayo Clinic", "Leave a comment",
        "## Related", "**Share this:**", "• Facebook", "The post Rally appeared first on Health Comms Blog.",
    ],
)
def test_blog_furniture_lines_are_removed(furniture: str) -> None:
    text = f"The first paragraph stays.\n\n{furniture}\n\nThe last paragraph stays too."

    assert clean_article_text(text) == "The first paragraph stays.\n\nThe last paragraph stays too."


@pytest.mark.parametrize(
    "tail",
    [
        " Leer más “The Value of a Leader”",
        " Read more “Rally the community”",
        " Continue reading “Arming small clinics” →",
        " […]",
        " [...]",
        " Read more",
    ],
)
def test_a_read_more_tail_is_removed_and_its_paragraph_kept(tail: str) -> None:
    assert clean_article_text(f"Facilities would not have access otherwise.{tail}") == (
        "Facilities would not have access otherwise."
    )


def test_words_like_read_more_inside_a_sentence_stay() -> None:
    text = "Practitioners who read more research post with more confidence."

    assert clean_article_text(text) == text


@pytest.mark.parametrize("bullet", ["*", "-", "•", "·", "◦", "‣", "–", "+"])
def test_every_bullet_character_becomes_a_dash_item(bullet: str) -> None:
    text = f"Two points:\n\n{bullet} Showcase the work.\n  {bullet} Harness the position."

    assert clean_article_text(text) == "Two points:\n\n- Showcase the work.\n- Harness the position."


def test_a_repeated_paragraph_or_item_is_kept_once_whatever_its_spacing_bullets_or_quotes() -> None:
    text = (
        "He said “lead the community” and meant it.\n\n"
        "* Arm others with resources.\n\n"
        "He said \"lead   the community\"\nand meant it.\n\n"
        "• Arm others with resources.\n\n"
        "Arm others with resources. Leer más “Post”"
    )

    assert clean_article_text(text) == "He said “lead the community” and meant it.\n\n- Arm others with resources."


def test_a_copy_cut_short_by_an_excerpt_is_dropped() -> None:
    full = "This week, the Mayo Clinic announced the launch of its very own Center for Social Media."
    text = f"{full}\n\nThis week, the Mayo Clinic announced the launch of its very own […]"

    assert clean_article_text(text) == full


def test_slug_and_file_name_lines_are_dropped_but_hyphenated_words_stay() -> None:
    text = "take-me-to-your-leader\n\nIMG_1234.jpg\n\nphoto.png\n\nCOVID-19\n\nFollow-up\n\nA real paragraph."

    assert clean_article_text(text) == "COVID-19\n\nFollow-up\n\nA real paragraph."


def test_code_blocks_in_markdown_are_kept_as_written() -> None:
    text = "Run this:\n\n```\n- not a list\n- not a list\n```"

    assert clean_article_text(text) == text


# -- bytes to text ---------------------------------------------------------


def test_decode_honours_a_byte_order_mark() -> None:
    assert decode("Café".encode("utf-16")) == "Café"
    assert decode("Café".encode("utf-32")) == "Café"
    assert decode(b"\xef\xbb\xbfCaf\xc3\xa9") == "Café"


def test_decode_honours_a_declared_charset_that_fits_and_ignores_one_that_does_not() -> None:
    assert decode("Café".encode("latin-1"), "iso-8859-1") == "Café"
    assert decode("Café".encode(), "no-such-charset") == "Café"
    assert decode("Café".encode(), "ascii") == "Café"


@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n", "  \n".encode("utf-16")])
def test_an_empty_source_is_refused(data: bytes) -> None:
    with pytest.raises(SourceError, match="^empty$"):
        parse_source(data, name="empty.txt")


def test_a_binary_file_is_refused() -> None:
    noise = random.Random(7)
    png = PNG_HEADER + bytes(noise.randrange(256) for _ in range(2000))
    random_bytes = bytes(noise.randrange(256) for _ in range(4000))
    random_without_nul = bytes(noise.randrange(1, 256) for _ in range(4000))

    for data, name in ((png, "photo.png"), (png, "notes.txt"), (random_bytes, "x.md"), (random_without_nul, "x.txt")):
        with pytest.raises(SourceError, match="^binary file, not text$"):
            parse_source(data, name=name)


# -- HTML pages ------------------------------------------------------------


def test_an_html_page_gives_its_article_without_navigation_sidebar_or_footer() -> None:
    (draft,) = sample("article.html", url="https://healthcommsblog.example/?p=42", content_type="text/html; charset=utf-8")

    assert draft.title == "Five ways a hospital can lead on social media"
    assert draft.author == "Dana Whitfield"
    assert draft.published_at == datetime(2010, 7, 29, 12, 30, tzinfo=UTC)
    assert draft.url == "https://healthcommsblog.example/2010/07/five-ways-to-lead/"
    assert draft.remote is True
    assert draft.text.startswith("When a large hospital opens a centre for social media")
    assert items(draft.text) == [
        "- Publish what worked and what did not, with numbers.",
        "- Offer templates that smaller clinics can reuse.",
        "- Host open calls where practitioners compare notes.",
    ]
    assert "**Why it matters**" in draft.text
    for outside in ("Home", "Archives", "newsletter", "All rights reserved", "WordPress", "tracking pixel", "Share this", "<"):
        assert outside not in draft.text


def test_an_html_page_read_from_disk_is_not_remote() -> None:
    (draft,) = sample("article.html")

    assert draft.remote is False
    assert draft.title == "Five ways a hospital can lead on social media"


def test_an_html_page_without_an_article_is_refused() -> None:
    with pytest.raises(SourceError, match="^no article text found in the page$"):
        sample("no-article.html", url="https://healthcommsblog.example/login")


def test_an_html_page_in_windows_1252_is_read_by_its_meta_charset() -> None:
    page = (
        '<html><head><meta charset="windows-1252"><title>Café con los médicos</title></head><body><article>'
        "<p>Cada miércoles el equipo de enfermería toma café con los médicos para hablar de la comunicación.</p>"
        "</article></body></html>"
    ).encode("cp1252")

    (draft,) = parse_source(page, name="cafe.html").drafts

    assert draft.title == "Café con los médicos"
    assert "Cada miércoles el equipo de enfermería" in draft.text


def test_parse_html_takes_a_string() -> None:
    html = (SAMPLES / "article.html").read_text(encoding="utf-8")

    assert parse_html(html).title == "Five ways a hospital can lead on social media"


# -- feeds -----------------------------------------------------------------


def test_the_mayo_post_in_a_feed_is_the_same_clean_article() -> None:
    parsed = parse_source((SAMPLES / "mayo-feed.rss").read_bytes(), name="mayo-feed.rss")
    mayo = parsed.drafts[0]

    assert parsed.kind == "feed"
    assert mayo.title == MAYO_TITLE
    assert mayo.author == "Chris Heydt"
    assert mayo.url == "https://healthcommsblog.example/2010/07/29/take-me-to-your-leader/"
    assert mayo.published_at == datetime(2010, 7, 29, 12, 30, tzinfo=UTC)
    assert mayo.remote is True
    assert_each_pillar_once(mayo.text)
    assert mayo.text == mayo_scrape().text
    for furniture in ("Anuncios", "Leer más", "Compartir", "Twitter", "Me gusta", "Cargando", "ad-slot", "<"):
        assert furniture not in mayo.text


def test_a_feed_entry_with_no_text_and_no_link_is_skipped_with_its_reason() -> None:
    parsed = parse_source((SAMPLES / "mayo-feed.rss").read_bytes(), name="mayo-feed.rss")

    assert len(parsed.drafts) == 2
    assert [(skip.label, skip.reason) for skip in parsed.skipped] == [
        ("entry 3 “A placeholder with nothing in it”", "no text and no link")
    ]


def test_an_untitled_feed_entry_is_titled_from_its_first_words() -> None:
    note = sample("mayo-feed.rss")[1]

    assert note.title.startswith("Thanks to everyone who joined the first open call")
    assert note.title.endswith("…")
    assert note.text == "Thanks to everyone who joined the first open call on sharing templates between clinics."
    assert note.url == "https://healthcommsblog.example/2010/08/02/a-note-from-the-convening/"


def test_an_atom_feed_gives_plain_text_without_markup_or_script() -> None:
    arming, rally = sample("health-comms.atom")

    assert arming.title == "Arming small clinics & rural practices"
    assert arming.author == "Ana de la Cruz"
    assert arming.url == "https://practice.example/blog/2010/09/arming-small-clinics"
    assert arming.published_at == datetime(2010, 9, 1, 13, 15, tzinfo=UTC)
    assert arming.text == (
        "Small clinics rarely have a communications team, yet their patients are online every day.\n\n"
        "Three things help them most:\n\n"
        "1. A posting calendar they can copy.\n"
        "2. Consent forms written for social media.\n"
        "3. A colleague to call when a post goes wrong.\n\n"
        "We will publish all three next month."
    )
    assert rally.text == "Forty practitioners joined the first open call and compared notes on what their patients ask about online."
    assert rally.published_at == datetime(2010, 8, 20, 18, 0, tzinfo=UTC)
    for draft in (arming, rally):
        assert draft.remote is True
        assert "<" not in draft.text and "alert" not in draft.text and "color" not in draft.text


def test_an_rss_1_0_feed_is_read() -> None:
    (draft,) = sample("clinic-news.rdf")

    assert draft.title == "An on-demand curriculum for Educate"
    assert draft.author == "Sam Okafor"
    assert draft.url == "https://clinicnews.example/educate-curriculum"
    assert draft.published_at == datetime(2010, 10, 5, 10, 0, tzinfo=UTC)
    assert draft.text == "A structured curriculum lets every facility learn at its own pace, without waiting for a conference."


def test_relative_links_in_a_fetched_feed_resolve_against_its_address() -> None:
    feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        b"<item><title>One</title><link>posts/one</link><description>Some words.</description></item>"
        b"</channel></rss>"
    )

    (draft,) = parse_feed(feed, url="https://blog.example/feed/").drafts

    assert draft.url == "https://blog.example/feed/posts/one"
    assert draft.remote is True


def test_a_local_feed_entry_without_a_link_is_not_remote() -> None:
    feed = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><title>One</title><description>Some words.</description></item></channel></rss>'

    (draft,) = parse_feed(feed).drafts

    assert (draft.url, draft.remote) == (None, False)


def test_a_windows_1252_feed_is_read_by_its_xml_declaration() -> None:
    feed = (
        '<?xml version="1.0" encoding="windows-1252"?><rss version="2.0"><channel><title>T</title>'
        "<item><title>Café con los “médicos”</title><link>https://a.example/cafe</link>"
        "<description>Día de enfermería en la clínica.</description></item></channel></rss>"
    ).encode("cp1252")

    (draft,) = parse_source(feed, name="noticias.xml").drafts

    assert draft.title == "Café con los “médicos”"
    assert draft.text == "Día de enfermería en la clínica."


def test_malformed_xml_is_refused_with_the_parser_reason() -> None:
    with pytest.raises(SourceError, match=r"^malformed XML: mismatched tag \(line 6, column 2\)$"):
        sample("malformed.xml")


def test_a_feed_with_no_entries_is_refused() -> None:
    with pytest.raises(SourceError, match="^the feed has no entries$"):
        sample("empty-feed.rss")


def test_xml_that_is_not_a_feed_is_refused() -> None:
    with pytest.raises(SourceError, match="^not an RSS or Atom feed$"):
        parse_source(b'<?xml version="1.0"?><urlset><url><loc>https://a.example/</loc></url></urlset>', name="sitemap.xml")


def test_a_thousand_feed_entries_parse_in_well_under_two_seconds() -> None:
    entries = "".join(
        f"<item><title>Post {n}</title><link>/posts/{n}</link><dc:creator>Author {n}</dc:creator>"
        f"<pubDate>Mon, 01 Mar 2010 10:00:00 +0100</pubDate><content:encoded><![CDATA["
        f"<p>Paragraph one of post {n}, with <b>bold</b> words and a <a href='/x'>link</a>.</p>"
        f"<ul><li>First point</li><li>Second point</li></ul><script>track({n})</script>"
        f"<p>Second paragraph. Leer más “Post {n}”</p>]]></content:encoded></item>"
        for n in range(1000)
    )
    feed = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Busy</title>'
        f"{entries}</channel></rss>"
    ).encode()

    started = time.perf_counter()
    parsed = parse_source(feed, name="busy.xml", url="https://busy.example/feed")
    elapsed = time.perf_counter() - started

    assert len(parsed.drafts) == 1000
    assert parsed.drafts[999].text == "Paragraph one of post 999, with bold words and a link.\n\n- First point\n- Second point\n\nSecond paragraph."
    assert parsed.drafts[999].url == "https://busy.example/posts/999"
    assert elapsed < 2.0


# -- what a source is ------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "content_type", "kind"),
    [
        (b"Title\n\nWords of the post.", "post.txt", None, "text"),
        (b"# Title\n\nWords of the post.", "post.md", None, "markdown"),
        (b"# Title\n\nWords of the post.", "post.markdown", "text/plain", "markdown"),
        (b"# Title\n\nWords of the post.", "post", "text/markdown; charset=utf-8", "markdown"),
        (b"Title\n\nWords of the post.", "post", None, "text"),
        (b'<rss version="2.0"><channel><item><title>A</title><link>https://a.example/</link></item></channel></rss>', "feed", "application/rss+xml", "feed"),
        (b'<rss version="2.0"><channel><item><title>A</title><link>https://a.example/</link></item></channel></rss>', "feed", "text/plain", "feed"),
        (b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry><title>A</title><link href="https://a.example/"/></entry></feed>', "index.php", "text/html", "feed"),
        (b"<!DOCTYPE html><html><body><article><p>Practitioners trust peers more than vendors, and leaders show their work.</p></article></body></html>", "page.txt", None, "html"),
        (b"<p>Practitioners trust peers more than vendors, and leaders show their work in the open.</p>", "page.htm", None, "html"),
        (b"<p>Practitioners trust peers more than vendors, and leaders show their work in the open.</p>", "page", "text/html", "html"),
    ],
)
def test_the_kind_of_source_is_found_from_its_content_name_and_media_type(
    data: bytes, name: str, content_type: str | None, kind: str
) -> None:
    assert parse_source(data, name=name, content_type=content_type).kind == kind
