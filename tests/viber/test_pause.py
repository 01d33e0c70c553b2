"""Tracking subscriptions of a user who left the Viber bot are paused, and resumed when they are back."""
from __future__ import annotations

from tracking.store import TrackingStore
from tracking.db import make_engine


def test_paused_subscriptions_queue_nothing_until_resumed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = TrackingStore(make_engine(f"sqlite:///{tmp_path / 'tracking.db'}"))
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
        "tg-2", "viber-user-1"]
