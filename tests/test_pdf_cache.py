"""The agenda's PDF is laid out once per distinct document (web/pdf.py's cache)."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("weasyprint")

from kompetenceplan.web import pdf


class _CountingHTML:
    """Stands in for weasyprint.HTML: counts the layouts and returns the document's text as bytes."""

    made: list[str] = []

    def __init__(self, *, string: str, **_: Any) -> None:
        self.string = string

    def write_pdf(self) -> bytes:
        _CountingHTML.made.append(self.string)
        return b"%PDF " + self.string.encode()


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    import weasyprint

    monkeypatch.setattr(weasyprint, "HTML", _CountingHTML)
    monkeypatch.setattr(pdf, "_cache", type(pdf._cache)())
    _CountingHTML.made = []
    return _CountingHTML.made


def test_the_same_document_is_laid_out_once_and_another_again(counting: list[str]) -> None:
    first = pdf.render_pdf("<p>Dagsorden 1</p>")
    assert pdf.render_pdf("<p>Dagsorden 1</p>") == first
    assert counting == ["<p>Dagsorden 1</p>"]
    assert pdf.render_pdf("<p>Dagsorden 2</p>") != first
    assert len(counting) == 2


def test_the_cache_keeps_the_most_recently_used_and_no_more(counting: list[str]) -> None:
    for n in range(pdf.CACHE_SIZE + 1):
        pdf.render_pdf(f"<p>{n}</p>")
    assert len(pdf._cache) == pdf.CACHE_SIZE
    pdf.render_pdf(f"<p>{pdf.CACHE_SIZE}</p>")  # the newest: kept
    pdf.render_pdf("<p>0</p>")  # the oldest: gone, laid out again
    assert counting.count("<p>0</p>") == 2
    assert counting.count(f"<p>{pdf.CACHE_SIZE}</p>") == 1
