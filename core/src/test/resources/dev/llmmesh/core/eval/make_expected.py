#!/usr/bin/env python3
"""Reference values for IntervalsTest and LossTallyTest that are not from a published table.

Run: python3 core/src/test/resources/dev/llmmesh/core/eval/make_expected.py  (needs Debian's python3-scipy)
"""
import math

from scipy import stats

for df in (1, 4, 1000):
    print(f"t975({df}) = {float(stats.t.ppf(0.975, df))!r}")

# LossTallyTest.equalWindowsGiveTheIntervalOfWindowMeans: per-window mean losses of 4 windows of 3 targets
means = [1.0, 1.5, 2.0, 1.1]
m = sum(means) / len(means)
lo, hi = stats.t.interval(0.95, len(means) - 1, loc=m, scale=stats.sem(means))
print(f"loss {m!r} interval [{float(lo)!r}, {float(hi)!r}] perplexity [{math.exp(lo)!r}, {math.exp(hi)!r}]")
