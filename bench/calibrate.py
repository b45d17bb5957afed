#!/usr/bin/env python3
"""calibrate.py - the classifier's verdict scale from cross-validated scores

    bench/accuracy -S "20260101 1 2 3 4"      # writes seed-*/scores.tsv
    bench/calibrate.py [-o bench/out/accuracy] [-g 50] [-n 2]

Reads every split's scores.tsv (bench/out/accuracy/seed-*/): each
message's held-out learner margin and the points of everything else
(rules).  Prints the two constants content/README.md "How the standard
threshold was placed" describes:

1. CALIB_SLOPE (content/learner.c): Platt scaling of the margin, fitted
   by maximum likelihood over all splits' held-out margins with the prior
   left out (p = logistic(slope * margin), no intercept).

2. Points per unit of margin, by nested cross-validation: for each test
   fold of each split, the standard threshold that keeps ham marked spam
   at or below 0.1 % (at most -n ham of the other folds' held-out scores
   at or above it) is picked on the other folds only; the median of the
   picks is mapped to the spam threshold (-g, 50 points) by rescaling the
   points per unit of margin, again until the median pick is the
   threshold.  VERDICT_LEARNER_SCALE (policy/verdict.h) = points per
   margin / CALIB_SLOPE.

With -k K it reports, instead, the median pick and each split's ham
marked spam (probable_spam off), ham marked spam or probable-spam and
spam caught at K points per margin, from the learner and the rules only
(bench/accuracy's own counts also see the formal-mail and clamp details
of the verdict, so its spam caught can differ by a few tenths).

The learner's points are clamped to +-100 as the verdict does.  Only
the Python standard library is used.
"""
import argparse
import glob
import math
import os
import statistics
import sys

CLAMP = 100.0


def read_scores(path):
    """(fold, is_spam, margin, rules points, formal) per message."""
    rows = []
    with open(path) as f:
        head = f.readline().rstrip("\n").split("\t")
        col = {name: i for i, name in enumerate(head)}
        if "rules" not in col:
            sys.exit(path + ": no rules column (bench/accuracy too old)")
        for line in f:
            c = line.rstrip("\n").split("\t")
            rows.append((int(c[col["fold"]]), c[col["class"]] == "spam",
                         float(c[col["margin"]]), float(c[col["rules"]]),
                         c[col["standard"]] == "formal"))
    return rows


def platt_slope(rows):
    """Maximum-likelihood slope of p = logistic(a * margin), by Newton."""
    a = 1.0
    for _ in range(100):
        grad = hess = 0.0
        for _, spam, m, _, _ in rows:
            z = a * m
            p = 1.0 / (1.0 + math.exp(-z)) if z > -40 else 0.0
            grad += ((1.0 if spam else 0.0) - p) * m
            hess += p * (1.0 - p) * m * m
        step = grad / hess
        a += step
        if abs(step) < 1e-9:
            break
    return a


def points(row, per_margin):
    """Verdict points of a message at per_margin points per unit of margin."""
    learner = max(-CLAMP, min(CLAMP, per_margin * row[2]))
    return row[3] + learner


def pick(rows, fold, per_margin, max_ham):
    """The lowest threshold with at most max_ham of the other folds' ham at
    or above it: just above the (max_ham + 1)-th highest ham."""
    ham = sorted((points(r, per_margin) for r in rows
                  if r[0] != fold and not r[1]), reverse=True)
    return ham[max_ham] + 0.01


def median_pick(splits, per_margin, max_ham):
    """The median of every split's and test fold's threshold pick."""
    picks = []
    for rows in splits:
        for fold in sorted({r[0] for r in rows}):
            picks.append(pick(rows, fold, per_margin, max_ham))
    return statistics.median(picks), len(picks)


def split_counts(rows, per_margin, noprob_spam=50.0, probable=30.0):
    """Ham marked spam (probable_spam off), ham at probable or more, spam
    caught and spam in one split at per_margin points per margin (formal
    mail under 100 points is formal, as the verdict has it)."""
    hs = hsp = caught = nspam = 0
    for _, spam, m, r, formal in rows:
        pts = points((0, spam, m, r), per_margin)
        if formal and pts < CLAMP:
            pts = -CLAMP
        if spam:
            nspam += 1
            caught += pts >= noprob_spam
        else:
            hs += pts >= noprob_spam
            hsp += pts >= probable
    return hs, hsp, caught, nspam


def report_at(splits, formal_splits, names, per_margin, max_ham):
    """The median pick and every split's counts at one scale."""
    med, n = median_pick(splits, per_margin, max_ham)
    print(f"{len(splits)} splits, {n} picks at {per_margin:.2f} "
          f"points/margin: median {med:.2f}")
    print("split           ham spam  ham s+p  spam caught (of the learner "
          "and rules only)")
    for name, rows in zip(names, formal_splits):
        hs, hsp, caught, nspam = split_counts(rows, per_margin)
        print(f"{name:<14} {hs:9d} {hsp:8d}  {100.0 * caught / nspam:6.2f} %")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", default="bench/out/accuracy",
                    help="bench/accuracy's output directory")
    ap.add_argument("-g", type=float, default=50.0,
                    help="the standard spam threshold, points")
    ap.add_argument("-n", type=int, default=2,
                    help="ham allowed at or above a pick (0.1 %% of ~2636)")
    ap.add_argument("-k", type=float, default=None,
                    help="instead: the median pick and each split's ham "
                    "and spam counts at K points per margin")
    args = ap.parse_args()
    paths = sorted(glob.glob(os.path.join(args.o, "seed-*", "scores.tsv")))
    if not paths:
        sys.exit(args.o + ": no seed-*/scores.tsv (run bench/accuracy -S)")
    splits = [read_scores(p) for p in paths]
    names = [os.path.basename(os.path.dirname(p)) for p in paths]
    if args.k is not None:
        report_at(splits, splits, names, args.k, args.n)
        return
    slope = platt_slope([r for rows in splits for r in rows])
    per_margin = 27.0
    for _ in range(50):
        med, n = median_pick(splits, per_margin, args.n)
        new = per_margin * args.g / med
        if abs(new - per_margin) < 1e-4:
            break
        per_margin = new
    print(f"{len(paths)} splits, {n} test folds")
    print(f"CALIB_SLOPE           {slope:.3f}  (Platt, no intercept)")
    print(f"points per margin     {per_margin:.2f}  (median pick "
          f"{med:.2f} at it)")
    print(f"VERDICT_LEARNER_SCALE {per_margin / slope:.2f}  "
          f"(points per unit of log-odds)")


if __name__ == "__main__":
    main()
