"""Knowledge base and checklist engine: facts live in kb/*.yml, this package only reads and composes them."""

from kbengine.loader import DEFAULT_KB_DIR, load_knowledge_base  # noqa: F401
from kbengine.model import (  # noqa: F401
    Answer,
    Fact,
    FeeLine,
    KnowledgeBase,
    KnowledgeBaseError,
    Option,
    Question,
)
