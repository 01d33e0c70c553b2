"""Limits and the polite answers the web chat gives to refused requests (page server and Rasa channel).

No Rasa imports here: web/server.py uses it too.
"""

MAX_BODY_BYTES = 16 * 1024
MAX_TEXT_CHARS = 2000

# Polite answers to refused requests; the page shows them instead of a bot message.
ERRORS = {
    "too_long": {
        "uk": f"Повідомлення задовге: не більше {MAX_TEXT_CHARS} символів. Скоротіть його або розбийте на кілька.",
        "en": f"The message is too long: at most {MAX_TEXT_CHARS} characters. Please shorten it or split it up.",
    },
    "empty": {"uk": "Напишіть, будь ласка, своє питання.", "en": "Please type your question."},
    "stale_button": {
        "uk": "Ці кнопки вже неактуальні. Скористайтеся кнопками під останнім повідомленням або напишіть питання.",
        "en": "These buttons are out of date. Please use the buttons under the latest message or type your question.",
    },
    "bad_request": {"uk": "Не вдалося прочитати запит.", "en": "The request could not be read."},
    "no_session": {
        "uk": "Сесія завершилася: оновіть сторінку.",
        "en": "The session has ended: please reload the page.",
    },
    "not_ready": {
        "uk": "Помічник запускається, спробуйте за хвилину.",
        "en": "The assistant is starting up, please try again in a minute.",
    },
    "unavailable": {
        "uk": "Помічник тимчасово недоступний. Спробуйте, будь ласка, за хвилину.",
        "en": "The assistant is temporarily unavailable. Please try again in a minute.",
    },
}


def error_body(code: str, language: str = "uk") -> dict:
    """JSON body of a refused request: the code, the text in the page's language, and both texts."""
    texts = ERRORS[code]
    return {"error": code, "message": texts.get(language, texts["uk"]), "texts": dict(texts)}
