"""Rasa's training cache keys a component on its config and data/; the FAQ retriever also reads kb/faq, so an edit
there must change its key (otherwise `make train` would keep the old index after an editor adds questions)."""

import shutil
from pathlib import Path

from nlu.faq_retriever import FaqRetriever

ROOT = Path(__file__).resolve().parents[2]


def test_an_faq_edit_changes_the_retrievers_cache_key(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    shutil.copytree(ROOT / "kb", kb)
    before = FaqRetriever.fingerprint_addon({"kb_dir": str(kb)})
    assert FaqRetriever.fingerprint_addon({"kb_dir": str(kb)}) == before
    faq_file = sorted((kb / "faq").glob("*.yml"))[0]
    faq_file.write_text(faq_file.read_text(encoding="utf-8") + "\n# an editor's note\n", encoding="utf-8")
    assert FaqRetriever.fingerprint_addon({"kb_dir": str(kb)}) != before


def test_an_edit_of_how_words_are_read_changes_the_retrievers_cache_key(monkeypatch) -> None:
    """The index holds lemmas made by nlu/faq_index.py and textnorm/lemmas.py: a change there must retrain it."""
    import textnorm.lemmas

    before = FaqRetriever.fingerprint_addon({})
    original = Path(textnorm.lemmas.__file__).read_bytes()
    real_read_bytes = Path.read_bytes

    def edited(path: Path) -> bytes:
        data = real_read_bytes(path)
        return data + b"\n# a new reading\n" if data == original else data

    monkeypatch.setattr(Path, "read_bytes", edited)
    assert FaqRetriever.fingerprint_addon({}) != before
