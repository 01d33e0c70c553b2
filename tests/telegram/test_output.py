"""The output side in-process: a real python-telegram-bot client against the fake Bot API."""

from __future__ import annotations

import asyncio
import time
from typing import Iterator, List

import pytest
from rasa.core.channels.channel import UserMessage

from connectors.telegram import DisabledTelegramOutput, TelegramInput, TelegramOutput, TelegramService
from connectors.telegram_delivery import DeliveryError, SlidingWindow
from connectors.telegram_format import MAX_MESSAGE, utf16_len
from connectors.telegram_settings import TelegramSettings
from tests.telegram import updates as tg
from tests.telegram.fake_bot_api import FakeBotApi

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

LONG_CYRILLIC_PAYLOAD = (
    '/inform{"reason":"втрата паспорта громадянина України для виїзду за кордон",'
    '"residence_ground":"family_reunification"}'
)


@pytest.fixture
def service(fake_api: FakeBotApi) -> Iterator[TelegramService]:
    fake_api.reset()
    settings = TelegramSettings.load({"token": fake_api.token, "api_base_url": fake_api.base_url}, environ={})
    yield TelegramService(settings)


def sent_to(fake: FakeBotApi, chat_id: int, method: str = "sendMessage"):
    return [c for c in fake.find(method, chat_id=chat_id) if c.status == 200]


async def test_long_text_is_split_at_paragraphs(service: TelegramService, fake_api: FakeBotApi) -> None:
    chat_id = 6001
    paragraphs = [f"Абзац {i}. " + "документ " * (100 + 25 * i) for i in range(12)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    assert utf16_len(text) > 3 * MAX_MESSAGE
    await TelegramOutput(service).send_text_message(str(chat_id), text)
    calls = sent_to(fake_api, chat_id)
    assert len(calls) >= 4
    assert all(utf16_len(c.params["text"]) <= MAX_MESSAGE for c in calls)
    # nothing lost, nothing reordered, every cut on a paragraph boundary
    assert "\n\n".join(c.params["text"] for c in calls) == text
    assert all(c.params["text"].startswith("Абзац") for c in calls)
    # only the last part carries the keyboard
    assert [bool(c.params.get("reply_markup")) for c in calls] == [False] * (len(calls) - 1) + [True]


async def test_user_data_is_escaped_and_markup_is_safe_html(service: TelegramService, fake_api: FakeBotApi) -> None:
    chat_id = 6002
    await TelegramOutput(service).send_text_message(
        str(chat_id), "Номер <script>&amp;</script> **важливо** [ДМС](https://dmsu.gov.ua/?a=1&b=2)"
    )
    text = sent_to(fake_api, chat_id)[0].params["text"]
    assert text == (
        'Номер &lt;script&gt;&amp;amp;&lt;/script&gt; <b>важливо</b> <a href="https://dmsu.gov.ua/?a=1&amp;b=2">ДМС</a>'
    )


async def test_long_cyrillic_payload_survives_the_64_byte_limit(service: TelegramService, fake_api: FakeBotApi) -> None:
    chat_id = 6003
    assert len(LONG_CYRILLIC_PAYLOAD.encode()) > 64
    received: List[UserMessage] = []

    async def on_new_message(message: UserMessage) -> None:
        received.append(message)

    service.attach(on_new_message)
    await TelegramOutput(service).send_text_with_buttons(
        str(chat_id),
        "Чому потрібен новий паспорт?",
        [
            {"title": "Втратив паспорт", "payload": LONG_CYRILLIC_PAYLOAD},
            {"title": "Інше", "payload": '/inform{"reason":"other"}'},
        ],
    )
    call = sent_to(fake_api, chat_id)[0]
    buttons = [b for row in call.params["reply_markup"]["inline_keyboard"] for b in row]
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)
    outcome = await service.process(tg.callback(chat_id, call.response["result"], buttons[0]["callback_data"]))
    assert outcome == "rasa"
    assert [m.text for m in received] == [LONG_CYRILLIC_PAYLOAD]
    assert received[0].sender_id == str(chat_id) and received[0].input_channel == "telegram"
    # the other button of the same keyboard is stale now
    outcome = await service.process(tg.callback(chat_id, call.response["result"], buttons[1]["callback_data"]))
    assert outcome == "stale" and len(received) == 1


async def test_images_and_documents(service: TelegramService, fake_api: FakeBotApi) -> None:
    chat_id = 6004
    output = TelegramOutput(service)
    await output.send_response(str(chat_id), {"text": "Зразок заяви:", "image": "https://example.org/zrazok.png"})
    await output.send_response(str(chat_id), {"attachment": "https://example.org/anketa.pdf"})
    await output.send_response(
        str(chat_id), {"custom": {"document": "https://example.org/perelik.pdf", "caption": "Перелік"}}
    )
    assert sent_to(fake_api, chat_id)[0].params["text"] == "Зразок заяви:"
    assert sent_to(fake_api, chat_id, "sendPhoto")[0].params["photo"] == "https://example.org/zrazok.png"
    documents = [c.params for c in sent_to(fake_api, chat_id, "sendDocument")]
    assert [d["document"] for d in documents] == ["https://example.org/anketa.pdf", "https://example.org/perelik.pdf"]
    assert documents[1]["caption"] == "Перелік"


async def test_endless_flood_limit_raises_instead_of_dropping(service: TelegramService, fake_api: FakeBotApi) -> None:
    chat_id = 6005
    fake_api.fail_with_429("sendMessage", lambda p: p.get("chat_id") == chat_id, retry_after=600)
    with pytest.raises(DeliveryError):
        await TelegramOutput(service).send_text_message(str(chat_id), "Статус змінився")
    assert not sent_to(fake_api, chat_id)


async def test_one_chat_is_paced_to_about_one_message_per_second(
    service: TelegramService, fake_api: FakeBotApi
) -> None:
    chat_id = 6006
    output = TelegramOutput(service)
    for i in range(5):
        await output.send_text_message(str(chat_id), f"Повідомлення {i}")
    times = [c.at for c in sent_to(fake_api, chat_id)]
    assert len(times) == 5
    assert times[3] - times[0] >= 2.9  # a burst of 3, then 1/s
    assert times[4] - times[1] >= 2.9


async def test_sliding_window_caps_the_rate() -> None:
    window = SlidingWindow(limit=5, period=0.5)
    started = time.monotonic()
    await asyncio.gather(*(window.acquire() for _ in range(15)))
    assert time.monotonic() - started >= 1.0  # 15 events at 5 per 0.5 s


async def test_without_token_the_channel_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TELEGRAM_TOKEN", "TELEGRAM_WEBHOOK_URL", "TELEGRAM_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    channel = TelegramInput.from_credentials(None)
    assert channel.service is None and channel.settings.mode == "off"
    output = channel.get_output_channel()
    assert isinstance(output, DisabledTelegramOutput)
    with pytest.raises(DeliveryError):
        await output.send_text_message("42", "Статус змінився")
    bp = channel.blueprint(lambda message: asyncio.sleep(0))
    assert not bp._future_listeners, "no start-up work without a token"


def test_webhook_secret_is_never_empty() -> None:
    settings = TelegramSettings.load({"token": "1:abc", "webhook_url": "https://bot.example.org"}, environ={})
    assert settings.mode == "webhook"
    assert settings.webhook_url == "https://bot.example.org/webhooks/telegram/webhook"
    assert len(settings.webhook_secret) >= 32
    env = TelegramSettings.load({"token": "1:abc"}, environ={"TELEGRAM_WEBHOOK_SECRET": "x_y"})
    assert env.webhook_secret == "x_y" and env.mode == "polling"
