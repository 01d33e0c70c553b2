"""Document tracking service: store, status API, notifier, reminders, demo simulator."""
