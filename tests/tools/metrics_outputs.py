#!/usr/bin/python3
"""metrics_outputs.py LABELS.npy OUTDIR - test-data generator for the metrics
quality comparison: from FINN's verification labels it writes reference
scores (N x 10, argmax = label), hardware scores equal to the reference but
with the last sample's top class moved (so top-1 agreement is (N-1)/N and the
max absolute error is known), and both as class indices."""
import sys
import numpy as np

labels = np.load(sys.argv[1]).reshape(-1).astype(np.int64)
out = sys.argv[2]
n = labels.shape[0]
ref = np.zeros((n, 10), dtype=np.float32)
ref[np.arange(n), labels] = 1.0
ref += np.linspace(0, 0.09, 10, dtype=np.float32)[None, :] * 0.1
hw = ref.copy()
other = (labels[-1] + 1) % 10
hw[-1, other] += 1.5          # last sample now votes for `other`
np.save(f"{out}/ref_scores.npy", ref)
np.save(f"{out}/hw_scores.npy", hw)
np.save(f"{out}/ref_idx.npy", ref.argmax(axis=1).astype(np.int64))
np.save(f"{out}/hw_idx.npy", hw.argmax(axis=1).astype(np.int64))
