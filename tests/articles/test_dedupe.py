"""When two imports are the same article: one normalised URL, or one text.

The positive cases use the real scrape of the Mayo Clinic post, which holds the
post twice: the page itself, and a feed copy with "•" bullets, an author line,
a slug and a "Leer más" tail."""

from __future__ import annotations

import random
import re
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from forum.articles.dedupe import (
    MIN_SHINGLES,
    NEAR_DUPLICATE,
    containment,
    fingerprint,
    is_near_duplicate,
    normalise_text,
    normalise_url,
    sample,
    shingles,
)

# tests/articles/ -> tests/ -> the repository -> its parent, which holds shared/.
SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "mayo-center-for-social-media.txt"


def _mayo_copies() -> tuple[str, str]:
    """The page as scraped (title first) and the feed copy that follows "Anuncios"."""
    page, feed = SEED.read_text(encoding="utf-8").split("Anuncios")
    return page.strip(), feed.strip()


def _words(text: str, count: int) -> str:
    return " ".join(text.split()[:count])


# URLs ----------------------------------------------------------------------


def test_tracking_parameters_fragment_and_default_port_are_dropped() -> None:
    url = (
        "https://example.org:443/blog/post?utm_source=feed&utm_medium=rss&UTM_Campaign=x"
        "&fbclid=abc&gclid=1&dclid=2&msclkid=3&mc_cid=4&mc_eid=5&igshid=6&yclid=7&_ga=8"
        "&ref=hn&ref_src=twsrc&share=1&amp=1&id=42#comments"
    )
    assert normalise_url(url) == "https://example.org/blog/post?id=42"
    assert normalise_url("http://example.org:80/a") == "https://example.org/a"
    assert normalise_url("https://example.org:8443/a") == "https://example.org:8443/a"


def test_http_and_https_with_or_without_www_are_one_address() -> None:
    addresses = {
        normalise_url(url)
        for url in (
            "http://www.Example.org/blog/post/",
            "https://example.org/blog/post",
            "HTTPS://WWW.EXAMPLE.ORG/blog/post#top",
            "  https://example.org./blog//post/index.html  ",
        )
    }
    assert addresses == {"https://example.org/blog/post"}


def test_remaining_query_parameters_are_sorted_by_name() -> None:
    assert normalise_url("https://example.org/?b=2&a=1&c=3") == "https://example.org/?a=1&b=2&c=3"
    # Repeated names keep their order: some sites read them as a list.
    assert normalise_url("https://example.org/?tag=z&a=1&tag=b") == "https://example.org/?a=1&tag=z&tag=b"
    assert normalise_url("https://example.org/?utm_source=x") == "https://example.org/"


def test_the_path_loses_trailing_and_doubled_slashes_and_index_pages_but_the_root_stays() -> None:
    assert normalise_url("https://example.org") == "https://example.org/"
    assert normalise_url("https://example.org/") == "https://example.org/"
    assert normalise_url("https://example.org//blog///2024/") == "https://example.org/blog/2024"
    assert normalise_url("https://example.org/blog/index.html") == "https://example.org/blog"
    assert normalise_url("https://example.org/index.php") == "https://example.org/"
    assert normalise_url("https://example.org/a/./b/../c") == "https://example.org/a/c"


def test_percent_encoding_is_normalised() -> None:
    # Unreserved characters are decoded, other escapes upper-cased, and raw
    # characters that may not appear in a URL escaped as UTF-8.
    assert normalise_url("https://example.org/%7euser/%41bc") == "https://example.org/~user/Abc"
    assert normalise_url("https://example.org/caf%c3%a9") == "https://example.org/caf%C3%A9"
    assert normalise_url("https://example.org/café") == "https://example.org/caf%C3%A9"
    assert normalise_url("https://example.org/a%2fb") == "https://example.org/a%2Fb"
    assert normalise_url("https://example.org/?q=a b") == "https://example.org/?q=a%20b"
    assert normalise_url("https://example.org/100%") == "https://example.org/100%25"


