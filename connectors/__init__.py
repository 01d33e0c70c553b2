"""Custom Rasa input/output channels (Telegram on python-telegram-bot) and the shared channel state."""

from connectors import rasa_speedups as _rasa_speedups

# Rasa imports this package for the channels of credentials.yml: a safe place to speed up its turns.
_rasa_speedups.apply()
