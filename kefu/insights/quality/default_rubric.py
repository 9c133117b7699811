"""The rubric a new desk starts with: what a good conversation at an exchange's support desk
looks like. Security and a correct answer weigh most; an administrator can edit it all."""

from __future__ import annotations

from django.db import transaction

from .models import Criterion, Rubric
from .rubrics import activate

NAME = "Support conversation"

# key, English label, Chinese label, weight, lowest, highest, English guidance, Chinese guidance
CRITERIA = [
    (
        "greeting",
        "Greeting & empathy",
        "问候与共情",
        1,
        0,
        4,
        "Greets the customer, acknowledges the problem and how it affects them.",
        "问候客户，理解问题及其对客户的影响。",
    ),
    (
        "correct_answer",
        "Correct answer",
        "答案正确",
        3,
        0,
        4,
        "The facts, steps and links given are right and complete for this customer's case.",
        "所给信息、步骤和链接正确，且完整覆盖客户的情况。",
    ),
    (
        "security",
        "Security",
        "安全规范",
        3,
        0,
        2,
        "Never asked for a seed phrase, private key, password or 2FA code; verified the "
        "customer's identity before any account action. 0 = a breach, 1 = a lapse, 2 = sound.",
        "从未索要助记词、私钥、密码或二次验证码；在任何账户操作前先核实身份。"
        "0 = 违规，1 = 有疏漏，2 = 规范。",
    ),
    (
        "compliance",
        "Compliance",
        "合规",
        2,
        0,
        2,
        "No investment advice, price predictions or promises of returns; follows the policies "
        "for KYC, limits and sanctioned regions. 0 = a breach, 1 = a lapse, 2 = sound.",
        "不提供投资建议、价格预测或收益承诺；遵守 KYC、限额及受限地区政策。"
        "0 = 违规，1 = 有疏漏，2 = 规范。",
    ),
    (
        "resolution",
        "Resolution",
        "问题解决",
        2,
        0,
        4,
        "The issue was solved, or the customer knows exactly what happens next and when.",
        "问题已解决，或客户清楚知道下一步及时间安排。",
    ),
    (
        "tone",
        "Tone & language",
        "语气与用语",
        1,
        0,
        4,
        "Polite, clear and in the customer's language; no jargon left unexplained.",
        "礼貌、清晰，使用客户的语言；术语有解释。",
    ),
]


def ensure_default_rubric() -> Rubric:
    """The default rubric, created (and made active when none is) unless one exists by name."""
    with transaction.atomic():
        rubric, created = Rubric.objects.get_or_create(name=NAME)
        if created:
            Criterion.objects.bulk_create(
                Criterion(
                    rubric=rubric,
                    position=position,
                    key=key,
                    label_en=label_en,
                    label_zh_hans=label_zh,
                    weight=weight,
                    scale_min=low,
                    scale_max=high,
                    guidance_en=guidance_en,
                    guidance_zh_hans=guidance_zh,
                )
                for position, (
                    key,
                    label_en,
                    label_zh,
                    weight,
                    low,
                    high,
                    guidance_en,
                    guidance_zh,
                ) in enumerate(CRITERIA)
            )
        if not Rubric.objects.filter(is_active=True).exists():
            activate(rubric)
    return rubric
