#!/usr/bin/env python3
# make_corpus.py: writes the seed corpora of the fuzz targets (tests/fuzz/corpus/TARGET/seed-*):
# protocol lines from the README and the example specs as submit requests (fuzz_request), the
# example specs and variants (fuzz_spec), and tiny IDX and CSV files (fuzz_loader). Run it from
# anywhere; it rewrites the seed-* files only (regression inputs, regress-*, are kept).
import glob
import gzip
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CSV_FD = "/proc/self/fd/900"    # the data sets fuzz_request.c provides
IDX_FD = "/proc/self/fd/901"


def write(target, name, data):
    """Write one seed file."""
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def examples():
    """The example specs (not the single trial), by name."""
    out = {}
    for path in sorted(glob.glob(os.path.join(ROOT, "examples", "*.json"))):
        name = os.path.basename(path)[:-5]
        if not name.startswith("trial-"):
            with open(path) as f:
                out[name] = json.load(f)
    return out


def line(obj):
    """One request line."""
    return json.dumps(obj, separators=(",", ":")) + "\n"


def request_seeds():
    """fuzz_request: protocol lines, and the example specs submitted on the small data sets."""
    for name, spec in examples().items():
        spec = dict(spec, dataset=CSV_FD)
        write("fuzz_request", "submit-" + name, line({"type": "submit", "id": name, "spec": spec}))
        spec["dataset"] = IDX_FD
        write("fuzz_request", "submit-idx-" + name,
              line({"type": "submit", "id": 7, "spec": spec}))
    small = {"dataset": {"format": "csv", "train": CSV_FD, "header": "auto", "label_column": 0,
                         "val_fraction": 0.25, "cache": False},
             "trials": 2, "epochs": 2, "max_retries": 1, "trial_timeout": 0,
             "params": {"optimizer": {"values": ["adam", "gd"]}, "batchnorm": False}}
    write("fuzz_request", "submit-watch-status",
          line({"type": "submit", "id": "s", "spec": small}) +
          line({"type": "watch", "id": "w", "search": 1}) +
          line({"type": "status", "search": 1}) + line({"type": "best", "n": 3}) +
          line({"type": "cancel", "search": 1}))
    write("fuzz_request", "submit-path-object",
          line({"type": "submit", "spec": {"dataset": {"path": CSV_FD, "cache": True},
                                           "mode": "panda", "trials": 1}}))
    lines = [
        {"type": "hello", "id": 1},
        {"type": "status"},
        {"type": "status", "id": [1, {"a": None}], "search": 3},
        {"type": "best", "search": 1, "n": 5},
        {"type": "cancel", "search": 2},
        {"type": "watch", "history": False, "follow": False},
        {"type": "watch", "search": 1, "history": True, "follow": True},
        {"type": "nudge", "trial": 17, "set": {"alpha": 3e-4}},
        {"type": "nudge", "trial": 17, "scale": {"alpha": 0.5}},
        {"type": "nudge", "trial": 17, "rollback": True},
        {"type": "shutdown"},
        {"type": "launch"},
        {"type": "hello", "extra": 1},
        {"type": 5},
    ]
    for i, obj in enumerate(lines):
        write("fuzz_request", "line-%02d" % i, line(obj))
    write("fuzz_request", "bad-lines",
          "{\"type\":\r\n[1,2]\n\n\r\n\"str\"\n{\"id\":null}\n{\"type\":\"status\"} x\n")
    write("fuzz_request", "crlf-partial",
          "{\"type\":\"hello\"}\r\n{\"type\":\"best\",\"n\":0}\r\n{\"type\":\"status\",\"search\"")
    write("fuzz_request", "two-watches",
          line({"type": "watch", "follow": False}) + line({"type": "watch"}) +
          line({"type": "hello"}))


