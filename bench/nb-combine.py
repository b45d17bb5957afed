#!/usr/bin/env python3
"""nb-combine.py - a token-count naive Bayes beside the learner (issue 16)

    build/bench/featdump build/corpus/ham build/corpus/spam > feats.tsv
    bench/accuracy -S "20260101 1 2 3 4"
    bench/nb-combine.py feats.tsv [bench/out/accuracy]

Experiment only, nothing of it ships.  For every split and test fold of
bench/accuracy's scores.tsv, counts in how many of the other folds' ham
and spam each feature (featdump: every feature once) occurs, scores each
held-out message with Robinson's f(w) and Fisher's chi-square combining
(the NB_N features farthest from 0.5, at least NB_MIND away; strength
NB_S, prior NB_X), and adds W * (2I - 1) points to the learner's points
(the learner at 27 points per margin, clamped to +-100, as the verdict
does, plus the rules).  Prints the NB's own (1-AUC), then each W's mean
(1-AUC), ham marked spam, ham spam-or-probable and spam caught at the
standard level, per split.  Only the Python standard library is used.
"""
import math
import os
import sys

SEEDS = ["20260101", "1", "2", "3", "4"]
S = float(os.environ.get("NB_S", "1.0"))
X = float(os.environ.get("NB_X", "0.5"))
MAXT = int(os.environ.get("NB_N", "150"))
MIND = float(os.environ.get("NB_MIND", "0.1"))


def load_features(path):
    """name -> list of feature ids (each once)"""
    fid, feats = {}, {}
    for line in open(path):
        p = line.rstrip("\n").split("\t")
        feats[p[0]] = [fid.setdefault(h, len(fid)) for h in set(p[1:])]
    return feats, len(fid)


def chi2q(x2, v):
    """P(chi-square with v (even) degrees of freedom >= x2)"""
    m = x2 / 2.0
    s = t = math.exp(-m)
    for i in range(1, v // 2):
        t *= m / i
        s += t
    return min(s, 1.0)


def fisher(fs):
    """Robinson/Fisher indicator: 0 ham .. 1 spam"""
    if not fs:
        return 0.5
    ls = sum(math.log(f) for f in fs)
    lh = sum(math.log(1.0 - f) for f in fs)
    return (1.0 + chi2q(-2.0 * ls, 2 * len(fs)) -
            chi2q(-2.0 * lh, 2 * len(fs))) / 2.0


def nb_split(rows, feats, nf, k=5):
    """each row gets the NB indicator from a model of the other folds"""
    cnt = [[[0] * nf, [0] * nf] for _ in range(k)]
    num = [[0, 0] for _ in range(k)]
    for r in rows:
        num[r["fold"]][r["spam"]] += 1
        c = cnt[r["fold"]][r["spam"]]
        for j in feats[r["name"]]:
            c[j] += 1
    tot = [[sum(cnt[f][c][j] for f in range(k)) for j in range(nf)]
           for c in (0, 1)]
    for r in rows:
        f = r["fold"]
        nh = sum(num[g][0] for g in range(k) if g != f)
        ns = sum(num[g][1] for g in range(k) if g != f)
        fs = []
        for j in feats[r["name"]]:
            hc = tot[0][j] - cnt[f][0][j]
            sc = tot[1][j] - cnt[f][1][j]
            if hc + sc == 0:
                continue
            pw = (sc / ns) / (sc / ns + hc / nh)
            fw = (S * X + (hc + sc) * pw) / (S + hc + sc)
            if abs(fw - 0.5) >= MIND:
                fs.append((abs(fw - 0.5), fw))
        fs.sort(reverse=True)
        r["nb"] = fisher([fw for _, fw in fs[:MAXT]])


def one_minus_auc(pairs):
    """(1-AUC) % of (score, spam) pairs, ties counting half"""
    s = sorted(pairs, key=lambda t: -t[0])
    nh = sum(1 for p in s if not p[1])
    ns = len(s) - nh
    tp = auc = 0.0
    i = 0
    while i < len(s):
        j, ts, th = i, 0, 0
        while j < len(s) and s[j][0] == s[i][0]:
            ts += s[j][1]
            th += not s[j][1]
            j += 1
        auc += th * (tp + ts / 2.0)
        tp += ts
        i = j
    return 100.0 * (1.0 - auc / (nh * ns))


def main():
    feats, nf = load_features(sys.argv[1])
    out = sys.argv[2] if len(sys.argv) > 2 else "bench/out/accuracy"
    splits = {}
    for seed in SEEDS:
        rows = []
        for line in list(open("%s/seed-%s/scores.tsv" % (out, seed)))[1:]:
            p = line.rstrip("\n").split("\t")
            rows.append({"spam": int(p[0] == "spam"), "fold": int(p[1]),
                         "margin": float(p[2]), "status": p[5],
                         "name": p[8], "rules": float(p[9])})
        nb_split(rows, feats, nf)
        splits[seed] = rows
        print("split %-9s NB alone (1-AUC) %.4f %%" % (seed, one_minus_auc(
            [(r["nb"], r["spam"]) for r in rows])))
    for w in (0, 5, 10, 20, 30, 40, 60):
        per, aucs = [], []
        for seed in SEEDS:
            hs = hsp = sc = ns = 0
            pairs = []
            for r in splits[seed]:
                lm = 27.0 * r["margin"] + w * (2.0 * r["nb"] - 1.0)
                pts = r["rules"] + max(-100.0, min(100.0, lm))
                pairs.append((r["rules"] + lm, r["spam"]))
                ns += r["spam"]
                if r["status"] == "formal":
                    continue        # its own status, whatever the points
                if r["spam"]:
                    sc += pts >= 50
                else:
                    hs += pts >= 50
                    hsp += pts >= 30
            per.append((hs, hsp, round(100.0 * sc / ns, 2)))
            aucs.append(one_minus_auc(pairs))
        print("W %2d: (1-AUC) %.4f, ham spam %.1f, spam+prob %.1f, spam "
              "caught %.2f %%  %s" % (w, sum(aucs) / 5,
                                      sum(p[0] for p in per) / 5,
                                      sum(p[1] for p in per) / 5,
                                      sum(p[2] for p in per) / 5, per))


if __name__ == "__main__":
    main()
