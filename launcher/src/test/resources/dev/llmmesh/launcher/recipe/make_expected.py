#!/usr/bin/env python3
"""Expected numbers of SpamReportTest's Wilson pooling, computed apart from the Java code.

Run: python3 launcher/src/test/resources/dev/llmmesh/launcher/recipe/make_expected.py

Wilson's score interval (E. B. Wilson, 1927) for s successes out of n, z the normal's 97.5% quantile:
  centre = (p + z^2/(2n)) / (1 + z^2/n),  half = z / (1 + z^2/n) * sqrt(p(1-p)/n + z^2/(4n^2)),  p = s/n
The recipe pools every seed's test predictions: s and n are summed over seeds before the interval.
"""
from math import sqrt
from statistics import NormalDist

z = NormalDist().inv_cdf(0.975)


def wilson(s, n):
    p = s / n
    d = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / d
    half = z / d * sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


# the three recorded results: classifier right 190, 192, 189 of 200; naive Bayes 193, 195, 194 of 200
for name, s in (("classifier", 190 + 192 + 189), ("naive Bayes", 193 + 195 + 194)):
    low, high = wilson(s, 600)
    print(f"{name}: {s}/600 = {s / 600:.10f}, Wilson 95% [{low:.10f}, {high:.10f}]")
