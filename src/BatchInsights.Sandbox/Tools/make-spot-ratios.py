#!/usr/bin/env python3
"""Derives Data/spot-ratios.csv (the Spot model's calibration) from the real Spot price sample.

Input: /work/shared/data/spot-prices-2022-05-31-linux.tsv (ericpauley/aws-spot-price-history, 2022-05-31, Linux/UNIX)
and Data/instance-types.csv (us-east-1 Linux On-Demand prices). For each instance type seen in us-east-1: the median over
its AZs of the last Spot price of the sample divided by the On-Demand price, and the standard deviation of the log price
between AZs (0 when seen in one AZ only). Run: python3 Tools/make-spot-ratios.py > Data/spot-ratios.csv
"""
import csv, math, statistics, sys, collections, os

here = os.path.dirname(os.path.abspath(__file__))
od = {}
for r in csv.DictReader(open(os.path.join(here, "..", "Data", "instance-types.csv"))):
    if r["ondemand_usd_per_hour_us_east_1"]:
        od[r["instance_type"]] = float(r["ondemand_usd_per_hour_us_east_1"])
last = {}
for r in csv.DictReader(open("/work/shared/data/spot-prices-2022-05-31-linux.tsv"), delimiter="\t"):
    if r["az_id"].startswith("use1-"):
        last[(r["instance_type"], r["az_id"])] = float(r["spot_usd_per_hour"])
by_type = collections.defaultdict(list)
for (t, _), p in last.items():
    by_type[t].append(p)
out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow(["instance_type", "spot_to_ondemand", "az_log_sd"])
for t in sorted(by_type):
    if t not in od:
        continue
    v = by_type[t]
    sd = statistics.pstdev([math.log(p) for p in v]) if len(v) > 1 else 0.0
    out.writerow([t, f"{statistics.median(v) / od[t]:.4f}", f"{sd:.4f}"])
