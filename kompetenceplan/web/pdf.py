"""The agenda and the minutes as PDF: the same template and print stylesheet as the printable
pages, laid out by WeasyPrint (HTML/CSS to PDF over Pango). Nothing is fetched while rendering:
the stylesheet is put into the document, and every other address is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

STATIC = Path(__file__).with_name("static")


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError("the PDF fetches nothing")  # WeasyPrint then leaves the resource out


def render_pdf(html: str) -> bytes:
    """``html`` (a whole document) as PDF bytes."""
    from weasyprint import HTML

    document: bytes = HTML(string=html, base_url=str(STATIC), url_fetcher=_no_fetch).write_pdf()
    return document


def stylesheet() -> str:
    """The pages' own CSS, put into the PDF's document (its print rules apply)."""
    return (STATIC / "app.css").read_text(encoding="utf-8")
