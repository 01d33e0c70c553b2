"""Status API over real HTTP on 127.0.0.1, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from tracking.api import make_app

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BODY = {
    "doc_type": "id_card",
    "document_number": "КВ 123456",
    "stage": "submitted",
    "changed_at": "2026-11-25T09:00:00+02:00",
}


@pytest.fixture
async def client(store):
    async with TestClient(TestServer(make_app(store, TOKEN), host="127.0.0.1")) as c:
        yield c


async def test_missing_or_wrong_token_is_401(client, store):
    r = await client.post("/api/v1/status", json=BODY)
    assert r.status == 401
    r = await client.post("/api/v1/status", json=BODY, headers={"Authorization": "Bearer nope"})
    assert r.status == 401
    r = await client.post("/api/v1/status", json=BODY, headers={"Authorization": TOKEN})
    assert r.status == 401
    assert store.get_status("id_card", "КВ123456") is None


async def test_empty_configured_token_refuses_everything(store):
    async with TestClient(TestServer(make_app(store, ""), host="127.0.0.1")) as c:
        r = await c.post("/api/v1/status", json=BODY, headers={"Authorization": "Bearer "})
        assert r.status == 401


@pytest.mark.parametrize(
    "payload, message",
    [
        ("{not json", "not valid JSON"),
        ('["a list"]', "JSON object"),
        ('{"doc_type": "id_card"}', "missing field(s): document_number, stage, changed_at"),
        (
            '{"doc_type": "driving_licence", "document_number": "КВ123456", "stage": "submitted", '
            '"changed_at": "2026-11-25T09:00:00Z"}',
            "unknown doc_type 'driving_licence'",
        ),
        (
            '{"doc_type": "id_card", "document_number": "КВ123456", "stage": "cooking", '
            '"changed_at": "2026-11-25T09:00:00Z"}',
            "unknown stage 'cooking'",
        ),
        (
            '{"doc_type": "id_card", "document_number": "КВ123456", "stage": "arrived", "changed_at": "yesterday"}',
            "not ISO 8601",
        ),
        (
            '{"doc_type": "id_card", "document_number": "12", "stage": "arrived", '
            '"changed_at": "2026-11-25T09:00:00Z"}',
            "document_number has a wrong format",
        ),
    ],
)
async def test_bad_requests_are_400_with_a_clear_message(client, store, payload, message):
    r = await client.post("/api/v1/status", data=payload.encode(), headers={**AUTH, "Content-Type": "application/json"})
    assert r.status == 400
    assert message in (await r.json())["error"]
    assert store.outbox_rows() == []


async def test_accepts_then_ignores_replays_and_backward_moves(client, store):
    store.subscribe("chat-1", "telegram", "id_card", "КВ123456")
    r = await client.post("/api/v1/status", json=BODY, headers=AUTH)
    assert r.status == 200
    assert (await r.json()) == {"accepted": True, "result": "accepted", "stage": "submitted", "notifications_queued": 1}
    r = await client.post("/api/v1/status", json=BODY, headers=AUTH)  # replay
    assert r.status == 200 and (await r.json())["accepted"] is False
    r = await client.post("/api/v1/status", json={**BODY, "stage": "arrived"}, headers=AUTH)
    assert (await r.json())["notifications_queued"] == 1
    r = await client.post("/api/v1/status", json={**BODY, "stage": "personalized_shipped"}, headers=AUTH)
    assert r.status == 200 and (await r.json())["accepted"] is False
    assert [row.entities["stage"] for row in store.outbox_rows()] == ["submitted", "arrived"]
    assert store.get_status("id_card", "КВ123456").stage == "arrived"


async def test_does_not_log_full_number(client, caplog):
    caplog.set_level("DEBUG")
    r = await client.post("/api/v1/status", json=BODY, headers=AUTH)
    assert r.status == 200
    assert "123456" not in caplog.text
    assert "КВ****56" in caplog.text
