"""Custom Rasa input/output channels (Telegram on python-telegram-bot)."""
