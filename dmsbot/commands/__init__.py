"""Sub-commands of `dmsbot`. Each module exposes `register(subparsers)`.

A module is listed in COMMAND_MODULES; one that fails to import is reported by
`dmsbot --help` instead of breaking every other command.
"""

COMMAND_MODULES = [
    "dmsbot.commands.kb",
    "dmsbot.commands.status",
    "dmsbot.commands.outbox",
    "dmsbot.commands.subscriptions",
    "dmsbot.commands.inbox",
    "dmsbot.commands.config",
]
