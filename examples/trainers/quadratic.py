#!/usr/bin/env python3
"""quadratic.py: a trainer without a model, whose loss is a known noisy function of its learning rate.

At epoch e = 1 .. E (E the parameter "epochs", default 9), with lr the learning rate in force:

    loss     = (log10(lr) + 2)^2 + 1/e + u,    u uniform in [-0.01, 0.01]
    val_loss = the same with its own draw of u

so the best learning rate is 1e-2, the best loss about 1/E, and tuna should find both. The noise
depends only on TUNA_SEED, TUNA_TRIAL and e (not on lr), so a run, and an epoch replayed after a
restore, repeats exactly for the same learning rate.

    python3 quadratic.py [--param NAME] [--format json|keras] [--sleep S]

--param NAME   the learning rate's parameter name: lr (default), or alpha for panda, which
               moves the parameter named alpha
--format json  (default) one JSON report per epoch through tunatrainer:
               {"epoch": 3, "loss": ..., "train_loss": ..., "val_loss": ..., "lr": ...}
               (train_loss is loss again, under the name panda's policy reads)
--format keras Keras-style lines, "Epoch 3/9" then "loss: 0.1234 - val_loss: 0.1301"
--sleep S      seconds to sleep in each epoch (default 0: a search of it takes no time)

Parameters come from TUNA_PARAMS (run by hand: lr 1e-3, epochs 9). Under TUNA_CONTROL=step it
takes the daemon's commands (set, save, restore, stop; see tunatrainer.py): its whole state is
its epoch and its parameters, which tunatrainer's checkpoint file holds, so it needs no save or
restore of its own.
"""

import argparse
import math
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tunatrainer  # noqa: E402


def noise(t, epoch, which):
    """u for this epoch: uniform in [-0.01, 0.01], fixed by the seed, the trial and the epoch."""
    return random.Random("%d:%s:%d:%s" % (t.seed, t.trial, epoch, which)).uniform(-0.01, 0.01)


def main():
    ap = argparse.ArgumentParser(description="a noisy quadratic in log10(lr), for tuna")
    ap.add_argument("--param", default="lr", help="the learning rate's name (lr or alpha)")
    ap.add_argument("--format", choices=["json", "keras"], default="json")
    ap.add_argument("--sleep", type=float, default=0.0, help="seconds per epoch")
    a = ap.parse_args()

    t = tunatrainer.Trial(defaults={a.param: 1e-3, "epochs": 9})
    for e in t.epochs():
        lr = float(t.params[a.param])
        if a.sleep > 0:
            time.sleep(a.sleep)
        base = (math.log10(lr) + 2) ** 2 + 1 / e if lr > 0 else float("nan")
        loss = base + noise(t, e, "loss")
        val_loss = base + noise(t, e, "val")
        if a.format == "json":
            t.report(epoch=e, loss=loss, train_loss=loss, val_loss=val_loss, **{a.param: lr})
        else:
            print("Epoch %d/%d" % (e, int(t.params["epochs"])))
            print("loss: %.4f - val_loss: %.4f" % (loss, val_loss), flush=True)


if __name__ == "__main__":
    main()
