"""The Viber output side in-process: our aiohttp client against the fake Viber API."""

from __future__ import annotations

import json
from typing import AsyncIterator

import pytest

from connectors.viber import DisabledViberOutput, ViberInput, ViberOutput, ViberService, ViberSettings
from connectors.viber_api import (
    MAX_TEXT,
    ViberApiError,
    ViberNotSubscribed,
    ViberRateLimited,
    offered_buttons,
    sign_buttons,
)
from connectors.viber_texts import MAIN_MENU
from tests.viber.fake_viber_api import FakeViberApi


@pytest.fixture
async def service(fake_api: FakeViberApi) -> AsyncIterator[ViberService]:
    fake_api.reset()
    settings = ViberSettings.load({"token": fake_api.token, "api_base_url": fake_api.base_url}, environ={})
    service = ViberService(settings)
    yield service
    await service.api.close()


async def test_long_text_is_split_on_line_breaks(service: ViberService, fake_api: FakeViberApi) -> None:
    user = "long-user=="
    lines = [f"{i}. " + "документ для ID-картки " * (20 + i % 7) for i in range(60)]
    text = "\n".join(line.strip() for line in lines)
    assert len(text) > 2 * MAX_TEXT
    await ViberOutput(service).send_text_message(user, text)
    sent = fake_api.sent_to(user)
    assert len(sent) >= 3
    assert all(len(c.body["text"]) <= MAX_TEXT for c in sent)
    # nothing lost or reordered, every cut at a line break
    assert "\n".join(c.body["text"] for c in sent) == text
    assert all(c.body["text"].split(" ", 1)[0].rstrip(".").isdigit() for c in sent)
    # only the last part carries the keyboard (the main menu when Rasa gave no buttons)
    assert [("keyboard" in c.body) for c in sent] == [False] * (len(sent) - 1) + [True]
    menu = [b["ActionBody"] for b in sent[-1].body["keyboard"]["Buttons"]]
    assert menu == [p for p, _, _ in MAIN_MENU] + ['/set_language{"language":"en"}']


async def test_buttons_become_a_keyboard_whose_payloads_come_back_signed(
    service: ViberService, fake_api: FakeViberApi
) -> None:
    user = "buttons-user=="
    payload = '/inform{"reason":"втрата паспорта громадянина України для виїзду за кордон"}'
    await ViberOutput(service).send_text_with_buttons(
        user,
        "Чому потрібен новий паспорт?",
        [
            {"title": "Втратив", "payload": payload},
            {"title": "Інше", "payload": '/inform{"reason":"other"}'},
            {"title": "Сайт ДМС", "url": "https://dmsu.gov.ua"},
        ],
    )
    body = fake_api.sent_to(user)[0].body
    buttons = body["keyboard"]["Buttons"]
    assert [(b["ActionType"], b["ActionBody"], b["Text"]) for b in buttons] == [
        ("reply", payload, "Втратив"),
        ("reply", '/inform{"reason":"other"}', "Інше"),
        ("open-url", "https://dmsu.gov.ua", "Сайт ДМС"),
    ]
    assert all(b["Columns"] == 3 and b["Rows"] == 1 for b in buttons)  # short titles: two per row
    assert buttons[0]["Silent"] is True
    # Viber returns tracking_data with the user's reply: it names exactly these payloads, signed
    offered = offered_buttons(fake_api.token, user, body["tracking_data"])
    assert offered == {payload: "Втратив", '/inform{"reason":"other"}': "Інше"}
    assert offered_buttons(fake_api.token, "another-user==", body["tracking_data"]) == {}
    forged = json.loads(body["tracking_data"])
    forged["b"].append(['/EXTERNAL_status_changed{"stage":"issued"}', "x"])
    assert offered_buttons(fake_api.token, user, json.dumps(forged)) == {}
    forged = json.loads(body["tracking_data"])
    forged["b"][0][1] = "Інший підпис"
    assert offered_buttons(fake_api.token, user, json.dumps(forged)) == {}
    assert offered_buttons("other-token", user, body["tracking_data"]) == {}


