#!/usr/bin/env python3
"""Writes scikit-learn's bundled tables — digits (1,797 × 64), wine (178 × 13) and breast cancer (569 × 30) — as CSV files
with a header (feature names, then "Label") into the folder given, for the TabularFeatures sample. The data ships inside
the python3-sklearn package (no download); nothing is changed but the format: values as float32 text, the class as an
integer label in the last column."""
import csv, os, sys

from sklearn import datasets

target = sys.argv[1]
os.makedirs(target, exist_ok=True)
for name, load in [("digits", datasets.load_digits), ("wine", datasets.load_wine), ("breast_cancer", datasets.load_breast_cancer)]:
    table = load()
    names = [str(n).replace(",", " ") for n in getattr(table, "feature_names", [f"f{i}" for i in range(table.data.shape[1])])]
    with open(os.path.join(target, f"{name}.csv"), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(names + ["Label"])
        for row, label in zip(table.data, table.target):
            writer.writerow([repr(float(v)) for v in row.astype("float32")] + [int(label)])
    print(f"{name}: {table.data.shape[0]} rows × {table.data.shape[1]} features, {len(set(table.target))} classes")
