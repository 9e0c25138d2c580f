"""The web application (filled in below)."""
from .api import problem


class Web:
    def __init__(self, api):
        self.api = api

    def handle(self, request):
        return problem(404, "Not found")
