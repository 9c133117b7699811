"""Article bodies are Markdown written by editors; pages get sanitised HTML, search plain text."""

from __future__ import annotations

import html
import re

import markdown
import nh3

_ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "em",
    "h2",
    "h3",
    "h4",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"[ \t]+")


def render_markdown(text: str) -> str:
    raw = markdown.markdown(text, extensions=["tables", "sane_lists"], output_format="html")
    return nh3.clean(raw, tags=_ALLOWED_TAGS, link_rel="noopener noreferrer nofollow")


def plain_text(text: str) -> str:
    """The readable words of a Markdown body, one paragraph per line."""
    rendered = markdown.markdown(text, extensions=["tables"])
    rendered = re.sub(r"</(p|h\d|li|tr|pre|blockquote)>", "\n", rendered)
    rendered = re.sub(r"</t[dh]>", " ", rendered)
    lines = (
        _SPACE.sub(" ", html.unescape(_TAG.sub("", line))).strip() for line in rendered.splitlines()
    )
    return "\n".join(line for line in lines if line)
