"""User-facing Ukrainian texts of the Telegram channel (not produced by Rasa)."""

from __future__ import annotations

from typing import Final

# Labels of the persistent main-menu reply keyboard; their text goes to Rasa as a user message.
MAIN_MENU_ROWS: Final[tuple[tuple[str, ...], ...]] = (
    ("Консультація", "Відстежити документ"),
    ("Вартість і терміни", "Де оформити"),
    ("Зв'язатися з ДМС",),
)
MENU_PLACEHOLDER: Final = "Напишіть запитання або оберіть пункт меню"

# Bot command list shown by Telegram clients: command -> description.
COMMANDS: Final[tuple[tuple[str, str], ...]] = (
    ("start", "Почати розмову"),
    ("help", "Що я вмію"),
    ("menu", "Головне меню"),
    ("status", "Статус мого документа"),
)

STALE_BUTTON: Final = "Ці кнопки вже неактуальні. Оберіть дію в меню внизу екрана або напишіть запитання."
UNKNOWN_COMMAND: Final = "Такої команди я не знаю. Доступні команди: /start, /help, /menu, /status."
EDITED_MESSAGE: Final = (
    "Я бачу лише нові повідомлення, тож зміну не враховано. "
    "Надішліть, будь ласка, виправлений текст окремим повідомленням."
)
GROUP_CHAT: Final = "Я відповідаю лише в особистих повідомленнях, щоб ваших даних не бачили інші. Напишіть мені напряму"
TECHNICAL_ERROR: Final = "Вибачте, сталася технічна помилка. Спробуйте, будь ласка, ще раз трохи згодом."
NOT_TEXT: Final = (
    "Вибачте, я розумію лише текстові повідомлення. Напишіть, будь ласка, запитання "
    "словами або оберіть пункт меню внизу екрана."
)
# Answers to particular kinds of non-text messages (Message attribute -> text).
MEDIA_ANSWERS: Final[dict[str, str]] = {
    "sticker": "Дякую за стікер 🙂 " + NOT_TEXT,
    "animation": NOT_TEXT,
    "photo": (
        "Я не переглядаю фото, і краще не надсилайте знімки документів у чат. Напишіть, будь ласка, запитання текстом."
    ),
    "document": (
        "Я не відкриваю файли, і краще не надсилайте скани документів у чат. Напишіть, будь ласка, запитання текстом."
    ),
    "voice": "Вибачте, голосові повідомлення я поки що не розпізнаю. Напишіть, будь ласка, текстом.",
    "video_note": "Вибачте, відеоповідомлення я не розпізнаю. Напишіть, будь ласка, текстом.",
    "audio": NOT_TEXT,
    "video": NOT_TEXT,
    "location": (
        "Дякую! Шукати за геолокацією я поки що не вмію. Напишіть, будь ласка, назву міста чи населеного пункту."
    ),
    "venue": (
        "Дякую! Шукати за геолокацією я поки що не вмію. Напишіть, будь ласка, назву міста чи населеного пункту."
    ),
    "contact": (
        "Дякую, але номер телефону мені не потрібен, я його не зберігаю. Напишіть, будь ласка, запитання текстом."
    ),
    "poll": NOT_TEXT,
    "dice": NOT_TEXT,
    "story": NOT_TEXT,
}
