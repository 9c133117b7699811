"""Rules that come before any matching: advice we never give, people we never keep waiting.

These are deliberately plain patterns rather than a learned model: a refusal or an urgent
hand-over must be predictable, auditable and testable sentence by sentence. Patterns run on
the normalised message (lower case, simplified Chinese, half-width).
"""

from __future__ import annotations

import re


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


INVESTMENT_ADVICE = _any(
    r"抄底|梭哈|能涨吗|会涨吗|会跌吗|还会涨|还会跌|涨到多少|跌到多少|能不能买|能买吗|该不该买|值得买",
    r"买什么币|买哪个币|推荐.{0,6}币|带单|喊单|做多还是做空|该做多|该做空|开多还是开空|行情怎么看",
    r"走势|止盈.{0,4}(多少|哪)|现在(能|可以)?(上车|买入|入场|卖出)",
    r"\bshould i (buy|sell|long|short|invest|hold|hodl)\b",
    r"\b(is|it'?s) (now |this )?(a )?good time to (buy|sell|invest)",
    r"\bwill (btc|eth|bitcoin|ethereum|sol|the price|it|\w+) (go|goes) (up|down)",
    r"\b(price prediction|price target|financial advice|investment advice|which coin)\b",
    r"\bwhat (coin|token|crypto) (should|to) (i )?(buy|invest)",
    r"\b(long or short|buy the dip|to the moon)\b",
)

HUMAN_REQUEST = _any(
    r"转人工|人工客服|找人工|要人工|人工服务|真人|活人|客服人员|接人工|^人工$",
    r"\b(human|real person|live agent|an agent|agent please|talk to (a |an )?(person|someone|agent|"
    r"human)|representative|operator|customer service agent|speak to (a |an )?(person|someone|"
    r"human))\b",
    r"^(agent|person|human|support)[.!?]*$",
)

URGENT = _any(
    r"被盗|盗号|盗了|被黑|黑客|不是我(本人)?(操作|登录|提的|提现|提币)|非本人|未经授权|未授权|陌生(设备|ip)",
    r"异地登录|别人登录|有人登录|被人登录|账号被|账户被(盗|黑|登)|资产不见|钱不见|币不见|币没了|钱没了",
    r"被转走|被提走|被盗刷|被人提|资金被",
    r"\b(hacked|hijacked|compromised|stolen|unauthori[sz]ed|drained)\b",
    r"\b(i )?did(n'?t| not) (make|do|request|authori[sz]e) (this|that|the|a|any) "
    r"(withdrawal|login|transfer|trade)",
    r"\bsomeone (else )?(logged|log|got|signed) (in|into)",
    r"\b(funds|money|coins|balance|assets) (are |is )?(gone|missing|disappeared|vanished)",
)

ANGER = _any(
    r"你们在干什么|你们在干嘛|垃圾|骗子|坑人|什么破|太差|气死|退钱|报警|无语|废物|搞什么|到底行不行",
    r"\b(wtf|useless|ridiculous|terrible|scam|scammers|worst|unacceptable|fed up)\b",
    r"[!！]{3,}|[?？]{3,}",
)

FREEZE_CONFIRM = _any(r"^(是|是的|确认|确定|冻结|好|好的|对)$", r"^(yes|y|confirm|freeze|ok|okay)$")
FREEZE_DECLINE = _any(r"^(否|不|不用|不要|取消|算了)$", r"^(no|n|cancel|don'?t|nope)$")


def asks_investment_advice(message: str) -> bool:
    return bool(INVESTMENT_ADVICE.search(message))


def asks_for_human(message: str) -> bool:
    return bool(HUMAN_REQUEST.search(message))


def is_urgent(message: str) -> bool:
    return bool(URGENT.search(message))


def is_angry(message: str) -> bool:
    return bool(ANGER.search(message))
