"""The three ways a command can be refused.

Plain exceptions, so that the pure domains need no framework; `shared.remote`
registers them with nameko so that they cross the bus as themselves.
"""


class InvalidCommand(Exception):
    """Bad input. `errors` maps each field to the rules it broke (HTTP 400)."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__(errors)

    def __str__(self):
        return "; ".join(f"{field}: {', '.join(_messages(rules))}" for field, rules in self.errors.items())


class CommandRejected(Exception):
    """A business rule refused the command. `code` is stable (HTTP 409/422)."""

    def __init__(self, code, message):
        self.code = code
        self.message = message
        super().__init__(code, message)

    def __str__(self):
        return f"{self.code}: {self.message}"


class ConcurrencyError(Exception):
    """The stream moved on since the caller read it (HTTP 409)."""

    def __init__(self, stream_id, expected, actual):
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual
        super().__init__(stream_id, expected, actual)

    def __str__(self):
        return f"{self.stream_id} is at version {self.actual}, not {self.expected}"


def _messages(rules):
    if isinstance(rules, dict):
        return [f"{k}: {', '.join(_messages(v))}" for k, v in rules.items()]
    if isinstance(rules, (list, tuple)):
        out = []
        for r in rules:
            out.extend(_messages(r))
        return out
    return [str(rules)]


def found(value, code: str, message: str):
    """What a query looked for, or CommandRejected(code, message) when there is none."""
    if not value:
        raise CommandRejected(code, message)
    return value
