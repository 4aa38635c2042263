"""The agenda and the minutes as PDF: the same template and print stylesheet as the printable
pages, laid out by WeasyPrint (HTML/CSS to PDF over Pango). Nothing is fetched while rendering:
the stylesheet is put into the document, and every other address is refused."""

from __future__ import annotations

import threading
from collections import OrderedDict
from hashlib import sha256
from pathlib import Path
from typing import Any

STATIC = Path(__file__).with_name("static")
#: PDFs kept by the SHA-256 of their HTML. Every member opens the same agenda, and WeasyPrint
#: takes about a second of CPU per document (issue 29's benchmark): the same HTML is the same
#: PDF, so a kept one is exact. Bounded; the least recently used goes first.
CACHE_SIZE = 32
_cache: OrderedDict[str, bytes] = OrderedDict()
_lock = threading.Lock()


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError("the PDF fetches nothing")  # WeasyPrint then leaves the resource out


def render_pdf(html: str) -> bytes:
    """``html`` (a whole document) as PDF bytes; laid out once per distinct document."""
    key = sha256(html.encode("utf-8")).hexdigest()
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    from weasyprint import HTML

    document: bytes = HTML(string=html, base_url=str(STATIC), url_fetcher=_no_fetch).write_pdf()
    with _lock:
        _cache[key] = document
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return document


def stylesheet() -> str:
    """The pages' own CSS, put into the PDF's document (its print rules apply)."""
    return (STATIC / "app.css").read_text(encoding="utf-8")