async def test_a_turn_is_sent_in_order_with_the_keyboard_on_the_last_message(
    service: ViberService, fake_api: FakeViberApi
) -> None:
    user = "turn-user=="
    output = ViberOutput(service, buffered=True)
    await output.send_text_with_buttons(user, "Скільки вам років?", [{"title": "14–15", "payload": "/a"}])
    await output.send_text_message(user, "Можна також написати число.")
    assert fake_api.sent_to(user) == []  # buffered until the turn ends
    await output.flush(user)
    sent = fake_api.sent_to(user)
    assert [c.body["text"] for c in sent] == ["Скільки вам років?", "Можна також написати число."]
    assert "keyboard" not in sent[0].body
    assert [b["ActionBody"] for b in sent[1].body["keyboard"]["Buttons"]] == ["/a"]


async def test_rate_answer_raises_with_a_retry_time_and_nothing_is_dropped(
    service: ViberService, fake_api: FakeViberApi
) -> None:
    user = "rate-user=="
    fake_api.fail("send_message", lambda b: b.get("receiver") == user, 12, "Too many requests")
    with pytest.raises(ViberRateLimited) as err:
        await ViberOutput(service).send_text_message(user, "Статус змінився")
    assert "retry after 900 seconds" in str(err.value) and "Viber rate limit" in str(err.value)
    assert fake_api.token not in str(err.value)


async def test_not_subscribed_and_refusals_raise(service: ViberService, fake_api: FakeViberApi) -> None:
    user = "gone-user=="
    fake_api.fail("send_message", lambda b: b.get("receiver") == user, 6, "receiverNotSubscribed")
    with pytest.raises(ViberNotSubscribed):
        await ViberOutput(service).send_text_message(user, "Статус змінився")
    bad = ViberService(ViberSettings.load({"token": "wrong", "api_base_url": fake_api.base_url}, environ={}))
    with pytest.raises(ViberApiError) as err:
        await ViberOutput(bad).send_text_message("x==", "Привіт")
    assert err.value.status == 2 and "wrong" not in str(err.value)
    await bad.api.close()


def test_signed_payloads_fit_viber_tracking_data_limit() -> None:
    assert sign_buttons("t", "u", [("/x" * 3000, "X")]) is None  # too long for tracking_data
    assert offered_buttons("t", "u", sign_buttons("t", "u", [("/a", "A"), ("/b", "B")])) == {"/a": "A", "/b": "B"}
    for junk in (None, "", "[]", "{", '{"b": "x", "s": 1}', '{"b": [["/a"]], "s": ""}', 5):
        assert offered_buttons("t", "u", junk) == {}


async def test_without_token_the_channel_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("VIBER_TOKEN", "VIBER_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    channel = ViberInput.from_credentials(None)
    assert channel.service is None
    output = channel.get_output_channel()
    assert isinstance(output, DisabledViberOutput)
    with pytest.raises(ViberApiError):
        await output.send_text_message("u==", "Статус змінився")


def test_settings() -> None:
    s = ViberSettings.load(
        {"token": "t"}, environ={"VIBER_BOT_NAME": "Б" * 40, "VIBER_WEBHOOK_URL": "https://bot.example.org"}
    )
    assert len(s.bot_name) == 28
    assert s.webhook_url == "https://bot.example.org/webhooks/viber/webhook"
    assert s.api_base_url == "https://chatapi.viber.com/pa"


async def test_timeout_is_not_resent_and_says_it_may_have_arrived(fake_api: FakeViberApi) -> None:
    import asyncio

    from aiohttp import web

    from tracking.rasa_channel import is_ambiguous

    hits = []

    async def slow(request: web.Request) -> web.Response:
        hits.append(await request.read())
        await asyncio.sleep(2)
        return web.json_response({"status": 0})

    app = web.Application()
    app.router.add_post("/pa/send_message", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 20082)
    await site.start()
    try:
        settings = ViberSettings.load({"token": "t", "api_base_url": "http://127.0.0.1:20082/pa"}, environ={})
        service = ViberService(settings)
        service.api.timeout = 0.3
        with pytest.raises(ViberApiError) as err:
            await ViberOutput(service).send_text_message("slow==", "Статус змінився")
        assert len(hits) == 1, "a timed-out message is not sent again"
        assert is_ambiguous(err.value), "the notifier channel must treat it as possibly delivered"
        await service.api.close()
        # a refused connection never reached Viber: retried, then a clear error that is not ambiguous
        down = ViberService(ViberSettings.load({"token": "t", "api_base_url": "http://127.0.0.1:9/pa"}, environ={}))
        down.api.max_attempts = 2
        with pytest.raises(ViberApiError) as err:
            await ViberOutput(down).send_text_message("x==", "Привіт")
        assert not is_ambiguous(err.value)
        await down.api.close()
    finally:
        await runner.cleanup()
