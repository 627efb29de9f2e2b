#!/usr/bin/python3
"""coordinator.py: tunad's own overhead against Optuna's, side by side in one script.

Thousands of tiny trials (a 40-row CSV, 10 epochs, so 10 reported values per trial, 4 sampled
hyperparameters), every trial, epoch and event persisted to SQLite. Prints trials per second
for tunad (2 workers) and for Optuna 3.1 (RandomSampler, SQLite storage, an objective that
does nothing but 4 suggestions and 10 trial.report calls), their ratio, and tunad's RSS after
1,000 trials and at the end.

    meson compile -C build && /usr/bin/python3 bench/coordinator.py [--trials 20000]

--compare OLD_BUILD NEW_BUILD runs only the tuna side, with two Meson build directories (each
with daemon/tunad and worker/tuna-worker), alternately old, new, old, new, ... (--runs each),
every run in a fresh temporary directory, and prints each run, the medians, the ratios new/old
and whether each is within +-10 % (bench/compare-builds builds a git revision and calls this):

    /usr/bin/python3 bench/coordinator.py --compare OLD_BUILD build [--runs 3] [--trials 20000]
"""
import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

from machine import blas_kernel, cpu_model
from tunaclient import request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def make_csv(path, rows=40):
    with open(path, "w") as f:
        f.write("label,a,b,c,d\n")
        for i in range(rows):
            c = i % 2
            f.write(f"{c},{c + 0.1 * (i % 7)},{1 - c},{0.5 * (i % 3)},{0.1 * i}\n")


def tiny_spec(csv, trials, workers):
    """The tiny search: the CSV of make_csv, 10 epochs, 4 sampled hyperparameters."""
    return {"name": "overhead", "dataset": {"path": csv, "val_fraction": 0.25},
            "trials": trials, "parallel": workers, "epochs": 10, "seed": 1,
            "params": {"alpha": {"scale": "log", "min": 1e-4, "max": 1e-1},
                       "beta1": {"scale": "one_minus_log", "min": 0.9, "max": 0.999},
                       "hidden_units": {"scale": "pow2", "min": 4, "max": 16},
                       "batch_size": {"values": [8, 16]}}}


def run_tuna(args, tmp, tunad=None, worker=None):
    """One tuna run in tmp: tunad (default args.tunad) with its own worker lookup, or with
    --worker worker when given (--compare)."""
    sock = os.path.join(tmp, "tunad.sock")
    db = os.path.join(tmp, "tuna.db")
    csv = os.path.join(tmp, "tiny.csv")
    log = os.path.join(tmp, "log")
    make_csv(csv)
    env = dict(os.environ, TUNA_CACHE_DIR=os.path.join(tmp, "cache"))
    cmd = [tunad or args.tunad, "--foreground", "--socket", sock, "--db", db,
           "--workers", str(args.workers)]
    if worker:
        cmd += ["--worker", worker]
        env["TUNA_WORKER"] = worker
    daemon = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(log, "w"), env=env)
    try:
        for _ in range(200):
            if os.path.exists(sock) or daemon.poll() is not None:
                break
            time.sleep(0.02)
        if not os.path.exists(sock):
            with open(log) as f:
                sys.exit(f"{cmd[0]}: no socket (exit status {daemon.poll()}):\n{f.read()[-2000:]}")
        spec = tiny_spec(csv, args.trials, args.workers)
        rss0 = rss_mb(daemon.pid)
        t0 = time.monotonic()
        reply = request(sock, {"type": "submit", "spec": spec})
        if not reply.get("ok"):
            sys.exit(f"submit failed: {reply}")
        sid = reply["search"]
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        rss_1k = None
        t_1k = None
        while True:
            time.sleep(0.05)
            (finished,) = con.execute(
                "select count(*) from trials where search_id=? and status not in "
                "('running','queued')", (sid,)).fetchone()
            if rss_1k is None and finished >= 1000:
                rss_1k, t_1k = rss_mb(daemon.pid), time.monotonic() - t0
            (status,) = con.execute("select status from searches where id=?", (sid,)).fetchone()
            if status != "running":
                break
        elapsed = time.monotonic() - t0
        rss_end = rss_mb(daemon.pid)
        (epochs,) = con.execute("select count(*) from epochs").fetchone()
        (done,) = con.execute("select count(*) from trials where status='done'").fetchone()
        con.close()
        request(sock, {"type": "shutdown"})
        daemon.wait(timeout=30)
        return {"trials": args.trials, "done": done, "epochs": epochs, "seconds": elapsed,
                "rate": args.trials / elapsed, "rss_start": rss0, "rss_1k": rss_1k,
                "rss_end": rss_end, "t_1k": t_1k}
    finally:
        if daemon.poll() is None:
            daemon.kill()


