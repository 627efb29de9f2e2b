#!/usr/bin/python3
"""coordinator.py: tunad's own overhead against Optuna's, side by side in one script.

Thousands of tiny trials (a 40-row CSV, 10 epochs, so 10 reported values per trial, 4 sampled
hyperparameters), every trial, epoch and event persisted to SQLite. Prints trials per second
for tunad (2 workers) and for Optuna 3.1 (RandomSampler, SQLite storage, an objective that
does nothing but 4 suggestions and 10 trial.report calls), their ratio, and tunad's RSS after
1,000 trials and at the end.

    meson compile -C build && /usr/bin/python3 bench/coordinator.py [--trials 20000]
"""
import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

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


def run_tuna(args, tmp):
    sock = os.path.join(tmp, "tunad.sock")
    db = os.path.join(tmp, "tuna.db")
    csv = os.path.join(tmp, "tiny.csv")
    make_csv(csv)
    env = dict(os.environ, TUNA_CACHE_DIR=os.path.join(tmp, "cache"))
    daemon = subprocess.Popen([args.tunad, "--foreground", "--socket", sock, "--db", db,
                               "--workers", str(args.workers)],
                              stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "log"), "w"),
                              env=env)
    try:
        for _ in range(200):
            if os.path.exists(sock):
                break
            time.sleep(0.02)
        spec = {"name": "overhead", "dataset": {"path": csv, "val_fraction": 0.25},
                "trials": args.trials, "parallel": args.workers, "epochs": 10, "seed": 1,
                "params": {"alpha": {"scale": "log", "min": 1e-4, "max": 1e-1},
                           "beta1": {"scale": "one_minus_log", "min": 0.9, "max": 0.999},
                           "hidden_units": {"scale": "pow2", "min": 4, "max": 16},
                           "batch_size": {"values": [8, 16]}}}
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=20000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--optuna-trials", type=int, default=1000)
    ap.add_argument("--optuna-seconds", type=float, default=30)
    ap.add_argument("--tunad", default=os.path.join(ROOT, "build/daemon/tunad"))
    ap.add_argument("--no-optuna", action="store_true")
    args = ap.parse_args()
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
