"""The note under a chart whose rounded shares of one whole do not add up to 100 %."""

from __future__ import annotations

import pytest

from klappt.report.built import Series
from klappt.report.panels import _rounded_off


def one(values, counts, base):
    return Series("s", tuple(values), tuple(counts), base)


@pytest.mark.parametrize(
    ("series", "across", "expected"),
    [
        ([one((33.3, 33.3, 33.3), (1, 1, 1), 3)], False, True),  # 99.9
        ([one((50.0, 50.0), (2, 2), 4)], False, False),
        ([one((78.0, 23.0), (31, 9), 40)], False, True),  # 101, as in the seed deck
        # only some choices shown (their counts do not make up the base): no whole to check
        ([one((33.3, 33.3), (1, 1), 3)], False, False),
        # a wave comparison: one share per wave, no base
        ([one((39.0, 60.0), (18, 24), None)], False, False),
        # a banner: each group is a whole of its own
        ([one((50.0, 50.0), (1, 1), 2), one((66.7, 33.3), (2, 1), 3)], False, False),
        ([one((50.0, 50.0), (1, 1), 2), one((33.3, 33.3, 33.3), (1, 1, 1), 3)], False, True),
        # a grid: series are the scale's choices, each item (category) a whole
        (
            [
                one((33.3, 50.0), (1, 2), None),
                one((33.3, 50.0), (1, 2), None),
                one((33.3, 0.0), (1, 0), None),
            ],
            True,
            True,
        ),
        ([one((25.0, 0.0), (1, 0), None), one((75.0, 0.0), (3, 0), None)], True, False),
        ([], True, False),
    ],
)
def test_rounded_off__ok(series, across, expected):
    assert _rounded_off(series, across) is expected
