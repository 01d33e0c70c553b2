"""Tracking subscriptions of a user who left the Viber bot are paused, and resumed when they are back."""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.tracking.conftest import make_db_url
from tracking.db import make_engine
from tracking.store import TrackingStore


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path) -> Iterator[TrackingStore]:  # type: ignore[no-untyped-def]
    for url in make_db_url(request.param, tmp_path):
        engine = make_engine(url)
        yield TrackingStore(engine)
        engine.dispose()


def test_paused_subscriptions_queue_nothing_until_resumed(store: TrackingStore) -> None:
    store.subscribe("viber-user-1", "viber", "id_card", "001234567")
    store.subscribe("tg-2", "telegram", "id_card", "001234567")
    assert store.pause_subscriptions("viber-user-1") == 1
    assert store.pause_subscriptions("viber-user-1") == 0  # already paused

    result = store.apply_status("id_card", "001234567", "approved_for_personalization")
    assert result.accepted and result.queued == 1
    assert [r.chat_id for r in store.outbox_rows()] == ["tg-2"]

    assert store.resume_subscriptions("viber-user-1") == 1
    assert store.resume_subscriptions("viber-user-1") == 0
    result = store.apply_status("id_card", "001234567", "sent_to_personalization")
    assert result.queued == 2
    assert sorted(r.chat_id for r in store.outbox_rows() if r.entities.get("stage") == "sent_to_personalization") == [
        "tg-2",
        "viber-user-1",
    ]
