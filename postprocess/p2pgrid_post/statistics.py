"""Every statistic p2pgrid_post reports, in one module (scipy for the
distributions): interval of a mean, spread of per-node load, wait times.

Rules shared by every figure (docs/trace-schema.md, "Derived quantities"):
every submitted job has a wait, the time its user waited for the job to
start: ``started - submit`` for a job that ran, ``ended - submit`` for one
that failed (until the failure was known) or was still open when the run
ended (censored: a lower bound, flagged wherever it enters a figure);
intervals come from independent replications (the means of runs with
different seeds), never from the jobs of one run; per-node figures count
every peer of the run, idle ones as 0."""

import math

import numpy as np
from scipy import stats as _scipy_stats

NS = 1e-9


def t_quantile_975(df):
    """Two-sided 95% point of Student's t with ``df`` degrees of freedom (df >= 1)."""
    if df < 1:
        raise ValueError(f"t quantile needs df >= 1 (got {df})")
    return float(_scipy_stats.t.ppf(0.975, df))


def mean_interval(samples, confidence=0.95):
    """(mean, low, high) of independent samples: Student's t interval of the
    mean from scipy (low = high = nan below two samples)."""
    x = np.asarray(samples, dtype=np.float64)
    mean = float(x.mean()) if len(x) else math.nan
    if len(x) < 2:
        return mean, math.nan, math.nan
    scale = float(_scipy_stats.sem(x))
    if scale == 0:  # identical samples: the interval is the point (scipy would answer nan)
        return mean, mean, mean
    low, high = _scipy_stats.t.interval(confidence, len(x) - 1, loc=mean, scale=scale)
    return mean, float(low), float(high)


def half_width_95(samples):
    """Half-width of the 95% t interval of the mean of independent samples (nan below 2)."""
    mean, _, high = mean_interval(samples)
    return high - mean


def interval_below(mean, half_width, floor=0.0):
    """The lower error-bar length of ``mean +- half_width`` clipped at ``floor``:
    a wait time cannot be negative, so neither can the end of its bar."""
    if not np.isfinite(half_width):
        return 0.0
    return max(0.0, min(half_width, mean - floor))


def spread(values):
    """(coefficient of variation, max / mean) of per-node values; nan for an all-zero vector."""
    v = np.asarray(values, dtype=np.float64)
    mean = float(v.mean()) if len(v) else 0.0
    if mean <= 0:
        return math.nan, math.nan
    return float(v.std()) / mean, float(v.max()) / mean


def wait_seconds(jobs):
    """Wait time (started - submit) of every job that started, in seconds
    (a numpy structured array of the jobs table, times in ns, -1 never)."""
    started = jobs[jobs["started"] >= 0]
    return (started["started"] - started["submit"]).astype(np.float64) * NS


def waits_of_all_jobs(jobs):
    """The wait of every submitted job, in seconds, in row order: started -
    submit if it started, else ended - submit (failed: until the client knew;
    open at the end: until the run ended, a lower bound)."""
    until = np.where(jobs["started"] >= 0, jobs["started"], jobs["ended"])
    return (until - jobs["submit"]).astype(np.float64) * NS
