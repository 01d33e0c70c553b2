"""Where stage information comes from, behind a small interface.

The registry pushes changes (status API, CSV import, CLI), so the default source reads what was pushed
into the tracking store. Another source (e.g. a polling client of an official service) only needs `get`.
"""
from __future__ import annotations

from typing import Optional, Protocol

from tracking.store import ApplicationView, TrackingStore


class StatusSource(Protocol):
    def get(self, doc_type: str, document_number: str) -> Optional[ApplicationView]:
        """Current stage of an application, or None when the registry does not know it."""


class StoreStatusSource:
    def __init__(self, store: TrackingStore) -> None:
        self.store = store

    def get(self, doc_type: str, document_number: str) -> Optional[ApplicationView]:
        return self.store.get_status(doc_type, document_number)
