"""Robust statistics of scores: their median and spread, and how far their tail reaches.

Pure functions of arrays, used by the detector (``tasks/checks/detect.py``) to calibrate its
thresholds on a series' own history.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

MAD_TO_SIGMA = 1.4826
#: The share of calm scores above the shoulder a tail is fitted to.
SHOULDER = 0.1


def median(values: np.ndarray) -> float:
    """The median of a 1-D array without NaNs: ``np.median`` without its overhead, which
    dominates on the short arrays the detector takes thousands of medians of."""
    n = len(values)
    if n == 0:
        return float("nan")
    k = n // 2
    if n % 2:
        return float(np.partition(values, k)[k])
    low, high = np.partition(values, (k - 1, k))[k - 1 : k + 1]
    return float((low + high) / 2)


def robust_sigma(values: np.ndarray) -> float:
    """The standard deviation as the median absolute deviation estimates it (outliers ignored)."""
    return MAD_TO_SIGMA * float(median(np.abs(values - median(values))))


def tail_threshold(scores: np.ndarray, rate: float, weight: float = 1.0) -> float:
    """The level ``scores`` exceed on about ``rate`` of points, read from their own tail.

    The scores are first put on their own robust footing (median and MAD), so a scale that
    ran wide or narrow is corrected. The threshold is then the Gaussian quantile for ``rate``
    plus how much further the series' own tail reaches: above their 90th percentile the
    scores are taken to fall off exponentially (peaks over a threshold, a generalised Pareto
    tail of shape 0, its scale from the median excess so the few largest points, often
    incidents the checks missed, do not set it), and what that predicts beyond what it
    predicts for Gaussian scores is added, times ``weight`` (how far the fit is trusted).
    A tail is never taken as lighter than Gaussian.
    """
    centre, spread = median(scores), robust_sigma(scores)
    gaussian = NormalDist().inv_cdf(1 - rate)
    if spread <= 0:
        return centre + gaussian
    standard = (scores - centre) / spread
    heavier = max(0.0, _exponential_tail(standard, rate) - _exponential_tail_of_gaussian(rate))
    return centre + spread * (gaussian + weight * heavier)


def _exponential_tail(scores: np.ndarray, rate: float) -> float:
    shoulder = float(np.quantile(scores, 1 - SHOULDER))
    if rate >= SHOULDER:
        return float(np.quantile(scores, 1 - rate))
    excess = scores[scores > shoulder] - shoulder
    tail = median(excess) / np.log(2) if len(excess) else 0.0
    return shoulder + tail * float(np.log(SHOULDER / rate))


def _exponential_tail_of_gaussian(rate: float) -> float:
    """What ``_exponential_tail`` gives, on average, for standard Gaussian scores."""
    normal = NormalDist()
    shoulder = normal.inv_cdf(1 - SHOULDER)
    if rate >= SHOULDER:
        return normal.inv_cdf(1 - rate)
    tail = (normal.inv_cdf(1 - SHOULDER / 2) - shoulder) / np.log(2)
    return shoulder + tail * float(np.log(SHOULDER / rate))
