"""How refusals cross the bus: an RPC caller gets the same exception, with its
fields, not a bare RemoteError string. Imported by every service (through
`shared.service`) and by every caller that holds an RPC proxy."""
from nameko.exceptions import deserialize_to_instance

from .errors import CommandRejected, ConcurrencyError, InvalidCommand

REFUSALS = (InvalidCommand, CommandRejected, ConcurrencyError)

for _refusal in REFUSALS:
    deserialize_to_instance(_refusal)
