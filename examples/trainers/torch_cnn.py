#!/usr/bin/env python3
"""torch_cnn.py: a small convolutional network on Fashion-MNIST in PyTorch, as a tuna trainer.

    TUNA_PARAMS='{"alpha": 0.002, "epochs": 5}' python3 examples/trainers/torch_cnn.py [--test]

The data: Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist/*-ubyte.gz, or the
directory in $FASHION_MNIST), read with gzip and struct (no torchvision). The training file's
first 55,000 images train, its last 5,000 validate (the same split for every trial); --test also
scores the 10,000 test images at the end (a log line, not a report).

The network, with c = channels:
    conv 3x3 (1 -> c) - max pool 2 - batch norm - ReLU      28x28 -> 14x14
    conv 3x3 (c -> 2c) - max pool 2 - batch norm - ReLU     14x14 -> 7x7
    dropout - linear (2c*7*7 -> hidden) - ReLU - dropout - linear (hidden -> 10)
trained with Adam (alpha, beta1, weight_decay) on mini-batches of batch_size.

Each epoch reports train_loss, train_acc, val_loss, val_acc, alpha and seconds (one JSON line,
through tunatrainer). Under control (TUNA_CONTROL=step, for panda): "set" of alpha, beta1 or
weight_decay changes the optimizer, of dropout the network, of batch_size the next epoch's
batches (channels and hidden cannot change); "save" writes the weights, the optimizer's state and
the random generators with torch.save; "restore" loads them, so an epoch replays exactly.

Threads: TUNA_THREADS (by hand: every core) for torch's own threads and OpenBLAS's.
"""

import gzip
import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tunatrainer  # noqa: E402

# OpenBLAS (which Debian's torch calls for some of its GEMMs) reads this when it loads.
if os.environ.get("TUNA_THREADS"):
    os.environ["OPENBLAS_NUM_THREADS"] = os.environ["TUNA_THREADS"]


def keep_freed_memory():
    """Have glibc's malloc keep freed blocks of up to 32 MiB instead of unmapping them.

    Every activation of every step is a new tensor of megabytes; by default glibc maps each
    afresh and the kernel zeroes its pages on first touch: that doubled the time of a step here.
    """
    try:
        import ctypes
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 32 << 20)	# M_MMAP_THRESHOLD
        libc.mallopt(-1, 1 << 30)	# M_TRIM_THRESHOLD
    except (OSError, AttributeError):
        pass		# not glibc: only slower


keep_freed_memory()

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

DATA = os.environ.get("FASHION_MNIST", "/usr/share/datasets/fashion-mnist")
N_VAL = 5000

DEFAULTS = {
    "alpha": 0.002,		# Adam's learning rate
    "beta1": 0.9,
    "weight_decay": 0.0,
    "batch_size": 64,
    "channels": 16,
    "hidden": 128,
    "dropout": 0.2,
    "epochs": 5,
}


def read_idx(path):
    """An IDX file (gzipped or not) as a uint8 tensor of its shape."""
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        data = f.read()
    zero, kind, ndim = struct.unpack_from(">HBB", data, 0)
    if zero != 0 or kind != 0x08:
        raise ValueError("%s: not an IDX file of unsigned bytes" % path)
    shape = struct.unpack_from(">%dI" % ndim, data, 4)
    off = 4 + 4 * ndim
    n = 1
    for d in shape:
        n *= d
    if len(data) - off != n:
        raise ValueError("%s: %d bytes of data, the header says %d" % (path, len(data) - off, n))
    return torch.frombuffer(bytearray(data[off:]), dtype=torch.uint8).reshape(shape)


def load(split):
    def path(name):
        p = os.path.join(DATA, name + "-ubyte.gz")
        return p if os.path.exists(p) else os.path.join(DATA, name + "-ubyte")
    x = read_idx(path(split + "-images-idx3"))
    y = read_idx(path(split + "-labels-idx1")).long()
    return x.unsqueeze(1), y		# [n, 1, 28, 28] uint8, [n] int64


