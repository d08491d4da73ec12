"""Reading a source: a file on disk or an http(s) URL, into drafts."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from forum.articles.drafts import Draft, Parsed, SourceError
from forum.articles.extract import clean_article_text, parse_source, parse_text
from forum.articles.fetch import Fetcher

# A local file larger than this is not an article.
MAX_FILE_BYTES = 20 * 1024 * 1024


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def read_source(source: str, *, fetcher: Fetcher) -> Parsed:
    if is_url(source):
        fetched = fetcher.fetch(source)
        if fetched.status != 200:
            raise SourceError(f"the server answered HTTP {fetched.status}")
        name = urlsplit(fetched.url).path.rsplit("/", 1)[-1]
        return parse_source(fetched.content, name=name, content_type=fetched.content_type, url=fetched.url)
    if len(urlsplit(source).scheme) > 1 and not Path(source).exists():
        # ftp:, file:, javascript: and the like: not a file here, and not fetched.
        raise SourceError("only http and https URLs can be fetched")
    return parse_source(read_file(Path(source)), name=Path(source).name)


def read_file(path: Path) -> bytes:
    try:
        if path.is_dir():
            raise SourceError("is a folder, not a file")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise SourceError(f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
        return path.read_bytes()
    except FileNotFoundError:
        raise SourceError("no such file") from None
    except PermissionError:
        raise SourceError("permission denied") from None
    except OSError as exc:
        raise SourceError(f"could not be read: {exc.strerror or exc}") from None


def parse_pasted(text: str, *, title: str | None = None) -> Parsed:
    """Text pasted into the import form or sent to the API, as Markdown.
    With a title, all of the text is the article; without, the first heading
    or line is its title."""
    if title is not None and title.strip():
        body = clean_article_text(text)
        if not body.strip():
            raise SourceError("no article text")
        return Parsed(drafts=[Draft(title=" ".join(title.split()), text=body)], kind="text")
    return Parsed(drafts=[parse_text(text, markdown=True)], kind="markdown")