def test_an_international_host_is_stored_as_punycode() -> None:
    assert normalise_url("https://Bücher.example/neu") == "https://xn--bcher-kva.example/neu"
    assert normalise_url("https://www.xn--bcher-kva.example/neu") == "https://xn--bcher-kva.example/neu"


@pytest.mark.parametrize(
    "url",
    [
        "",
        "example.org/post",
        "//example.org/post",
        "ftp://example.org/file",
        "mailto:editor@example.org",
        "javascript:alert(1)",
        "http://",
        "https:///path",
        "http://[::1",
        "http://example.org:99999/",
        "http://example.org:port/",
        "http://exa mple.org/",
        "http://exa<mple.org/",
    ],
)
def test_anything_but_an_http_address_with_a_host_is_refused(url: str) -> None:
    assert normalise_url(url) is None


def test_an_address_longer_than_2048_characters_is_refused() -> None:
    base = "https://example.org/"
    assert normalise_url(base + "a" * (2048 - len(base))) is not None
    assert normalise_url(base + "a" * (2049 - len(base))) is None


_TRICKY = [
    "HTTP://WWW.Example.COM:80/a//b/./c/../index.html?utm_source=x&b=2&a=1&fbclid=z#frag",
    "https://Bücher.example/caf%c3%a9/%7Euser/%41?q=a b&Z=%7e",
    "http://[2001:DB8::1]:443/x/",
    "https://www.www.example.org/%zz/%2e%2E/x/",
    "http://user:secret@Example.org:8080/A/index.htm/",
    "https://example.org/?amp&ref=foo&Utm_Medium=a&=empty&flag",
    "https://example.org/a;b=c/d?e=f+g&e=a",
]


@pytest.mark.parametrize("url", _TRICKY)
def test_normalising_a_normalised_url_changes_nothing(url: str) -> None:
    once = normalise_url(url)
    assert once is not None
    assert normalise_url(once) == once


def test_normalising_twice_changes_nothing_for_a_thousand_generated_urls() -> None:
    rng = random.Random(20241124)
    schemes = ["http", "https", "HTTP", "HtTpS", "ftp"]
    hosts = [
        "example.org", "WWW.Example.org", "www.www.example.org", "bücher.example", "example.org.",
        "[::1]", "127.0.0.1", "xn--bcher-kva.example", "www.org", "exa%41mple.org",
    ]
    ports = ["", ":80", ":443", ":8080", ":0"]
    segments = [
        "", ".", "..", "a", "B", "%7e", "%2f", "%zz", "café", "index.html", "Index.PHP", "a b", "%41", "~x",
    ]
    params = ["utm_source=x", "b=2", "a=%7e", "ref=x", "c", "=d", "", "e=f+g", "A=1", "q=caf%c3%a9", "x=%"]
    for _ in range(1000):
        path = "/".join(rng.choice(segments) for _ in range(rng.randint(0, 5)))
        query = "&".join(rng.choice(params) for _ in range(rng.randint(0, 4)))
        url = f"{rng.choice(schemes)}://{rng.choice(hosts)}{rng.choice(ports)}/{path}"
        url += f"?{query}" if query or rng.random() < 0.2 else ""
        url += "#frag" if rng.random() < 0.3 else ""
        once = normalise_url(url)
        assert once is None or normalise_url(once) == once, url


# Text ----------------------------------------------------------------------


def test_bullets_quotes_dashes_and_line_breaks_do_not_change_the_normalised_text() -> None:
    variants = [
        "• Educate through a “structured” and centralized on-demand curriculum – specific to their needs.",
        "* Educate through a \"structured\" and centralized on demand curriculum - specific to their needs",
        "- Educate through a 'structured'\nand centralized\non—demand curriculum — specific to\ntheir needs…",
        "  · EDUCATE through a ‘structured’ and centralized on‑demand curriculum, specific to their needs!",
    ]
    expected = "educate through a structured and centralized on demand curriculum specific to their needs"
    assert {normalise_text(v) for v in variants} == {expected}


