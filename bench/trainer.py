#!/usr/bin/python3
"""tuna-worker vs PyTorch on Fashion-MNIST, side by side (see bench/README.md).

    /usr/bin/python3 bench/trainer.py [--worker PATH] [--epochs 10] [--quick]

Runs, one after the other: tuna-worker 1 thread, torch 1 thread (--epochs each),
then tuna-worker 2 threads, torch 2 threads (--epochs2 each).  Peak RSS of each
child comes from os.wait4(); epoch times from the children's own per-epoch
"seconds" (training pass only).  Progress goes to stderr, the table to stdout.

Deliberately imports nothing heavy: a child's ru_maxrss is at least this
process's RSS when it was spawned (~10 MB here).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from machine import cpu_model

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

GOAL_TIME_RATIO = 1.0    # tuna/torch median epoch seconds
GOAL_RSS_RATIO = 0.25    # tuna/torch peak RSS
GOAL_TUNA_ACC = 0.890    # tuna test accuracy after 10 epochs
GOAL_GEMM_RATIO = 1.25   # tuna training pass / its GEMMs at the best verified sgemm rate

# GEMM FLOPs of one image through 784-256-256-10's training pass: forward and backward.
GEMM_FLOP_FORWARD = 537_600
GEMM_FLOP_BACKWARD = 674_816


# torch_mlp.py options for the 2-thread torch run (Debian's torch: GEMMs in
# pthread OpenBLAS, the rest in OpenMP; the two pools do not share threads).
TORCH_2T = {
    "blas": ["--threads", "2", "--intra-threads", "1"],
    "omp": ["--threads", "2", "--blas-threads", "1"],
    "both": ["--threads", "2"],
}


class ChildFailed(Exception):
    pass


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run_child(label, argv):
    """Run argv, parse its JSON lines; return (records, peak_rss_mb, wall)."""
    log("== %s: %s" % (label, " ".join(argv)))
    t0 = time.perf_counter()
    # stderr is inherited; the environment (OPENBLAS_CORETYPE etc.) is passed as is.
    # stdin is /dev/null: tuna-worker reads control commands there (EOF = carry on).
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True,
                         bufsize=1)
    records = []
    try:
        for line in p.stdout:
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except ValueError:
                log("   [%s] non-JSON: %s" % (label, line))
                continue
            if not isinstance(rec, dict):
                log("   [%s] non-object: %s" % (label, line))
                continue
            records.append(rec)
            if "epoch" in rec:
                log("   [%s] epoch %s: %.3f s  train_loss %s" % (
                    label, rec["epoch"], float(rec.get("seconds", float("nan"))),
                    rec.get("train_loss")))
    finally:
        p.stdout.close()
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    rss = ru.ru_maxrss / 1024.0  # Linux: KiB
    log("   [%s] exit %d, %.1f s wall, peak RSS %.1f MB" % (label, p.returncode, wall, rss))
    bad = [r for r in records if r.get("event") in ("error", "diverged")]
    why = (": " + "; ".join(json.dumps(r) for r in bad)) if bad else ""
    if p.returncode != 0:
        raise ChildFailed("%s exited with status %d%s" % (label, p.returncode, why))
    if bad:
        raise ChildFailed("%s reported%s" % (label, why))
    epochs = [r for r in records if "epoch" in r and r.get("event", "epoch") == "epoch"]
    if not epochs:
        raise ChildFailed("%s printed no epoch records" % label)
    done = [r for r in records if r.get("event") == "done"]
    if not done or "test_acc" not in done[-1]:
        raise ChildFailed("%s printed no final record with test_acc" % label)
    return {"epochs": epochs, "done": done[-1], "records": records, "rss_mb": rss,
            "wall": wall}


def run_tuna(worker, dataset, epochs, threads, seed):
    trial = {
        "dataset": dataset,
        "params": {"alpha": 1e-3, "optimizer": "adam", "layers": 2, "hidden_units": 256,
                   "batch_size": 128, "batchnorm": True},
        "epochs": epochs, "seed": seed, "threads": threads, "profile": True,
    }
    fd, path = tempfile.mkstemp(prefix="tuna-bench-", suffix=".json")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(trial, f)
        return run_child("tuna %dt" % threads, [worker, path])
    finally:
        os.unlink(path)


def run_torch(epochs, threads, seed, full, dataset, mode_2t):
    argv = [sys.executable, os.path.join(HERE, "torch_mlp.py"), "--epochs", str(epochs),
            "--seed", str(seed), "--data", dataset]
    argv += TORCH_2T[mode_2t] if threads == 2 else ["--threads", str(threads)]
    if not full:
        argv.append("--val")
    return run_child("torch %dt" % threads, argv)


def worker_json(argv, env):
    """Run a tuna-worker mode that prints one JSON line; return (object, wall seconds)."""
    t0 = time.perf_counter()
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       env=env, timeout=600)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise ChildFailed("%s: exit %d: %s" % (" ".join(argv), p.returncode, p.stderr.strip()))
    return json.loads(p.stdout.splitlines()[0]), wall


def run_kernels(worker, probe_ms):
    """The worker's BLAS choice as on a machine it never ran on (OPENBLAS_CORETYPE unset, an
    empty cache), then from its cache; then each verified candidate timed again for probe_ms
    per GEMM. Returns the first choice, the two costs and the candidates' rates."""
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    with tempfile.TemporaryDirectory(prefix="tuna-bench-blas-") as d:
        env["TUNA_CACHE_DIR"] = d
        log("== BLAS kernel: %s --blas (first start, then cached)" % worker)
        first, wall1 = worker_json([worker, "--blas"], env)
        cached, wall2 = worker_json([worker, "--blas"], env)
    rates = {}
    for c in first.get("candidates", []):
        if c.get("ok"):
            cenv = dict(env, OPENBLAS_CORETYPE=c["core"])
            r, _ = worker_json([worker, "--blas-probe", str(probe_ms)], cenv)
            rates[c["core"]] = r.get("gflops") if r.get("core") == c["core"] else None
            log("   %-12s %6.1f GFLOP/s (median of %s)" % (c["core"], rates[c["core"]] or 0,
                ", ".join("%.1f" % x for x in r.get("rates", []))))
    return {"first": first, "first_wall": wall1, "cached": cached, "cached_wall": wall2,
            "rates": rates}


