"""Moved to the `textnorm` package; this name is kept only while other branches still import it."""
from textnorm import *  # noqa: F401,F403
from textnorm.chars import LATIN_TO_CYRILLIC  # noqa: F401
