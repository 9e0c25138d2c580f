"""The base of every schema that describes what a service or the gateway answers (for /api/openapi.json):
the fields it names, and perhaps more that a later version adds, so a client must not refuse those."""
from marshmallow import INCLUDE, Schema


class Answer(Schema):
    class Meta:
        unknown = INCLUDE
