"""Values written into Markdown and HTML documents (agenda, minutes, reports) as plain text.

A value from the register — a meeting title, a case reference, a team, a reason, a plan's label —
is text, never markup: in Markdown a line break in it could start a new heading or item
(``## Punkt 9 … **bevilget**``) and markup characters could bold, link or pass raw HTML through;
in HTML every value is escaped. Documents are built only through these two functions.
"""

from __future__ import annotations

import html
import re

#: Line and paragraph breaks of every kind, and other control characters: one space each.
_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
#: What can start markup inside a line — emphasis, code, a link or image (``[`` … ``]``), raw HTML or
#: an entity, a table cell break, strikethrough — backslash-escaped (CommonMark escapes any ASCII
#: punctuation). Block markup (``#``, ``-``, ``1.``) needs a line start, which a value never gets.
_INLINE = re.compile(r"([\\`*_\[\]<>|~&])")


def one_line(value: object) -> str:
    """``value`` as text on one line (every break or control character becomes a space)."""
    return _BREAKS.sub(" ", str(value)).strip()


def md(value: object) -> str:
    """``value`` as plain Markdown text on one line: no heading, list, emphasis, link, table cell
    break or raw HTML can come from it."""
    return _INLINE.sub(r"\\\1", one_line(value))


def htm(value: object) -> str:
    """``value`` as HTML text (also safe in a quoted attribute)."""
    return html.escape(str(value), quote=True)
