"""The schools resources knows, projected from inventory's `school_registered` events."""
from shared.schools import KnownSchools

from .domain import School


class SchoolDirectory(KnownSchools):
    name = "resources_schools"

    def directory(self, conn, codes=None) -> dict[str, School]:
        """Registered schools by code: all of them, or those among `codes`."""
        return {r["school_code"]: School(r["school_code"], r["cycle"], r["setting"])
                for r in self.listing(conn, codes)}
