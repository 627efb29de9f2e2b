#!/usr/bin/python3
"""PyTorch peer of tuna-worker: Fashion-MNIST, 784 -> [Linear(no bias) -> BN -> ReLU] x 2
(256 units) -> Linear(10), CrossEntropyLoss, Adam(1e-3, (0.9, 0.999), 1e-8), batch 128.

    /usr/bin/python3 bench/torch_mlp.py --epochs 10 --threads 1 [--val]

Prints one JSON object per line: per epoch {"epoch", "seconds", "train_loss", ...},
where "seconds" is the training pass only (batch gather + forward + backward + step
over all mini-batches), then {"test_acc", "peak_rss_mb", ...}.
"""

import argparse
import gzip
import json
import os
import resource
import sys
import time

# numpy and torch are imported in main(), after OPENBLAS_NUM_THREADS is set:
# both load the same OpenBLAS, which reads it only once, when loaded.


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist",
                    help="directory with the four *-idx?-ubyte.gz files")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--blas-threads", type=int, default=None,
                    help="OpenBLAS threads, used by Linear's GEMMs (default: --threads)")
    ap.add_argument("--intra-threads", type=int, default=None,
                    help="torch.set_num_threads(), i.e. OpenMP threads of the other ops "
                         "(default: --threads)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--val", action="store_true",
                    help="train on the first 54,000 images (like tuna) and report val_acc "
                         "on the last 6,000; default: train on all 60,000")
    return ap.parse_args()


def read_idx(path):
    """IDX (gzip) -> numpy uint8 array with the file's shape."""
    import numpy as np
    with gzip.open(path, "rb") as f:
        data = f.read()
    if data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError("%s: not an unsigned-byte IDX file" % path)
    ndims = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndims).reshape(dims)


def main():
    args = parse_args()
    # Debian's torch does its GEMMs in the pthread build of OpenBLAS, which
    # torch.set_num_threads() does not reach: without OPENBLAS_NUM_THREADS the
    # "1-thread" run does its GEMMs on every core.  OpenBLAS reads it once, when
    # it is loaded (by numpy or torch, whichever comes first).
    # With 2 cores, set_num_threads(2) + 2 OpenBLAS threads = 4 spinning threads,
    # ~3.5x slower than 1 thread; see bench/README.md.
    if "numpy" in sys.modules or "torch" in sys.modules:
        raise RuntimeError("numpy/torch imported before OPENBLAS_NUM_THREADS was set")
    blas_threads = args.blas_threads if args.blas_threads is not None else args.threads
    intra_threads = args.intra_threads if args.intra_threads is not None else args.threads
    os.environ["OPENBLAS_NUM_THREADS"] = str(blas_threads)
    os.environ["OMP_NUM_THREADS"] = str(intra_threads)
    import numpy as np
    import torch
    import torch.nn as nn

    torch.set_num_threads(intra_threads)
    torch.manual_seed(args.seed)

    d = args.data
    x_train = read_idx(os.path.join(d, "train-images-idx3-ubyte.gz")).reshape(-1, 784)
    y_train = read_idx(os.path.join(d, "train-labels-idx1-ubyte.gz")).astype(np.int64)
    x_test = read_idx(os.path.join(d, "t10k-images-idx3-ubyte.gz")).reshape(-1, 784)
    y_test = read_idx(os.path.join(d, "t10k-labels-idx1-ubyte.gz")).astype(np.int64)
    # Kept as uint8 and scaled to [0,1] floats per batch, as torchvision's
    # FashionMNIST + ToTensor() does (its dataset holds uint8 too).
    x_train, y_train = torch.from_numpy(x_train.copy()), torch.from_numpy(y_train)
    x_test, y_test = torch.from_numpy(x_test.copy()), torch.from_numpy(y_test)
    x_val = y_val = None
    if args.val:
        n = len(x_train) - len(x_train) // 10
        x_val, y_val = x_train[n:], y_train[n:]
        x_train, y_train = x_train[:n], y_train[:n]
    n_train = len(x_train)

    layers, prev = [], 784
    for _ in range(args.layers):
        layers += [nn.Linear(prev, args.hidden, bias=False), nn.BatchNorm1d(args.hidden),
                   nn.ReLU()]
        prev = args.hidden
    layers.append(nn.Linear(prev, 10))
    model = nn.Sequential(*layers)
    lossf = nn.CrossEntropyLoss()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.999), eps=1e-8)

    def evaluate(x, y):
        model.eval()
        correct, loss = 0, 0.0
        with torch.no_grad():
            for i in range(0, len(x), 1000):
                xb = x[i:i + 1000].float().div_(255.0)
                out = model(xb)
                loss += lossf(out, y[i:i + 1000]).item() * len(xb)
                correct += (out.argmax(1) == y[i:i + 1000]).sum().item()
        return loss / len(x), correct / len(x)

    def emit(obj):
        print(json.dumps(obj), flush=True)

    emit({"event": "start", "threads": args.threads, "intra_threads": intra_threads,
          "blas_threads": blas_threads, "n_train": n_train,
          "torch": torch.__version__})
    for epoch in range(1, args.epochs + 1):
        model.train()
        t0, c0 = time.perf_counter(), time.process_time()
        perm = torch.randperm(n_train)
        loss_sum = torch.zeros((), dtype=torch.float64)
        correct = torch.zeros((), dtype=torch.int64)
        for i in range(0, n_train, args.batch):
            idx = perm[i:i + args.batch]
            xb = x_train[idx].float().div_(255.0)
            yb = y_train[idx]
            opt.zero_grad(set_to_none=True)
            out = model(xb)
            loss = lossf(out, yb)
            loss.backward()
            opt.step()
            with torch.no_grad():
                loss_sum += loss.detach() * len(idx)
                correct += (out.argmax(1) == yb).sum()
        seconds = time.perf_counter() - t0
        cpu_seconds = time.process_time() - c0
        rec = {"epoch": epoch, "seconds": seconds, "train_loss": loss_sum.item() / n_train,
               "train_acc": correct.item() / n_train, "cpu_seconds": cpu_seconds,
               "os_threads": len(os.listdir("/proc/self/task"))}
        if args.val:
            t1 = time.perf_counter()
            rec["val_loss"], rec["val_acc"] = evaluate(x_val, y_val)
            rec["eval_seconds"] = time.perf_counter() - t1
        emit(rec)

    test_loss, test_acc = evaluate(x_test, y_test)
    emit({"event": "done", "test_loss": test_loss, "test_acc": test_acc,
          "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})
    return 0


if __name__ == "__main__":
    sys.exit(main())