def run_optuna(args, tmp):
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = "sqlite:///" + os.path.join(tmp, "optuna.db")
    study = optuna.create_study(storage=storage, sampler=optuna.samplers.RandomSampler(seed=1),
                                direction="maximize")

    def objective(trial):
        a = trial.suggest_float("alpha", 1e-4, 1e-1, log=True)
        b = trial.suggest_float("one_minus_beta1", 1e-3, 1e-1, log=True)
        h = trial.suggest_int("hidden_units", 4, 16, log=True)
        bs = trial.suggest_categorical("batch_size", [8, 16])
        v = 0.0
        for step in range(10):
            v = a * step + b + h * 1e-3 + bs * 1e-4
            trial.report(v, step)
        return v

    t0 = time.monotonic()
    n = 0
    while n < args.optuna_trials and time.monotonic() - t0 < args.optuna_seconds:
        study.optimize(objective, n_trials=10)
        n += 10
    elapsed = time.monotonic() - t0
    return {"trials": n, "seconds": elapsed, "rate": n / elapsed}


def build_info(build):
    """Paths of a Meson build directory's tunad and tuna-worker, and a line describing it:
    its source's git revision, buildtype, and whether ninja would rebuild either program."""
    build = os.path.abspath(build)
    tunad = os.path.join(build, "daemon", "tunad")
    worker = os.path.join(build, "worker", "tuna-worker")
    for p in (tunad, worker):
        if not os.access(p, os.X_OK):
            sys.exit(f"{build}: no {os.path.relpath(p, build)} (build it: ninja -C {build})")
    notes, opts = [], {}
    try:
        with open(os.path.join(build, "meson-info", "meson-info.json")) as f:
            src = json.load(f)["directories"]["source"]
        with open(os.path.join(build, "meson-info", "intro-buildoptions.json")) as f:
            opts = {o["name"]: o["value"] for o in json.load(f)}
        rev = subprocess.run(["git", "-C", src, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", src, "status", "--porcelain", "--untracked-files=no",
                                "--", ".", ":(exclude)bench", ":(exclude)*.md"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        notes.append(f"source {src} at {rev or '?'}"
                     f"{' + uncommitted changes outside bench/' if dirty else ''}")
        notes.append(f"buildtype {opts.get('buildtype')}, native {opts.get('native')}")
        if opts.get("buildtype") != "release":
            notes.append("WARNING: not a release build")
        stale = subprocess.run(["ninja", "-n", "-C", build, "daemon/tunad", "worker/tuna-worker"],
                               capture_output=True, text=True, timeout=30).stdout
        if "no work to do" not in stale:
            notes.append("WARNING: out of date with its source (run ninja -C %s)" % build)
    except (OSError, ValueError, KeyError, subprocess.SubprocessError):
        notes.append("not a Meson build directory?")
    config = (opts.get("buildtype"), opts.get("native"), opts.get("optimization"))
    return tunad, worker, "; ".join(notes), config


def ratio_verdict(name, old, new, tolerance=0.10):
    """One line: the medians, new/old and PASS when new is within +-tolerance of old."""
    r = new / old if old else float("nan")
    ok = abs(r - 1) <= tolerance
    way = ""
    if not ok and r == r:
        way = f" (new {'higher' if r > 1 else 'lower'} by {abs(r - 1) * 100:.1f} %)"
    return (f"{name:28}{old:>10.1f}{new:>10.1f}{r:>10.3f}  "
            f"{'PASS' if ok else 'FAIL'}{way}")


def compare(args):
    old_build, new_build = args.compare
    sides = {}
    for side, build in (("old", old_build), ("new", new_build)):
        sides[side] = build_info(build)
    print(f"coordinator overhead, old vs new build: {args.trials} tiny trials, 10 epochs each, "
          f"{args.workers} workers, {args.runs} run(s) each, alternating old/new")
    print(f"CPU: {cpu_model()}; load average at start: {os.getloadavg()[0]:.2f}")
    coretype = os.environ.get("OPENBLAS_CORETYPE", "(unset)")
    for side, build in (("old", old_build), ("new", new_build)):
        tunad, worker, notes, _ = sides[side]
        print(f"{side}: {os.path.abspath(build)}  [{notes}]")
        kernel = blas_kernel(worker)
        print(f"     BLAS kernel: {kernel or 'unknown'}; OPENBLAS_CORETYPE={coretype}")
    if sides["old"][3] != sides["new"][3]:
        print("WARNING: the builds differ in buildtype, native or optimization "
              f"(old {sides['old'][3]}, new {sides['new'][3]})")
    sys.stdout.flush()
    results = {"old": [], "new": []}
    print()
    print(f"{'run':5}{'build':7}{'trials/s':>10}{'seconds':>9}{'RSS 1k MB':>11}"
          f"{'RSS end MB':>12}{'done':>8}{'epochs':>9}")
    for i in range(1, args.runs + 1):
        for side in ("old", "new"):
            tunad, worker = sides[side][:2]
            with tempfile.TemporaryDirectory(prefix=f"tuna-bench-{side}-") as tmp:
                t = run_tuna(args, tmp, tunad=tunad, worker=worker)
            results[side].append(t)
            rss_1k = f"{t['rss_1k']:.1f}" if t["rss_1k"] is not None else "-"
            print(f"{i:<5}{side:7}{t['rate']:>10.0f}{t['seconds']:>9.2f}{rss_1k:>11}"
                  f"{t['rss_end']:>12.1f}{t['done']:>8}{t['epochs']:>9}", flush=True)
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    print()
    print(f"{'median of ' + str(args.runs):28}{'old':>10}{'new':>10}{'new/old':>10}  within +-10 %")
    med = {side: {} for side in results}
    for side, runs in results.items():
        med[side]["rate"] = statistics.median(r["rate"] for r in runs)
        med[side]["rss_end"] = statistics.median(r["rss_end"] for r in runs)
        k = [r["rss_1k"] for r in runs if r["rss_1k"] is not None]
        med[side]["rss_1k"] = statistics.median(k) if k else None
    print(ratio_verdict("trials per second", med["old"]["rate"], med["new"]["rate"]))
    if med["old"]["rss_1k"] is not None and med["new"]["rss_1k"] is not None:
        print(ratio_verdict("daemon RSS after 1,000, MB", med["old"]["rss_1k"],
                            med["new"]["rss_1k"]))
    print(ratio_verdict("daemon RSS at end, MB", med["old"]["rss_end"], med["new"]["rss_end"]))
    want = (args.trials, 10 * args.trials)
    bad = [f"{side} run {i + 1}" for side, runs in results.items()
           for i, r in enumerate(runs) if (r["done"], r["epochs"]) != want]
    print(f"every trial done, 10 epochs each: {'PASS' if not bad else 'FAIL: ' + ', '.join(bad)}")
    if bad:
        sys.exit(1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=20000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--optuna-trials", type=int, default=1000)
    ap.add_argument("--optuna-seconds", type=float, default=30)
    ap.add_argument("--tunad", default=os.path.join(ROOT, "build/daemon/tunad"))
    ap.add_argument("--no-optuna", action="store_true")
    ap.add_argument("--compare", nargs=2, metavar=("OLD_BUILD", "NEW_BUILD"),
                    help="tuna only: two Meson build directories, run alternately, compared")
    ap.add_argument("--runs", type=int, default=3, help="runs of each build with --compare")
    args = ap.parse_args()
    if args.compare:
        if args.runs < 1 or args.trials < 1:
            ap.error("--runs and --trials must be at least 1")
        compare(args)
        return
    with tempfile.TemporaryDirectory(prefix="tuna-bench-") as tmp:
        t = run_tuna(args, tmp)
        o = None if args.no_optuna else run_optuna(args, tmp)
    print(f"coordinator overhead: {args.trials} tiny trials, 10 epochs each "
          f"(10 reported values), every trial, epoch and event in SQLite")
    print(f"{'':34}{'tunad':>12}{'optuna 3.1':>14}")
    print(f"{'trials run':34}{t['trials']:>12}{(o or {}).get('trials', '-'):>14}")
    print(f"{'seconds':34}{t['seconds']:>12.2f}{(o['seconds'] if o else float('nan')):>14.2f}")
    print(f"{'trials per second':34}{t['rate']:>12.0f}{(o['rate'] if o else float('nan')):>14.1f}")
    if o:
        print(f"{'ratio tunad / optuna':34}{t['rate'] / o['rate']:>12.0f}x")
    goal = "PASS" if t["rate"] >= 1000 else "MISS"
    print(f"goal >= 1,000 trials/s (aim 2,000): {goal}")
    print(f"tunad trials done / epochs stored: {t['done']} / {t['epochs']}")
    if t["rss_1k"] is not None:
        grow = t["rss_end"] - t["rss_1k"]
        print(f"tunad RSS: start {t['rss_start']:.1f} MB, after 1,000 trials "
              f"{t['rss_1k']:.1f} MB, after {t['trials']} {t['rss_end']:.1f} MB "
              f"(growth {grow:+.1f} MB; goal within 10 MB: {'PASS' if grow <= 10 else 'MISS'})")


if __name__ == "__main__":
    main()
