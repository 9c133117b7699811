"""The assistant answers questions about an ongoing incident with its status first (in the
customer's language, once per status), then carries on as usual; other questions are
untouched."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from kefu.accounts.models import Agent, Customer
from kefu.assistant.engine import AssistantReply, respond
from kefu.assistant.matching import knowledge
from kefu.assistant.models import Conversation
from kefu.exchange import demo_data
from kefu.exchange.backoffice import get_backoffice
from kefu.exchange.demo_data import load_demo_exchange
from kefu.insights.incidents.actions import post_update, resolve
from kefu.insights.incidents.models import Incident, IncidentStatus

from .conftest import RESOLVED

Say = Callable[..., AssistantReply]
LI_WEI = "100001"


@pytest.fixture(autouse=True)
def fresh_knowledge() -> Iterator[None]:
    knowledge.reset()
    yield
    knowledge.reset()


@pytest.fixture
def chat(desk: None) -> Callable[[str | None], Say]:
    load_demo_exchange()

    def open_chat(uid: str | None) -> Say:
        customer = Customer.objects.get(exchange_uid=uid) if uid else None
        state: dict[str, Conversation | None] = {"conversation": None}

        def say(text: str, **kwargs: object) -> AssistantReply:
            reply = respond(text, conversation=state["conversation"], customer=customer, **kwargs)
            state["conversation"] = Conversation.objects.get(public_id=reply.conversation_id)
            return reply

        return say

    return open_chat


def test_a_related_question_gets_the_status_first_and_the_deposit_check_still_runs(
    chat: Callable[[str | None], Say], open_trc20: Callable[..., Incident]
) -> None:
    open_trc20()
    reply = chat(LI_WEI)(
        f"my USDT deposit on TRC20 hasn't arrived, tx {demo_data.PENDING_USDT_TX}", language="en"
    )
    assert reply.reply.startswith("Known issue: TRC20 deposits delayed (status: investigating).")
    assert "credited automatically" in reply.reply.split("\n\n")[0]
    assert reply.kind == "flow"  # the self-service check is not hidden behind the notice
    deposit = get_backoffice().deposit_by_tx(LI_WEI, demo_data.PENDING_USDT_TX)
    assert f"{deposit.confirmations}" in reply.reply.split("\n\n", 1)[1]


def test_the_notice_is_in_the_customers_language(
    chat: Callable[[str | None], Say], open_trc20: Callable[..., Incident]
) -> None:
    open_trc20()
    reply = chat(None)("我的USDT充值走的TRC20，三个小时了还没到账")
    assert reply.language == "zh-hans"
    first = reply.reply.split("\n\n")[0]
    assert "TRC20 充值延迟" in first and "自动入账" in first


def test_unrelated_questions_are_untouched(
    chat: Callable[[str | None], Say], open_trc20: Callable[..., Incident]
) -> None:
    open_trc20()
    before = chat(None)("How do I change my login password?", language="en")
    assert "Known issue" not in before.reply and "TRC20" not in before.reply
    other_network = chat(None)("my USDT withdrawal on ERC20 is stuck", language="en")
    assert "Known issue" not in other_network.reply


def test_each_status_is_told_once_per_conversation(
    chat: Callable[[str | None], Say], open_trc20: Callable[..., Incident], supervisor: Agent
) -> None:
    incident = open_trc20()
    say = chat(None)
    assert say("USDT deposit via TRC20 not received", language="en").reply.startswith("Known")
    assert "Known issue" not in say("it's been 3 hours on TRC20", language="en").reply
    post_update(
        incident,
        status=IncidentStatus.IDENTIFIED,
        messages={"en": "Our TRON node is catching up.", "zh-hans": "TRON 节点正在同步。"},
        by=supervisor,
    )
    told = say("still nothing on TRC20", language="en").reply
    assert told.startswith("Known issue: TRC20 deposits delayed (status: identified).")
    assert "catching up" in told
    resolve(incident, messages=RESOLVED, by=supervisor)
    assert "Known issue" not in chat(None)("TRC20 deposit missing", language="en").reply