class Net(nn.Module):
    def __init__(self, channels, hidden, dropout):
        super().__init__()
        c = channels
        self.conv1 = nn.Conv2d(1, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, 2 * c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(2 * c)
        self.drop = nn.Dropout(dropout)
        self.fc1 = nn.Linear(2 * c * 7 * 7, hidden)
        self.fc2 = nn.Linear(hidden, 10)

    def forward(self, x):
        # pooled before batch norm and ReLU: the same kind of network, a quarter of their work
        x = F.relu(self.bn1(F.max_pool2d(self.conv1(x), 2)))
        x = F.relu(self.bn2(F.max_pool2d(self.conv2(x), 2)))
        x = self.drop(torch.flatten(x, 1))
        return self.fc2(self.drop(F.relu(self.fc1(x))))


def main():
    test = "--test" in sys.argv[1:]
    state = {}		# the model, optimizer and generator, for the callbacks

    def set_params(changes):
        opt = state["opt"]
        for g in opt.param_groups:
            if "alpha" in changes:
                g["lr"] = float(changes["alpha"])
            if "weight_decay" in changes:
                g["weight_decay"] = float(changes["weight_decay"])
            if "beta1" in changes:
                g["betas"] = (float(changes["beta1"]), g["betas"][1])
        if "dropout" in changes:
            state["model"].drop.p = float(changes["dropout"])
        for k in ("channels", "hidden"):
            if k in changes and changes[k] != state[k]:
                print("torch_cnn: %s cannot change while training (%s stays)" % (k, state[k]),
                      file=sys.stderr, flush=True)

    def save(path):
        torch.save({"model": state["model"].state_dict(), "opt": state["opt"].state_dict(),
                    "torch_rng": torch.get_rng_state(), "shuffle": state["gen"].get_state()},
                   path)

    def restore(path):
        ck = torch.load(path)
        state["model"].load_state_dict(ck["model"])
        state["opt"].load_state_dict(ck["opt"])
        torch.set_rng_state(ck["torch_rng"])
        state["gen"].set_state(ck["shuffle"])

    t = tunatrainer.Trial(defaults=DEFAULTS, save=save, restore=restore, set=set_params)
    p = t.params
    torch.set_num_threads(t.threads or os.cpu_count() or 1)
    torch.manual_seed(t.seed)

    x, y = load("train")
    xtr, ytr, xva, yva = x[:-N_VAL], y[:-N_VAL], x[-N_VAL:], y[-N_VAL:]
    mean = xtr.float().mean().item() / 255
    std = xtr.float().std().item() / 255

    def prep(xb):
        # channels last: the layout oneDNN's convolutions are fastest in (1.5x here)
        return ((xb.float() / 255 - mean) / std).contiguous(memory_format=torch.channels_last)

    model = Net(int(p["channels"]), int(p["hidden"]), float(p["dropout"]))
    model = model.to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(model.parameters(), lr=float(p["alpha"]),
                           betas=(float(p["beta1"]), 0.999),
                           weight_decay=float(p["weight_decay"]))
    gen = torch.Generator().manual_seed(t.seed)
    state.update(model=model, opt=opt, gen=gen, channels=p["channels"], hidden=p["hidden"])

    def evaluate(xs, ys):
        model.eval()
        loss, right = 0.0, 0
        with torch.no_grad():
            for i in range(0, len(xs), 250):	# activations under malloc's 32 MiB
                out = model(prep(xs[i:i + 250]))
                loss += F.cross_entropy(out, ys[i:i + 250], reduction="sum").item()
                right += (out.argmax(1) == ys[i:i + 250]).sum().item()
        return loss / len(xs), right / len(xs)

    for epoch in t.epochs():
        t0 = time.monotonic()
        model.train()
        bs = int(t.params["batch_size"])
        order = torch.randperm(len(xtr), generator=gen)
        loss_sum, right, seen = 0.0, 0, 0
        for i in range(0, len(xtr), bs):
            idx = order[i:i + bs]
            xb, yb = prep(xtr[idx]), ytr[idx]
            out = model(xb)
            loss = F.cross_entropy(out, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(idx)
            right += (out.argmax(1) == yb).sum().item()
            seen += len(idx)
        secs = time.monotonic() - t0
        val_loss, val_acc = evaluate(xva, yva)
        t.report(train_loss=loss_sum / seen, train_acc=right / seen, val_loss=val_loss,
                 val_acc=val_acc, alpha=opt.param_groups[0]["lr"], seconds=secs,
                 eval_seconds=time.monotonic() - t0 - secs)
    if test:
        xte, yte = load("t10k")
        test_loss, test_acc = evaluate(xte, yte)
        print("test accuracy %.4f, test loss %.4f, after epoch %d" % (test_acc, test_loss,
              t.epoch), flush=True)


if __name__ == "__main__":
    main()
