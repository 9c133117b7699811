"""Greetings, thanks and goodbyes, answered the way a person at the desk would.

Chats open with "你好" or "在吗" and end with "谢谢" or "ok". Matched against the help center,
those found a random article ("ok" read as the OCO order) or "I did not understand", and saying
"thanks" twice counted as asking the same question again. Only a message made of nothing but
small talk is caught here: "hi, my deposit is missing" still goes on to matching. Patterns run
on the normalised message (lower case, simplified Chinese, half-width, emoji dropped).
"""

from __future__ import annotations

import re
from enum import StrEnum


class SmallTalk(StrEnum):
    GREETING = "greeting"
    THANKS = "thanks"
    GOODBYE = "goodbye"
    ACKNOWLEDGEMENT = "acknowledgement"
    BOT_QUESTION = "bot_question"


_PHRASES: dict[SmallTalk, tuple[str, ...]] = {
    SmallTalk.GREETING: (
        r"你好|您好|你们好|大家好|哈喽|哈啰|嗨|早上好|上午好|中午好|下午好|晚上好|早安|早",
        r"在吗|在不在|在么|有人吗|有人在吗|客服|亲|请问",
        r"hi|hello|hey|hiya|hallo|howdy|greetings|yo|good (morning|afternoon|evening|day)|morning",
        r"is anyone (there|here)|anyone there|are you there|hi there|hello there",
    ),
    SmallTalk.THANKS: (
        r"谢谢|多谢|感谢|谢啦|谢了|谢谢你|谢谢您|非常感谢|太感谢了|辛苦了|麻烦了",
        r"thanks|thank you|thank u|thx|ty|cheers|much appreciated|appreciate it|"
        r"thanks a lot|thank you so much|many thanks",
    ),
    SmallTalk.GOODBYE: (
        r"再见|拜拜|拜|回见|晚安|88|886",
        r"bye|goodbye|bye bye|see you|see ya|have a (good|nice) (day|night|one)|good night",
    ),
    SmallTalk.ACKNOWLEDGEMENT: (
        r"好的|好|好吧|好滴|嗯|嗯嗯|哦|哦哦|噢|明白|明白了|知道了|了解|了解了|收到|懂了|行|可以|ok了",
        r"ok|okay|k|kk|got it|i see|alright|all right|understood|noted|cool|great|nice|sure|fine",
    ),
    SmallTalk.BOT_QUESTION: (
        r"你是机器人吗|你是机器人|是机器人吗|机器人吗|你是ai吗|你是不是机器人|是不是机器人",
        r"are you (a )?(bot|robot|ai)|is this (a )?(bot|robot|ai)|am i (talking|chatting) to "
        r"(a )?(bot|robot|ai)",
    ),
}

_SEPARATORS = r"[\s,.!?~。，！？～、…:;]*"
# A Latin phrase must be a whole word: "ok" is small talk, "okx" or "kyc" are not.
_PATTERNS = {
    kind: re.compile(f"(?<![a-z0-9])(?:{'|'.join(phrases)})(?![a-z0-9])")
    for kind, phrases in _PHRASES.items()
}
_ANY = "|".join(f"(?:{p.pattern})" for p in _PATTERNS.values())
_ONLY_SMALL_TALK = re.compile(f"^{_SEPARATORS}(?:(?:{_ANY}){_SEPARATORS})+$")
# When a message mixes kinds ("好的谢谢，再见"), the one that says most about what the customer
# wants next wins: a goodbye ends the chat, thanks close a topic, a greeting opens one.
_PRECEDENCE = (
    SmallTalk.BOT_QUESTION,
    SmallTalk.GOODBYE,
    SmallTalk.THANKS,
    SmallTalk.GREETING,
    SmallTalk.ACKNOWLEDGEMENT,
)


def small_talk(message: str) -> SmallTalk | None:
    """The kind of small talk ``message`` (normalised) is, or ``None`` if it says anything more."""
    if not message or not _ONLY_SMALL_TALK.match(message):
        return None
    for kind in _PRECEDENCE:
        if _PATTERNS[kind].search(message):
            return kind
    return None
