"""Safe HTML for Telegram and splitting of long texts.

Everything in a text is HTML-escaped (slot values carry user data); formatting comes only
from a small Markdown subset converted here: **bold**, _italic_, `code`, [title](https://url).
The output is always well-formed, so Telegram never rejects it as unparsable.
"""

from __future__ import annotations

import html
import re
from typing import List

MAX_MESSAGE = 4096  # Telegram limit, in UTF-16 code units after entity parsing
MAX_CAPTION = 1024

_MARKUP = re.compile(
    r"\[(?P<ltext>[^\]\n]+)\]\((?P<url>https?://[^\s()]+)\)"
    r"|\*\*(?P<bold>[^\n]+?)\*\*"
    r"|`(?P<code>[^`\n]+)`"
    r"|(?<![\w/])_(?P<italic>[^_\n]+?)_(?![\w])"
)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def to_html(text: str) -> str:
    """Escape everything and turn the Markdown subset into Telegram HTML."""
    out: List[str] = []
    pos = 0
    for m in _MARKUP.finditer(text):
        out.append(html.escape(text[pos : m.start()], quote=False))
        if m.group("url"):
            url = html.escape(m.group("url"), quote=True)
            out.append(f'<a href="{url}">{html.escape(m.group("ltext"), quote=False)}</a>')
        elif m.group("bold") is not None:
            out.append(f"<b>{html.escape(m.group('bold'), quote=False)}</b>")
        elif m.group("code") is not None:
            out.append(f"<code>{html.escape(m.group('code'), quote=False)}</code>")
        else:
            out.append(f"<i>{html.escape(m.group('italic'), quote=False)}</i>")
        pos = m.end()
    out.append(html.escape(text[pos:], quote=False))
    return "".join(out)


def to_plain(text: str) -> str:
    """The same text without markup, for the fallback when Telegram rejects HTML."""

    def repl(m: re.Match) -> str:
        if m.group("url"):
            return f"{m.group('ltext')} ({m.group('url')})"
        return m.group("bold") or m.group("code") or m.group("italic") or ""

    return _MARKUP.sub(repl, text)


_SEPARATORS = ("\n\n", "\n", ". ", " ")


def split_text(text: str, limit: int = MAX_MESSAGE) -> List[str]:
    """Split into chunks of at most `limit` UTF-16 units, preferring paragraph boundaries.

    Markup only shrinks the visible length, so measuring the raw text is safe.
    """
    text = text.strip()
    if not text:
        return []
    if utf16_len(text) <= limit:
        return [text]
    return [c for c in (part.strip() for part in _split(text, limit, 0)) if c]


def _split(text: str, limit: int, level: int) -> List[str]:
    if utf16_len(text) <= limit:
        return [text]
    if level >= len(_SEPARATORS):
        return _hard_split(text, limit)
    sep = _SEPARATORS[level]
    pieces = text.split(sep)
    chunks: List[str] = []
    current = ""
    for i, piece in enumerate(pieces):
        # keep the sentence dot with its sentence
        if sep == ". " and i < len(pieces) - 1:
            piece += "."
        glue = "" if not current else (" " if sep == ". " else sep)
        candidate = current + glue + piece
        if utf16_len(candidate) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current)
        if utf16_len(piece) <= limit:
            current = piece
        else:
            parts = _split(piece, limit, level + 1)
            chunks.extend(parts[:-1])
            current = parts[-1]
    if current:
        chunks.append(current)
    return chunks


def _hard_split(text: str, limit: int) -> List[str]:
    chunks: List[str] = []
    current = ""
    for ch in text:  # code points, so surrogate pairs are never cut
        if utf16_len(current) + utf16_len(ch) > limit:
            chunks.append(current)
            current = ""
        current += ch
    if current:
        chunks.append(current)
    return chunks
