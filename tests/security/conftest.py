"""A real stack (Rasa with the project's channels, action server, tracking store) on this suite's ports."""

from __future__ import annotations

import pytest

from tests.tracking.stack import Stack, find_model
from tracking.db import make_engine
from tracking.store import TrackingStore

RASA_PORT, ACTIONS_PORT, CALLBACK_PORT = 17005, 17055, 17090


@pytest.fixture(scope="module")
def stack(request, tmp_path_factory):  # type: ignore[no-untyped-def]
    workdir = tmp_path_factory.mktemp("security")
    db_url = f"sqlite:///{workdir / 'tracking.db'}"
    s = Stack(find_model(request), workdir, db_url, RASA_PORT, ACTIONS_PORT, CALLBACK_PORT)
    TrackingStore(make_engine(db_url)).engine.dispose()  # migrate once before the processes start
    try:
        s.start()
        yield s
    finally:
        s.stop()


@pytest.fixture
def store(stack):  # type: ignore[no-untyped-def]
    st = TrackingStore(make_engine(stack.db_url))
    yield st
    st.engine.dispose()
