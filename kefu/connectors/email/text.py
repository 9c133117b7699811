"""Turning a mail body into the message an agent reads: HTML sanitised and flattened to text,
the quoted history of earlier mails cut off (it is already on the ticket), signatures dropped.

Agents never see a customer's HTML: nh3 removes scripts, styles and every attribute but the few
that mark quoted blocks, and the result is flattened to plain text.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "tr", "table", "blockquote", "pre", "hr",
    "h1", "h2", "h3", "h4", "h5", "h6", "dl", "dt", "dd", "section", "article",
}  # fmt: skip
KEPT_TAGS = BLOCK_TAGS | {"a", "td", "th", "tbody", "thead", "span", "b", "i", "strong", "em"}
KEPT_ATTRIBUTES = {"div": {"class", "id"}, "blockquote": {"class", "type"}, "a": {"href"}}
DROPPED_CONTENT = {"script", "style", "title", "head"}
# Containers of quoted history, as the common clients write them.
QUOTE_CLASSES = ("gmail_quote", "yahoo_quoted", "moz-cite-prefix", "protonmail_quote")
QUOTE_IDS = ("divRplyFwdMsg", "appendonsend", "mail-editor-reference-message-container")


def html_to_text(html: str, *, keep_quotes: bool = False) -> str:
    """Safe plain text of an HTML body, without its quoted blocks (unless ``keep_quotes``)."""
    clean = nh3.clean(
        html,
        tags=KEPT_TAGS,
        attributes=KEPT_ATTRIBUTES,
        clean_content_tags=DROPPED_CONTENT,
        link_rel=None,
        url_schemes={"http", "https", "mailto"},
    )
    parser = _Flattener(keep_quotes)
    parser.feed(clean)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.out).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


class _Flattener(HTMLParser):
    def __init__(self, keep_quotes: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.keep_quotes = keep_quotes
        self.out: list[str] = []
        self.skip_depth = 0  # > 0 inside a quoted block
        self.stack: list[tuple[str, bool]] = []
        self.href: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" or tag == "hr":
            if not self.skip_depth:
                self.out.append("\n")
            return
        values = dict(attrs)
        quoted = not self.keep_quotes and (
            tag == "blockquote"
            or (
                tag == "div"
                and (
                    any(c in (values.get("class") or "") for c in QUOTE_CLASSES)
                    or (values.get("id") or "") in QUOTE_IDS
                )
            )
        )
        if quoted or self.skip_depth:
            self.skip_depth += 1
            self.stack.append((tag, True))
            return
        self.stack.append((tag, False))
        if tag in BLOCK_TAGS:
            self.out.append("\n")
        if tag == "li":
            self.out.append("- ")
        if tag in ("td", "th"):
            self.out.append(" ")
        if tag == "a":
            self.href.append(values.get("href"))

    def handle_endtag(self, tag: str) -> None:
        # Close up to the matching open tag; nh3 balanced the markup, so this is exact.
        while self.stack:
            open_tag, skipped = self.stack.pop()
            if skipped:
                self.skip_depth -= 1
            elif open_tag == "a" and self.href:
                href = self.href.pop()
                if href and href.startswith(("http://", "https://")):
                    self.out.append(f" <{href}>")
            elif open_tag in BLOCK_TAGS:
                self.out.append("\n")
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.out.append(data.replace("\n", " "))


_ATTRIBUTION_EN = re.compile(r"^on\b.{0,300}\bwrote:?$", re.IGNORECASE | re.DOTALL)
_ATTRIBUTION_ZH = re.compile(r"^(?:在|于).{0,300}(?:写道|寫道)\s*[:：]?$", re.DOTALL)
_ATTRIBUTION_START = re.compile(r"^(?:on\b|在|于)", re.IGNORECASE)
_SEPARATOR = re.compile(
    r"^(?:-{2,}\s*(?:original message|原始邮件|原始郵件|回复的邮件)\s*-{2,}|_{10,})$",
    re.IGNORECASE,
)
# A forward's quoted part is what the customer wants us to read (a suspicious mail, a receipt).
FORWARD = re.compile(r"^\s*(?:fwd?|转发|轉寄)\s*[:：]", re.IGNORECASE)
_FROM = re.compile(r"^\*?(?:from|发件人|寄件者)\s*\*?\s*[:：]", re.IGNORECASE)
_HEADER = re.compile(
    r"^\*?(?:sent|date|to|subject|cc|发送时间|时间|日期|收件人|主题|抄送|寄件日期|主旨)\s*\*?\s*[:：]",
    re.IGNORECASE,
)


def strip_quoted(text: str) -> str:
    """The new part of a reply: stops at the first attribution line ("On … wrote:",
    "在 … 写道："), an Outlook "Original Message" separator or "From:/Sent:" header block,
    drops "> " lines and the signature after "-- ". If nothing is left, the text was all quote
    (a forward, say) and is returned whole."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        if line in ("-- ", "--"):
            break
        if _SEPARATOR.match(stripped):
            break
        if _is_attribution(lines, index):
            break
        if _FROM.match(stripped) and _header_block_follows(lines, index):
            break
        if stripped.startswith(">"):
            continue
        kept.append(line.rstrip())
    result = "\n".join(kept).strip()
    return re.sub(r"\n{3,}", "\n\n", result) if result else text.strip()


def _is_attribution(lines: list[str], index: int) -> bool:
    line = lines[index].strip()
    if not line:
        return False
    # Clients wrap long attributions: try the line alone and joined with the next one.
    candidates = [line]
    following = lines[index + 1].strip() if index + 1 < len(lines) else ""
    if following and not _ATTRIBUTION_START.match(following):
        candidates.append(f"{line} {following}")
    return any(_ATTRIBUTION_EN.match(c) or _ATTRIBUTION_ZH.match(c) for c in candidates)


def _header_block_follows(lines: list[str], index: int) -> bool:
    following = [line.strip() for line in lines[index + 1 : index + 5] if line.strip()]
    return sum(1 for line in following if _HEADER.match(line)) >= 2
