"""Log lines never carry a token or a full document number, whichever library writes them."""

from __future__ import annotations

import logging

from tracking import log_redaction


def test_tokens_and_numbers_are_redacted_in_every_logger(monkeypatch, caplog):
    monkeypatch.setenv("RASA_AUTH_TOKEN", "rasa-secret-token-123")
    log_redaction.install()
    caplog.set_level(logging.INFO)
    logging.getLogger("httpx").info(
        'HTTP Request: POST %s "HTTP/1.1 200 OK"',
        "https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage",
    )
    logging.getLogger("aiohttp.access").info("GET /conversations/1/tracker?token=rasa-secret-token-123&x=1")
    logging.getLogger("urllib3").info("Authorization: Bearer abc.def-ghi")
    logging.getLogger("tracking").info("lookup КВ123456, FS341265 and І-ВЛ 648009 for chat 123456789")
    try:
        raise ValueError("failed with rasa-secret-token-123")
    except ValueError:
        logging.getLogger("rasa").exception("boom")
    text = caplog.text
    for secret in (
        "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
        "rasa-secret-token-123",
        "abc.def-ghi",
        "КВ123456",
        "FS341265",
        "648009",
    ):
        assert secret not in text, secret
    assert "КВ****56" in text and "FS****65" in text and "chat 123456789" in text  # chat ids stay readable
