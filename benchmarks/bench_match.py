"""Lighthouse to follower at country size: 35 000 follower districts against 1 000 lighthouse
districts, 8 indicators.

Run: .venv/bin/python benchmarks/bench_match.py [--follower 35000] [--lighthouse 1000] [--references 300]
Prints, in one run, the time of scmap's stages (standardising both cities' profiles, matching
with the explanation) and of two baselines on the same standardised values: a plain numpy
nearest neighbour (all distances in blocks) and scikit-learn's NearestNeighbors; the ratios, and
that all three find the same nearest reference.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from scmap.pipeline.match import match_profiles, standardised


def profiles(n: int, k: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = rng.lognormal(size=(n, k)) * rng.uniform(1, 1000, size=k)
    return pd.DataFrame(data, columns=[f"i{j}" for j in range(k)], index=[f"d{seed}-{i}" for i in range(n)])


def numpy_nearest(ref: np.ndarray, fol: np.ndarray, block: int = 4096) -> np.ndarray:
    out = np.empty(len(fol), dtype=int)
    for start in range(0, len(fol), block):
        part = fol[start : start + block]
        d2 = ((part[:, None, :] - ref[None, :, :]) ** 2).sum(axis=2)
        out[start : start + block] = d2.argmin(axis=1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--follower", type=int, default=35_000)
    parser.add_argument("--lighthouse", type=int, default=1_000)
    parser.add_argument("--references", type=int, default=300, help="lighthouse districts with the solution")
    parser.add_argument("--indicators", type=int, default=8)
    a = parser.parse_args()
    lighthouse, follower = profiles(a.lighthouse, a.indicators, 1), profiles(a.follower, a.indicators, 2)

    t = time.perf_counter()
    ls, fs = standardised(lighthouse), standardised(follower)
    t_std = time.perf_counter() - t
    reference = ls.iloc[: a.references]
    t = time.perf_counter()
    found = match_profiles(reference, fs)
    t_match = time.perf_counter() - t

    ref, fol = reference.to_numpy(), fs.to_numpy()
    t = time.perf_counter()
    plain = numpy_nearest(ref, fol)
    t_numpy = time.perf_counter() - t
    from sklearn.neighbors import NearestNeighbors

    t = time.perf_counter()
    learned = NearestNeighbors(n_neighbors=1).fit(ref).kneighbors(fol, return_distance=False)[:, 0]
    t_sklearn = time.perf_counter() - t

    ours = pd.Index(reference.index).get_indexer(found["like_id"])
    same = (ours == plain).mean(), (ours == learned).mean()
    print(f"{a.follower:,} follower districts, {a.lighthouse:,} lighthouse districts ({a.references} with the "
          f"solution), {a.indicators} indicators")  # fmt: skip
    print(f"  scmap standardise both cities     {t_std:7.3f} s")
    print(f"  scmap match + explanation         {t_match:7.3f} s")
    print(f"  scmap total                       {t_std + t_match:7.3f} s")
    print(f"  numpy nearest neighbour (blocks)  {t_numpy:7.3f} s   scmap match / numpy   x{t_match / t_numpy:.2f}")
    print(f"  scikit-learn NearestNeighbors     {t_sklearn:7.3f} s   scmap match / sklearn x{t_match / t_sklearn:.2f}")
    print(f"  same nearest reference as numpy {same[0]:.1%}, as scikit-learn {same[1]:.1%}")


if __name__ == "__main__":
    main()
