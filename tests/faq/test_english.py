"""Every user-facing text has English: domain responses (a variation on the `language` slot) and kb/faq answers."""

from pathlib import Path

import pytest
import yaml

from kbengine.faq import _is_english

ROOT = Path(__file__).resolve().parents[2]
EN = {"type": "slot", "name": "language", "value": "en"}


def _responses():
    for path in sorted((ROOT / "domain").glob("*.yml")):
        for name, variations in (
            (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses") or {}
        ).items():
            yield path.name, name, variations


@pytest.mark.parametrize("file,name,variations", list(_responses()), ids=lambda x: x if isinstance(x, str) else "")
def test_every_response_has_english_and_ukrainian(file, name, variations):
    english = [v for v in variations if EN in (v.get("condition") or [])]
    default = [v for v in variations if not v.get("condition")]
    assert english, f"domain/{file}: {name} has no English variation (condition: language = en)"
    assert default, f"domain/{file}: {name} has no Ukrainian (unconditional) variation"
    for variation in english:
        assert _is_english(variation["text"]), f"domain/{file}: {name}: English variation is not English"
        titles = [b["title"] for b in variation.get("buttons") or []]
        assert all(
            _is_english(b["title"]) for b in variation.get("buttons") or [] if "set_language" not in b["payload"]
        ), (file, name, titles)

    # Same buttons in both languages, apart from the language switch itself.
    def payloads(v):
        return [b["payload"] for b in v.get("buttons") or [] if "set_language" not in b["payload"]]

    assert payloads(english[0]) == payloads(default[0]), f"domain/{file}: {name}: buttons differ between languages"


def test_menu_offers_the_other_language():
    menu = dict((n, v) for _, n, v in _responses())["utter_main_menu"]
    english = next(v for v in menu if v.get("condition"))
    ukrainian = next(v for v in menu if not v.get("condition"))
    assert {"title": "Українська", "payload": '/set_language{"language":"uk"}'} in english["buttons"]
    assert {"title": "English", "payload": '/set_language{"language":"en"}'} in ukrainian["buttons"]


def test_english_button_titles_have_no_cyrillic():
    # «Passport.mfa.gov.ua шо вводити туди» counts more Latin words than Cyrillic ones; it was shown as English.
    from kbengine.faq import CYRILLIC, load_faq

    mixed = [e.id for e in load_faq(None).entries.values() if CYRILLIC.search(e.title("en"))]
    assert not mixed, f"English titles with Cyrillic letters: {mixed}"