def spec_seeds():
    """fuzz_spec: the example specs as they are, and variants of every section."""
    for name, spec in examples().items():
        write("fuzz_spec", name, json.dumps(spec, indent=1))
    base = {"dataset": "/data.csv", "trials": 12, "epochs": 9, "seed": 3}
    variants = {
        "c2f-defaults": dict(base, strategy={"kind": "coarse_to_fine"},
                             params={"alpha": {"scale": "log", "min": 1e-5, "max": 1},
                                     "layers": {"values": [0, 1, 2]}}),
        "asha-default-rungs": dict(base, early_stopping={"kind": "asha", "eta": 2.5},
                                   params={"hidden_units": {"scale": "pow2", "min": 1,
                                                            "max": 65536}}),
        "panda-policy": dict(base, mode="panda", threads=2,
                             panda={"alpha_min": 1e-6, "alpha_max": 1, "raise_after": 3},
                             params={"beta": {"scale": "one_minus_log", "min": 0.5,
                                              "max": 0.9999},
                                     "optimizer": "momentum"}),
        "every-param": dict(base, params={
            "alpha": {"scale": "linear", "min": 0.001, "max": 10},
            "lr_decay": {"scale": "log", "min": 1e-6, "max": 1e6},
            "optimizer": {"values": ["gd", "momentum", "rmsprop", "adam"]},
            "beta": 0.9, "beta1": {"scale": "one_minus_log", "min": 0, "max": 0.99},
            "beta2": {"values": [0.99, 0.999]}, "epsilon": {"scale": "log", "min": 1e-10,
                                                           "max": 1},
            "layers": {"scale": "int", "min": 0, "max": 16},
            "hidden_units": {"scale": "int", "min": 1, "max": 512},
            "batch_size": {"scale": "pow2", "min": 1, "max": 1048576},
            "batchnorm": {"values": [True, False]},
            "bn_momentum": {"scale": "linear", "min": 0, "max": 0.99}}),
        "dataset-idx-object": dict(base, dataset={
            "format": "idx", "train_images": "/a", "train_labels": "/b", "test_images": "/c",
            "test_labels": "/d", "val_fraction": 0.2, "cache": False}),
        "dataset-csv-object": dict(base, dataset={
            "format": "csv", "train": "/a.csv", "test": "/b.csv", "label_column": 3,
            "header": True}),
        "dataset-path-object": dict(base, dataset={"path": "/x", "val_fraction": 0},
                                    name="x" * 200, trial_timeout=0, max_retries=10),
        "limits": dict(base, limits={"address_space_mb": 4096, "cpu_seconds": 600}),
    }
    for name, spec in variants.items():
        write("fuzz_spec", name, json.dumps(spec))


def idx(dims, data):
    """An IDX file of unsigned bytes."""
    return struct.pack(">BBBB", 0, 0, 8, len(dims)) + b"".join(
        struct.pack(">I", d) for d in dims) + bytes(data)


def loader_input(flags, a, b):
    """A fuzz_loader input: flags, len(a) (2 bytes), a, b."""
    return bytes([flags]) + struct.pack(">H", len(a)) + a + b


def loader_seeds():
    """fuzz_loader: tiny IDX (raw, gzip) and CSV data sets, good and a few broken."""
    images = idx([6, 2, 3], [(i * 37 + j * 11) % 256 for i in range(6) for j in range(6)])
    labels = idx([6], [0, 1, 2, 0, 1, 2])
    write("fuzz_loader", "idx-raw", loader_input(0, images, labels))
    write("fuzz_loader", "idx-gzip-here", loader_input(1, images, labels))
    write("fuzz_loader", "idx-test", loader_input(4 | 0x80, images, labels))
    write("fuzz_loader", "idx-gzip-given",
          loader_input(0, gzip.compress(images, mtime=0), gzip.compress(labels, mtime=0)))
    write("fuzz_loader", "idx-truncated", loader_input(1, images[:-5], labels))
    csv = "label,x,y,z\n0,1,2,3\n1,4.5,-5,6e2\n2,7,8,9\n1,0.25,1,1\n0,3,3,3\n2,1,1,2\n"
    write("fuzz_loader", "csv-header", loader_input(2, csv.encode(), b""))
    nohead = "1,0.5,2\r\n0,1,\"3\"\r\n1, 2 ,4\r\n0,7,1e-3\r\n\r\n"
    write("fuzz_loader", "csv-test", loader_input(3 | 1 << 3, nohead.encode(),
                                                  b"0,1,1\n1,2,2\n"))
    write("fuzz_loader", "csv-label-last",
          loader_input(2 | 2 << 5 | 2 << 3, b"\xef\xbb\xbfa,b,label\n1,2,0\n3,4,1\n5,6,1\n",
                       b""))
    write("fuzz_loader", "csv-long-line",
          loader_input(2, ("0," + ",".join(str(i) for i in range(40)) + "\n1," +
                           ",".join("%d.5" % i for i in range(40)) + "\n").encode(), b""))
    write("fuzz_loader", "csv-ragged", loader_input(2, b"0,1,2\n1,2\n", b""))
    write("fuzz_loader", "csv-text-labels",
          loader_input(3, b"setosa,1,2\nvirginica,3,4\n\"versicolor\",5,6\n setosa ,7,8\n",
                       b"virginica,1,1\nsetosa,2,2\n"))
    write("fuzz_loader", "csv-label-name",
          loader_input(2 | 3 << 3, b"x,y,label\n1,2,b\n3,4,a\n5,6,\"c \"\"q\"\"\"\n6,7,a\n",
                       b""))


request_seeds()
spec_seeds()
loader_seeds()
