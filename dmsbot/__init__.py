"""Command line for operators and trainers of the assistant."""
