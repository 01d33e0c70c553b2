"""One settings module: defaults, types, production checks, and the README lists every setting."""

import re
from pathlib import Path

import pytest

from dmsbot.settings import SETTINGS, SettingsError, settings

ROOT = Path(__file__).resolve().parents[2]


def test_readme_configuration_table_lists_every_setting():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", readme, flags=re.MULTILINE))
    names = {s.name for s in SETTINGS}
    assert not names - listed, f"add to the README's configuration table (`dmsbot config --markdown`): {names - listed}"
    assert not listed - names, f"the README lists settings the code does not read: {listed - names}"


def test_every_setting_has_a_one_line_meaning():
    for s in SETTINGS:
        assert s.meaning and "\n" not in s.meaning, s.name


def test_defaults_and_types():
    current = settings({})
    assert current.rasa_port == 5005 and current.tracking_api_host == "127.0.0.1"
    assert current.viber_notify is True and current.demo_simulator is False
    assert settings({"VIBER_NOTIFY": "0", "RASA_PORT": "6005"}).viber_notify is False
    assert settings({"RASA_PORT": "6005"}).rasa_port == 6005


def test_a_broken_number_names_the_variable():
    with pytest.raises(SettingsError, match="RASA_PORT"):
        settings({"RASA_PORT": "five"})


def test_an_unknown_setting_is_an_error_not_none():
    with pytest.raises(AttributeError, match="NO_SUCH"):
        _ = settings({}).no_such


def test_production_requires_the_secrets():
    with pytest.raises(SettingsError, match="RASA_AUTH_TOKEN.*STATUS_API_TOKEN.*TRACKING_HASH_KEY"):
        settings({"DMSBOT_ENV": "production"}).check_production()
    settings(
        {"DMSBOT_ENV": "production", "RASA_AUTH_TOKEN": "a", "STATUS_API_TOKEN": "b", "TRACKING_HASH_KEY": "c"}
    ).check_production()
    settings({}).check_production()  # development: nothing required


def test_secrets_are_hidden_when_described():
    shown = dict((n, v) for n, v, _ in settings({"TELEGRAM_TOKEN": "123:secret"}).describe())
    assert shown["TELEGRAM_TOKEN"] == "***"