def test_the_normalised_text_keeps_digits_and_folds_compatibility_characters() -> None:
    assert normalise_text("Mayo Clinic’s CEO, 2007 [Northouse]") == "mayo clinics ceo 2007 northouse"
    assert normalise_text("Mayo Clinic's") == normalise_text("Mayo Clinic’s")
    # NFKC: a ligature and full-width digits become plain letters and digits.
    assert normalise_text("ﬁrst ２０２４ Straße") == "first 2024 strasse"


def test_shingles_are_signed_64_bit_and_the_same_in_another_process() -> None:
    page, _ = _mayo_copies()
    hashes = shingles(page)
    assert len(hashes) > 300
    assert all(-(2**63) <= h < 2**63 for h in hashes)
    assert any(h < 0 for h in hashes)
    # Another interpreter with another str hash seed gives the same hashes.
    script = (
        "import sys; from forum.articles.dedupe import shingles; "
        "print(sorted(shingles(sys.stdin.read())))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        input=page,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert result.stdout.strip() == str(sorted(hashes))


def test_a_text_of_five_words_or_fewer_is_one_shingle_and_an_empty_text_none() -> None:
    assert len(shingles("Social media in health care")) == 1
    assert len(shingles("Social media")) == 1
    assert len(shingles("Social media in health care today")) == 2
    assert shingles("") == set()
    assert shingles(" • — … ") == set()


def test_an_excerpts_sample_is_a_subset_of_the_full_texts_sample() -> None:
    page, _ = _mayo_copies()
    full = sample(shingles(page))
    excerpt = sample(shingles(_words(page, 80)))
    assert excerpt and excerpt <= full
    assert all(h % 4 == 0 for h in full)
    # About one hash in four is kept.
    assert 0.15 < len(full) / len(shingles(page)) < 0.35


def test_containment_is_the_share_of_the_smaller_set_found_in_the_larger() -> None:
    assert containment({1, 2, 3, 4}, {2, 3, 4, 5, 6, 7}) == 0.75
    assert containment(set(), {1, 2}) == 0.0
    assert containment({1}, set()) == 0.0


# The same article ----------------------------------------------------------


def test_the_two_scraped_copies_of_the_mayo_post_are_one_article() -> None:
    page, feed = _mayo_copies()
    assert "•" in feed and "Leer más" in feed and "by Chris Heydt" in feed
    assert is_near_duplicate(page, feed)
    assert is_near_duplicate(feed, page)


def test_a_feed_excerpt_of_the_first_80_words_is_the_same_article() -> None:
    page, feed = _mayo_copies()
    body = page.split("\n", 1)[1]  # an excerpt starts after the title
    excerpt = _words(body, 80) + " […]"
    assert containment(shingles(excerpt), shingles(page)) >= 0.95
    assert is_near_duplicate(excerpt, page)
    assert is_near_duplicate(page, excerpt)
    assert is_near_duplicate(excerpt, feed)
    # The shortest usual feed excerpt, cut mid-word, with a "Read more" tail.
    assert is_near_duplicate(_words(body, 55)[:-3] + "… Continue reading →", page)


def test_a_syndicated_copy_on_another_site_is_the_same_article() -> None:
    page, _ = _mayo_copies()
    body = page.split("\n", 1)[1]
    syndicated = (
        "Health Care Communicators Weekly\n\n"
        + body
        + "\n\nThis post first appeared on Chris Heydt's blog and is republished with permission. "
        "Share this: Twitter, Facebook, LinkedIn. Related posts: Ten tips for hospital Twitter accounts."
    )
    assert is_near_duplicate(syndicated, page)


def test_the_same_post_with_other_bullets_is_the_same_article() -> None:
    page, _ = _mayo_copies()
    markdown = page.replace("* ", "- ")
    numbered = re.sub(r"^\* ", "1. ", page, flags=re.MULTILINE)
    dotted = page.replace("* ", "  · ")
    for variant in (markdown, numbered, dotted):
        assert variant != page
        assert is_near_duplicate(variant, page)


def test_curly_or_straight_quotes_and_other_line_wrapping_are_the_same_article() -> None:
    page, _ = _mayo_copies()
    straight = page.replace("“", '"').replace("”", '"').replace("’", "'").replace("–", "-")
    rewrapped = "\n".join(textwrap.wrap(straight, width=60))
    assert is_near_duplicate(rewrapped, page)
    # Nothing but marks changed, so the fingerprint is the same too.
    assert fingerprint(rewrapped) == fingerprint(page)


# Different articles --------------------------------------------------------

_TWEETCHAT_POST = """Social media in health care is here to stay, and patients expect to find us there.
That is why our hospital is starting a monthly tweetchat for nurses: one hour, one topic,
and a moderator who keeps the conversation on track. The first chat, on discharge
instructions, drew forty participants and more questions than we could answer. Next month
we will talk about night shifts and fatigue. Follow the hashtag and bring a colleague."""

_POLICY_POST = """Social media in health care is here to stay, and patients expect to find us there.
But most small clinics have no written policy for it, and staff are left to guess what they
may post. We wrote a two-page policy that covers patient privacy, who may speak for the
clinic, how to answer a complaint in public, and when to take a conversation offline. It
took three drafts and a lawyer's review; you may copy it and adapt it to your own clinic."""


def test_two_short_posts_on_the_same_topic_sharing_a_sentence_are_different_articles() -> None:
    assert containment(shingles(_TWEETCHAT_POST), shingles(_POLICY_POST)) < 0.25
    assert not is_near_duplicate(_TWEETCHAT_POST, _POLICY_POST)


def test_a_post_and_its_much_shorter_reply_are_different_articles() -> None:
    page, _ = _mayo_copies()
    reply = (
        "Great post. You write that resources are often one of the main reasons that "
        "organizations like health care facilities shy away from social media, and that matches "
        "what we see in rural hospitals: nobody has the hours to run an account, let alone "
        "measure it. A shared toolkit from Mayo would help us more than another conference."
    )
    assert not is_near_duplicate(reply, page)
    assert not is_near_duplicate(page, reply)


def test_two_tiny_texts_sharing_a_phrase_are_one_article_only_when_their_words_are_equal() -> None:
    tiny = "Social media in health care"
    assert len(shingles("Social media in health care: a primer for nurses")) < MIN_SHINGLES
    assert not is_near_duplicate(tiny, "Social media in health care: a primer for nurses")
    assert is_near_duplicate(tiny, "SOCIAL MEDIA — in health-care!")


def test_empty_texts_are_not_duplicates_of_anything() -> None:
    assert not is_near_duplicate("", "")
    assert not is_near_duplicate(" • ", "")
    page, _ = _mayo_copies()
    assert not is_near_duplicate("", page)


def test_the_threshold_separates_copies_from_related_posts_with_room_on_both_sides() -> None:
    page, feed = _mayo_copies()
    copy = containment(*sorted((shingles(page), shingles(feed)), key=len))
    related = containment(shingles(_TWEETCHAT_POST), shingles(_POLICY_POST))
    assert related + 0.3 < NEAR_DUPLICATE < copy - 0.3


# Fingerprint and speed -----------------------------------------------------


def test_exact_copies_share_a_fingerprint_of_16_hex_digits_and_other_posts_do_not() -> None:
    page, feed = _mayo_copies()
    value = fingerprint(page)
    assert re.fullmatch(r"[0-9a-f]{16}", value)
    assert fingerprint(page) == value
    assert fingerprint(_TWEETCHAT_POST) != value
    assert fingerprint("") == "0" * 16
    # A close copy differs in few of the 64 bits; an unrelated post in many.
    close = bin(int(value, 16) ^ int(fingerprint(feed), 16)).count("1")
    far = bin(int(value, 16) ^ int(fingerprint(_POLICY_POST), 16)).count("1")
    assert close < far


def test_shingling_a_thousand_word_text_takes_about_a_millisecond() -> None:
    rng = random.Random(7)
    vocabulary = normalise_text(SEED.read_text(encoding="utf-8")).split()
    text = " ".join(rng.choice(vocabulary) for _ in range(1000))
    shingles(text)
    best = min(_timed(lambda: shingles(text)) for _ in range(20))
    # Measured at about 0.6 ms; the bound only catches a slower algorithm,
    # not a busy test machine.
    assert best < 0.01


def _timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start
