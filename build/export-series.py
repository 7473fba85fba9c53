#!/usr/bin/env python3
"""Exports the series the SeriesAnomaly sample reads, with anomalies injected into their test parts.

Usage: export-series.py OUTPUT_DIR

Both series are data sets that Debian 12's python3-statsmodels (0.13.5) ships as CSV files, read straight from the
package (never downloaded); each file's SHA-256 is checked first, so another version with other numbers fails here.

elnino.csv (univariate): statsmodels.datasets.elnino, the monthly mean sea-surface temperature (deg C) of the El Nino 1+2
  region, 1950-01 to 2010-12, 732 months. Train: 1950-1989 (480 months, left as they are). Test: 1990-2010 (252 months),
  into which five anomalies are injected at starts drawn by random.Random(20261205) (none in the first 12 test months,
  at least 24 months apart, none overlapping):
    spike-up     1 month    value + 4.0 deg C
    spike-down   1 month    value - 4.0 deg C
    level-shift  12 months  value + 1.5 deg C
    frequency    18 months  the seasonal cycle runs twice as fast: value - clim[m] + clim[(2m) mod 12], where m is the
                            calendar month (0 = January) and clim the training years' mean of each calendar month
    flat-line    12 months  value held at the month before the segment (a stuck sensor)
  Columns: month (YYYY-MM), original (as shipped), value (with anomalies), split (train/test), label (1 = injected), kind.

macro.csv (multivariate): statsmodels.datasets.macrodata, US quarterly macro data 1959Q1-2009Q3. Channels, 1959Q2 on
  (202 quarters): quarter-on-quarter growth in percent, 100 * diff(log(x)), of realgdp, realcons, realinv, realgovt, and
  the change in unemp (percentage points). Train: the first 140 quarters (1959Q2-1994Q1). Test: the last 62, into which
  three anomalies are injected, each in one channel, at starts drawn by random.Random(20261206) (at least 8 quarters
  apart, none in the first 4 test quarters), in units of that channel's training standard deviation (sd):
    spike        realgovt  1 quarter   + 5 sd
    level-shift  realcons  4 quarters  + 3 sd
    flat-line    realinv   6 quarters  held at the quarter before
  Columns: quarter (YYYYQn), the five channels (with anomalies), split, label, kind, channel (the channel changed, or "").
  The test part ends with the 2008-09 recession, a real anomaly that is not labelled.

Also writes OUTPUT_DIR/SOURCES.txt with the files, hashes and the injected anomalies' exact positions.
"""

import csv
import hashlib
import math
import os
import random
import sys

import statsmodels.datasets.elnino
import statsmodels.datasets.macrodata

SHA256 = {
    "elnino.csv": "b647be00e0fd264be9764e317e6b963f35030014ecca2b21b204521716e463ad",
    "macrodata.csv": "d93c0d3a7a77ef83c3af14e46032bb1d02ae3a512b22ab94159a8ca226fcf708",
}
MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
MACRO_CHANNELS = ["realgdp", "realcons", "realinv", "realgovt", "unemp"]


def checked(module, name):
    path = os.path.join(os.path.dirname(module.__file__), name)
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    if digest != SHA256[name]:
        sys.exit(f"error: {path} has SHA-256 {digest}, not the {SHA256[name]} of python3-statsmodels 0.13.5; refusing to export other data.")
    with open(path, newline="") as f:
        return path, list(csv.DictReader(f))


def starts(rng, lengths, first, end, gap):
    """Non-overlapping starts in [first, end) for segments of the given lengths, at least `gap` apart (rejection sampling)."""
    while True:
        chosen = [rng.randrange(first, end - length) for length in lengths]
        spans = sorted(zip(chosen, lengths))
        if all(a + la + gap <= b for (a, la), (b, _) in zip(spans, spans[1:])):
            return chosen


