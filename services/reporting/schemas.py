"""Reporting's public face for its clients: what each indicator is (axis, labels in Arabic and French),
the groupings of a breakdown, and the parsers that say whether a period or a day is one reporting reads."""
from .indicators import GROUPINGS, REGISTRY  # noqa: F401
from .periods import parse_day, parse_period  # noqa: F401
from .registry import AXES  # noqa: F401
