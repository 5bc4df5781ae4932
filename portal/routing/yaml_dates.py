"""The YAML constructor both routing-file readers share: dates stay text.

The stock constructor turns date-looking scalars into date objects and raises a line-less
ValueError for an impossible date such as `2025-02-30`; kept as text, the validator can
report it with its line.
"""

from __future__ import annotations

from ruamel.yaml.constructor import RoundTripConstructor


class DatesAsText(RoundTripConstructor):
    """Round-trip construction with timestamps left as the text that was written."""


DatesAsText.add_constructor("tag:yaml.org,2002:timestamp", DatesAsText.construct_yaml_str)
