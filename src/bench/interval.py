"""99.9% confidence intervals of a mean, as JMH reports a score's error: Student's t over all measurement
iterations of all forks (here: all rounds). The standard library has no t distribution, so its quantile is found by
integrating the density (Simpson's rule) and bisecting."""
import functools
import math
import statistics


def _t_cdf(x, df):
    """P(T <= x) for x >= 0: one half plus the density's integral from 0 to x."""
    c = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)
    n = 2000  # even; accurate to ~1e-9 for the x and df used here
    h = x / n
    s = 0.0
    for i in range(n + 1):
        w = 1 if i in (0, n) else (4 if i % 2 else 2)
        s += w * (1 + (i * h) ** 2 / df) ** (-(df + 1) / 2)
    return 0.5 + c * s * h / 3


@functools.lru_cache(maxsize=None)
def t_quantile(p, df):
    """The p quantile of Student's t with df degrees of freedom, for p > 0.5 and df >= 2 (Simpson's rule is coarse
    at df 1, which a run with 2 or more iterations never needs)."""
    lo, hi = 0.0, 1.0
    while _t_cdf(hi, df) < p:
        hi *= 2
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _t_cdf(mid, df) < p else (lo, mid)
    return (lo + hi) / 2


def ci999(values):
    """(low, high) of the 99.9% confidence interval of the mean of values (at least two)."""
    n = len(values)
    mean = statistics.fmean(values)
    half = t_quantile(0.9995, n - 1) * statistics.stdev(values) / math.sqrt(n)
    return mean - half, mean + half


if __name__ == "__main__":  # a check against published t tables
    for df, want in ((11, 4.437), (19, 3.883), (60, 3.460)):
        got = t_quantile(0.9995, df)
        assert abs(got - want) < 0.001, (df, got, want)
    print("t quantiles match the tables")