def median_epoch(run):
    return statistics.median(float(e["seconds"]) for e in run["epochs"])


def flat_profile(prof, prefix=""):
    """{"a": 1, "b": {"c": 2}} -> [("a", 1), ("b.c", 2)]; non-numbers dropped."""
    out = []
    for k, v in prof.items():
        if isinstance(v, dict):
            out += flat_profile(v, prefix + k + ".")
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            out.append((prefix + k, float(v)))
    return out


def fmt(v, spec):
    if v is None:
        return "n/a"
    try:
        return format(v, spec)
    except (TypeError, ValueError):
        return str(v)


def verdict(ok):
    return "" if ok is None else ("  PASS" if ok else "  FAIL")


def report(res, args):
    t1, p1 = res.get("tuna1"), res.get("torch1")
    t2, p2 = res.get("tuna2"), res.get("torch2")
    summary = {}
    rows = []

    def row(name, a, b, spec, extra=""):
        rows.append("%-34s %12s %12s%s" % (name, fmt(a, spec), fmt(b, spec), extra))

    rows.append("%-34s %12s %12s" % ("", "tuna", "torch"))

    def n_train(run):
        st = [r for r in run["records"] if r.get("event") == "start"] if run else []
        return st[0].get("n_train") if st else None
    row("training images per epoch", n_train(t1), n_train(p1), "")
    te = median_epoch(t1) if t1 else None
    pe = median_epoch(p1) if p1 else None
    row("median epoch s, 1 thread", te, pe, ".3f",
        "   (%d / %d epochs)" % (len(t1["epochs"]) if t1 else 0, len(p1["epochs"]) if p1 else 0))
    tr = pr = None
    if t1:
        tr = t1["rss_mb"]
    if p1:
        pr = p1["rss_mb"]
    row("peak RSS MB (wait4), 1 thread", tr, pr, ".1f")
    ta = float(t1["done"]["test_acc"]) if t1 else None
    pa = float(p1["done"]["test_acc"]) if p1 else None
    row("test accuracy", ta, pa, ".4f",
        verdict(None if ta is None or len(t1["epochs"]) < 10 else ta >= GOAL_TUNA_ACC)
        + ("  (goal tuna >= %.3f after 10 epochs)" % GOAL_TUNA_ACC))
    tv = t1["done"].get("val_acc") if t1 else None
    pv = p1["epochs"][-1].get("val_acc") if p1 else None
    row("val accuracy (last 6,000 train)", tv, pv, ".4f")
    if t2 or p2:
        e2t = median_epoch(t2) if t2 else None
        e2p = median_epoch(p2) if p2 else None
        st2 = [r for r in p2["records"] if r.get("event") == "start"] if p2 else []
        if st2:
            rows.append("%-34s %12s %12s" % ("torch 2t: intra-op / OpenBLAS thr", "",
                                             "%s / %s" % (st2[0].get("intra_threads"),
                                                          st2[0].get("blas_threads"))))
        row("median epoch s, 2 threads", e2t, e2p, ".3f",
            "   (%d / %d epochs)" % (len(t2["epochs"]) if t2 else 0,
                                    len(p2["epochs"]) if p2 else 0))
        s2t = te / e2t if te and e2t else None
        s2p = pe / e2p if pe and e2p else None
        row("2-thread speedup (1t s / 2t s)", s2t, s2p, ".2f")
        row("peak RSS MB, 2 threads", t2["rss_mb"] if t2 else None,
            p2["rss_mb"] if p2 else None, ".1f")
        summary.update(epoch_s_2t_tuna=e2t, epoch_s_2t_torch=e2p, speedup_2t_tuna=s2t,
                       speedup_2t_torch=s2p)
    rows.append("")
    if te and pe:
        r = te / pe
        rows.append("%-34s %12.3f%s  (goal <= %.2f)" % ("epoch-time ratio tuna/torch", r,
                                                       verdict(r <= GOAL_TIME_RATIO),
                                                       GOAL_TIME_RATIO))
        summary["time_ratio"] = r
    if tr and pr:
        r = tr / pr
        rows.append("%-34s %12.3f%s  (goal <= %.2f)" % ("peak-RSS ratio tuna/torch", r,
                                                       verdict(r <= GOAL_RSS_RATIO),
                                                       GOAL_RSS_RATIO))
        summary["rss_ratio"] = r
    summary.update(epoch_s_tuna=te, epoch_s_torch=pe, rss_mb_tuna=tr, rss_mb_torch=pr,
                   test_acc_tuna=ta, test_acc_torch=pa, epochs=args.epochs)

    if t1:
        train_s = sum(float(e["seconds"]) for e in t1["epochs"])
        gs = [e.get("sgemm_seconds") for e in t1["epochs"]]
        if train_s > 0 and all(isinstance(g, (int, float)) for g in gs):
            share = sum(gs) / train_s
            rows.append("%-34s %11.1f%%" % ("tuna sgemm share of training pass", 100 * share))
            summary["sgemm_share"] = share
        prof = t1["done"].get("profile")
        if isinstance(prof, dict) and train_s > 0:
            items = flat_profile(prof)
            rows.append("tuna profile, %% of the training passes (%.2f s over %d epochs):"
                        % (train_s, len(t1["epochs"])))
            total = 0.0
            for k, v in sorted(items, key=lambda kv: -kv[1]):
                rows.append("    %-30s %8.3f s %6.1f%%" % (k, v, 100 * v / train_s))
                total += v
            rows.append("    %-30s %8.3f s %6.1f%%" % ("(sum of categories)", total,
                                                        100 * total / train_s))
            summary["profile"] = dict(items)
    k = res.get("kernels")
    if k:
        rows.append("")
        first = k["first"]
        rows.append("BLAS kernel chosen by tuna-worker: %s — %s" % (first["core"], first["why"]))
        st = [r for r in t1["records"] if r.get("event") == "start"] if t1 else []
        if st and st[0].get("blas_core"):
            rows.append("the 1-thread run's kernel:         %s — %s" % (st[0]["blas_core"],
                                                                   st[0].get("blas_why")))
        rows.append("choosing it: first start %.3f s (%.3f s wall, %d candidates); cached "
                    "start %.4f s (%.3f s wall)"
                    % (first["seconds"], k["first_wall"], len(first.get("candidates", [])),
                       k["cached"]["seconds"], k["cached_wall"]))
        good = {c: r for c, r in k["rates"].items() if r}
        if good:
            best_core = max(good, key=good.get)
            best = good[best_core]
            rows.append("verified candidates, GFLOP/s at the trainer's shapes (median, 1 "
                        "thread): " + ", ".join("%s %.1f" % (c, r) for c, r in good.items()))
            summary.update(blas_core=first["core"], blas_best_core=best_core,
                           blas_best_gflops=best, blas_first_s=first["seconds"],
                           blas_cached_s=k["cached"]["seconds"])
            n = n_train(t1)
            if te and n:
                bound = n * (GEMM_FLOP_FORWARD + GEMM_FLOP_BACKWARD) / (best * 1e9)
                r = te / bound
                rows.append("%-34s %12.3f s  (%s images x %s FLOP at %.1f GFLOP/s, %s)"
                            % ("GEMM-bound time per epoch", bound, format(n, ","),
                               format(GEMM_FLOP_FORWARD + GEMM_FLOP_BACKWARD, ","), best,
                               best_core))
                rows.append("%-34s %12.3f%s  (goal <= %.2f)"
                            % ("training pass / GEMM-bound time", r,
                               verdict(r <= GOAL_GEMM_RATIO), GOAL_GEMM_RATIO))
                summary.update(gemm_bound_s=bound, gemm_ratio=r)
    print("\n".join(rows))
    return summary


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--worker", default=os.path.join(ROOT, "build", "worker", "tuna-worker"))
    ap.add_argument("--dataset", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--epochs", type=int, default=10, help="epochs of the 1-thread pair")
    ap.add_argument("--epochs2", type=int, default=3, help="epochs of the 2-thread pair")
    ap.add_argument("--quick", action="store_true", help="2 epochs each (smoke test)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-2t", dest="two", action="store_false",
                    help="skip the 2-thread pair")
    ap.add_argument("--only", choices=["tuna", "torch"], help="run one side only")
    ap.add_argument("--torch-full", action="store_true",
                    help="train torch on all 60,000 images (the published anchor) instead "
                         "of the first 54,000 like tuna")
    ap.add_argument("--torch-2t", choices=sorted(TORCH_2T), default="blas",
                    help="how torch uses 2 cores: blas = 2 OpenBLAS threads + "
                         "set_num_threads(1) (fastest here, default); omp = "
                         "set_num_threads(2) + 1 OpenBLAS thread; both = 2 + 2 "
                         "(oversubscribed, ~3.5x slower)")
    ap.add_argument("--json", metavar="FILE", help="also write the summary as JSON")
    ap.add_argument("--probe-ms", type=int, default=300,
                    help="milliseconds each GEMM is timed when measuring the verified kernels")
    args = ap.parse_args()
    if args.quick:
        args.epochs = args.epochs2 = 2

    do_tuna = args.only in (None, "tuna")
    do_torch = args.only in (None, "torch")
    if do_tuna and not os.access(args.worker, os.X_OK):
        log("error: no executable worker at %s (build it, or pass --worker / --only torch)"
            % args.worker)
        return 2

    res = {}
    try:
        if do_tuna:
            res["kernels"] = run_kernels(args.worker, args.probe_ms)
            res["tuna1"] = run_tuna(args.worker, args.dataset, args.epochs, 1, args.seed)
        if do_torch:
            res["torch1"] = run_torch(args.epochs, 1, args.seed, args.torch_full,
                                      args.dataset, None)
        if args.two:
            if do_tuna:
                res["tuna2"] = run_tuna(args.worker, args.dataset, args.epochs2, 2, args.seed)
            if do_torch:
                res["torch2"] = run_torch(args.epochs2, 2, args.seed, args.torch_full,
                                          args.dataset, args.torch_2t)
    except ChildFailed as e:
        log("error: %s" % e)
        return 1
    except OSError as e:
        log("error: %s" % e)
        return 1

    log("")
    print("tuna-worker vs PyTorch %s, Fashion-MNIST 784-256-256-10 BN Adam, batch 128, "
          "torch on %s images, OPENBLAS_CORETYPE=%s"
          % (res["torch1"]["records"][0].get("torch", "?") if "torch1" in res else "-",
             "60,000" if args.torch_full else "54,000",
             os.environ.get("OPENBLAS_CORETYPE", "(unset)")))
    print("CPU: %s; %s" % (cpu_model(), res["kernels"]["first"].get("openblas", "?")
                            if "kernels" in res else "BLAS not measured"))
    summary = report(res, args)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
