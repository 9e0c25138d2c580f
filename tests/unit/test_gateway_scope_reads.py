"""Who reads the indicators of which scope: a regional viewer reads their region, its provinces (where the
region's dashboard drills down to) and its schools, nothing of another region."""
import pytest

from services.gateway.access import Refused, check_scope_read

REGIONAL = {"user": "nadia", "role": "viewer", "scope": "region:DOE"}
SCHOOLS = {"S1": "DOE", "S9": "RSK"}
PROVINCES = {"OED": "DOE", "AUS": "DOE", "RAB": "RSK"}


def reads(user, scope) -> bool:
    try:
        check_scope_read(user, scope, SCHOOLS.get, PROVINCES.get)
    except Refused as refused:
        assert refused.code == "outside_scope"
        return False
    return True


@pytest.mark.parametrize("scope,allowed", [("region:DOE", True), ("province:OED", True), ("province:AUS", True),
                                           ("school:S1", True), ("region:RSK", False), ("province:RAB", False),
                                           ("province:NOPE", False), ("school:S9", False), ("all", False)])
def test_a_regional_viewer_reads_their_region_its_provinces_and_schools(scope, allowed):
    assert reads(REGIONAL, scope) == allowed


def test_a_director_reads_their_school_only():
    director = {"user": "amina", "role": "school_director", "scope": "school:S1"}
    assert reads(director, "school:S1") and not reads(director, "province:OED") and not reads(director, "school:S9")
