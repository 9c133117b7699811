"""What the demo's customers, agents and the assistant say, in English and Chinese."""

from __future__ import annotations

from collections.abc import Sequence

WORDS: dict[str, dict[str, Sequence[str]]] = {
    "en": {
        "greeting": ("Hi, I'm the assistant. Ask me anything, or press “Talk to a person”.",),
        "question": (
            "My deposit has not arrived yet.",
            "Why is my withdrawal still pending?",
            "How do I finish identity verification?",
            "My position was liquidated at a strange price.",
            "I got a login alert I don't recognise.",
            "My API key returns an invalid signature.",
            "How do I change my phone number?",
        ),
        "answer": (
            "Here is what usually explains it: deposits need network confirmations first.",
            "Withdrawals go through a security review that can take up to an hour.",
        ),
        "thanks": ("Thanks, that answers it.", "OK got it."),
        "queued": ("Connecting you with a person. You can keep writing while you wait.",),
        "joined": ("%(name)s has joined the chat.",),
        "reply": (
            "Thanks for waiting, I'm checking this for you now.",
            "I can see the transaction; it is being credited.",
            "Your withdrawal passed review and is on its way.",
            "I've reset the verification step, please try again.",
            "I've escalated the liquidation review to our trading desk.",
        ),
        "follow_up": ("Any update?", "It still doesn't work.", "Here is the screenshot."),
        "good": (
            "Quick and clear, thanks!",
            "Sorted in minutes.",
            "Very patient agent.",
            "Deposit found, thank you.",
        ),
        "bad": (
            "Waited far too long during the crash.",
            "Had to explain my problem twice.",
            "Still no answer on my withdrawal.",
        ),
    },
    "zh-hans": {
        "greeting": ("您好，我是智能助手。有问题请直接问我，或点击“转人工”。",),
        "question": (
            "我的充值还没到账。",
            "提现为什么一直在审核中？",
            "身份认证怎么完成？",
            "我的仓位被强平了，价格不对。",
            "收到了陌生设备的登录提醒。",
            "API 返回签名错误。",
            "怎么更换绑定的手机号？",
        ),
        "answer": (
            "充值需要等待区块确认，通常几分钟到半小时。",
            "提现需要经过安全审核，一般一小时内完成。",
        ),
        "thanks": ("好的，谢谢。", "明白了。"),
        "queued": ("正在为您转接人工客服，等待期间可以继续留言。",),
        "joined": ("%(name)s 已加入对话。",),
        "reply": (
            "感谢您的耐心等待，我正在为您查询。",
            "已查到这笔交易，正在入账。",
            "您的提现已通过审核，正在处理。",
            "已为您重置认证步骤，请再试一次。",
            "已将强平申诉提交给交易团队复核。",
        ),
        "follow_up": ("请问有进展吗？", "还是不行。", "截图发给您了。"),
        "good": ("很快就解决了，谢谢！", "客服很耐心", "充值已到账，感谢", "回复很专业"),
        "bad": ("等了太久了", "问题说了两遍还没解决", "提现还在审核，希望快一点"),
    },
}