def elnino(output, notes):
    path, rows = checked(statsmodels.datasets.elnino, "elnino.csv")
    months, values = [], []
    for row in rows:
        year = int(float(row["YEAR"]))
        for m, name in enumerate(MONTHS):
            months.append(f"{year}-{m + 1:02d}")
            values.append(float(row[name]))
    train = sum(1 for label in months if int(label[:4]) < 1990)
    clim = [sum(values[t] for t in range(m, train, 12)) / (train // 12) for m in range(12)]
    original = list(values)
    labels, kinds = [0] * len(values), ["none"] * len(values)
    plan = [("spike-up", 1), ("spike-down", 1), ("level-shift", 12), ("frequency", 18), ("flat-line", 12)]
    rng = random.Random(20261205)
    positions = starts(rng, [length for _, length in plan], train + 12, len(values), 24)
    notes.append(f"elnino.csv from {path} (sha256 {SHA256['elnino.csv']}); train months 0-{train - 1}, test {train}-{len(values) - 1}")
    for (kind, length), start in zip(plan, positions):
        for t in range(start, start + length):
            m = t % 12
            if kind == "spike-up":
                values[t] += 4.0
            elif kind == "spike-down":
                values[t] -= 4.0
            elif kind == "level-shift":
                values[t] += 1.5
            elif kind == "frequency":
                values[t] = values[t] - clim[m] + clim[(2 * m) % 12]
            elif kind == "flat-line":
                values[t] = values[start - 1]
            labels[t], kinds[t] = 1, kind
        notes.append(f"  {kind:12s} months {months[start]} to {months[start + length - 1]} (rows {start}-{start + length - 1})")
    with open(os.path.join(output, "elnino.csv"), "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["month", "original", "value", "split", "label", "kind"])
        for t in range(len(values)):
            writer.writerow([months[t], f"{original[t]:.2f}", f"{values[t]:.4f}", "train" if t < train else "test", labels[t], kinds[t]])


def macro(output, notes):
    path, rows = checked(statsmodels.datasets.macrodata, "macrodata.csv")
    quarters = [f"{int(float(r['year']))}Q{int(float(r['quarter']))}" for r in rows][1:]
    channels = {}
    for name in MACRO_CHANNELS:
        series = [float(r[name]) for r in rows]
        if name == "unemp":
            channels[name] = [b - a for a, b in zip(series, series[1:])]
        else:
            channels[name] = [100 * (math.log(b) - math.log(a)) for a, b in zip(series, series[1:])]
    n, train = len(quarters), 140
    sd = {}
    for name, series in channels.items():
        mean = sum(series[:train]) / train
        sd[name] = math.sqrt(sum((v - mean) ** 2 for v in series[:train]) / train)
    labels, kinds, changed = [0] * n, ["none"] * n, [""] * n
    plan = [("spike", "realgovt", 1), ("level-shift", "realcons", 4), ("flat-line", "realinv", 6)]
    rng = random.Random(20261206)
    positions = starts(rng, [length for _, _, length in plan], train + 4, n, 8)
    notes.append(f"macro.csv from {path} (sha256 {SHA256['macrodata.csv']}); train quarters 0-{train - 1}, test {train}-{n - 1}")
    for (kind, name, length), start in zip(plan, positions):
        series = channels[name]
        for t in range(start, start + length):
            if kind == "spike":
                series[t] += 5 * sd[name]
            elif kind == "level-shift":
                series[t] += 3 * sd[name]
            elif kind == "flat-line":
                series[t] = series[start - 1]
            labels[t], kinds[t], changed[t] = 1, kind, name
        notes.append(f"  {kind:12s} in {name:8s} quarters {quarters[start]} to {quarters[start + length - 1]} (rows {start}-{start + length - 1}; sd {sd[name]:.4f})")
    with open(os.path.join(output, "macro.csv"), "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["quarter"] + MACRO_CHANNELS + ["split", "label", "kind", "channel"])
        for t in range(n):
            writer.writerow([quarters[t]] + [f"{channels[c][t]:.6f}" for c in MACRO_CHANNELS]
                            + ["train" if t < train else "test", labels[t], kinds[t], changed[t]])


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: export-series.py OUTPUT_DIR")
    output = sys.argv[1]
    os.makedirs(output, exist_ok=True)
    notes = []
    elnino(output, notes)
    macro(output, notes)
    with open(os.path.join(output, "SOURCES.txt"), "w") as f:
        f.write("Written by build/export-series.py (see its docstring for the exact recipe).\n" + "\n".join(notes) + "\n")
    print("\n".join(notes))


if __name__ == "__main__":
    main()
