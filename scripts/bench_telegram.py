"""`make bench`: the Telegram round-trip benchmark lives beside its fake Bot API server in tests/telegram."""

import pathlib
import runpy

runpy.run_path(
    str(pathlib.Path(__file__).resolve().parents[1] / "tests/telegram/bench_telegram.py"), run_name="__main__"
)
