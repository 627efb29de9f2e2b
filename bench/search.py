#!/usr/bin/python3
"""search.py: time-to-accuracy on Fashion-MNIST, tunad against Optuna 3.1, in one script.

Both sides tune the same network (784 -> [Linear(no bias) -> BN -> ReLU] x layers -> Linear(10),
Adam, lr decay a/(1+decay*epoch), 10 epochs per trial) over the same space, for the same wall
budget each, one after the other, on the validation split (the last 6,000 training images):

  optuna  Optuna 3.1, TPESampler(seed=0) + MedianPruner(n_warmup_steps=2), SQLite storage, one
          process, PyTorch 1.13 on 1 thread (a child of this script)
  a       tunad, caviar, random search                   (2 workers)
  b       tunad, caviar, coarse-to-fine (3 rounds)
  c       tunad, caviar, random + ASHA (rungs 1, 3, 9; eta 3)
  d       tunad, caviar, coarse-to-fine + ASHA           (the headline configuration)

A trial's score is its best epoch's validation accuracy (tuna: trials.best_val_acc; Optuna: the
max of its reported values), over trials that finished (done or pruned) within the budget.

    meson compile -C build && /usr/bin/python3 bench/search.py     # (1 + 4) x 300 s, ~25 min
    /usr/bin/python3 bench/search.py --budget 30 --variants a      # smoke test

Progress goes to stderr, the tables to stdout. Exits non-zero if a side could not run (tunad
refused a spec, a child failed), not when a goal is missed. This process imports nothing heavy:
Optuna and torch run in a child with OPENBLAS_NUM_THREADS=1 and OMP_NUM_THREADS=1.
"""
import argparse
import atexit
import datetime
import gzip
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

from tunaclient import request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = "/usr/share/datasets/fashion-mnist"

# The anchor from the issue: Optuna (the configuration below) on this machine, 300 s budget.
ANCHOR_BEST = 0.9045
ANCHOR_TIME = 266.0
GOAL_TIME_RATIO = 0.5    # tuna (d) time to Optuna's best / Optuna's time to its best
EPS = 1e-6               # accuracies are k/6000 (step 1.7e-4); tuna's pass through float32

# The search space, in tuna's spec. Optuna's version is in optuna_objective().
PARAMS = {
    "alpha": {"scale": "log", "min": 1e-4, "max": 1e-1},
    "beta1": {"scale": "one_minus_log", "min": 0.9, "max": 0.999},
    "layers": {"scale": "int", "min": 1, "max": 3},
    "hidden_units": {"scale": "pow2", "min": 32, "max": 512},
    "batch_size": {"values": [64, 128, 256]},
    "lr_decay": {"scale": "log", "min": 1e-3, "max": 1},
}
ASHA = {"kind": "asha", "rungs": [1, 3, 9], "eta": 3}
C2F = {"kind": "coarse_to_fine", "rounds": 3}
VARIANTS = {
    "a": ("random", {"strategy": "random"}),
    "b": ("coarse-to-fine", {"strategy": C2F}),
    "c": ("random+ASHA", {"strategy": "random", "early_stopping": ASHA}),
    "d": ("c2f+ASHA", {"strategy": C2F, "early_stopping": ASHA}),
}

CHILDREN = []            # live Popen objects, killed at exit whatever happens


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def stop(p, grace=10):
    """SIGTERM (tunad then stops its workers and flushes the store), SIGKILL after grace s."""
    if p.poll() is not None:
        return
    try:
        p.terminate()
        p.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    except OSError:
        pass


def kill_children():
    for p in CHILDREN:
        stop(p)


def on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


class SideFailed(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Curves: [(t, best so far)] after every counted trial.

def curve_of(trials, budget):
    """trials: dicts with t, best (the trial's best epoch val acc, or None). Counts the ones
    finished within the budget, in time order; returns [(t, best so far, trial best)]."""
    out, best = [], None
    for tr in sorted(trials, key=lambda r: r["t"]):
        if tr["t"] > budget or tr["best"] is None:
            continue
        if best is None or tr["best"] > best:
            best = tr["best"]
        out.append((tr["t"], best, tr["best"]))
    return out


def best_at(curve, t):
    b = None
    for tt, best, _ in curve:
        if tt > t:
            break
        b = best
    return b


def time_to(curve, thr):
    for tt, best, _ in curve:
        if best >= thr - EPS:
            return tt
    return None


def time_to_own_best(curve):
    return time_to(curve, curve[-1][1]) if curve else None


# ---------------------------------------------------------------------------------------------
# tuna

def parse_store_time(text):
    """'YYYY-MM-DD HH:MM:SS.SSS' UTC (the store's format) -> Unix time."""
    d = datetime.datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f")
    return d.replace(tzinfo=datetime.timezone.utc).timestamp()


TRIAL_QUERY = (
    "SELECT t.number, t.status, t.epochs, t.finished_at, "
    "  coalesce(t.best_val_acc, (SELECT max(e.val_acc) FROM epochs e WHERE e.trial_id = t.id)), "
    "  t.round, t.params "
    "FROM trials t WHERE t.search_id = ? AND t.status IN ('done', 'pruned')")


def tail(path, n=15):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


def run_tuna(args, key, tmp):
    label, extra = VARIANTS[key]
    sock = os.path.join(tmp, "tunad.sock")
    db = os.path.join(tmp, "tuna.db")
    logf = os.path.join(tmp, "tunad.log")
    env = dict(os.environ, TUNA_CACHE_DIR=os.path.join(tmp, "cache"))
    spec = {"name": "search.py %s %s" % (key, label), "mode": "caviar", "dataset": args.data,
            "epochs": args.epochs, "trials": args.trials, "parallel": args.workers,
            "seed": args.seed, "params": PARAMS}
    spec.update(extra)
    if isinstance(spec.get("strategy"), dict) and args.c2f_trials:
        spec["trials"] = args.c2f_trials
    log("== tuna %s (%s): %s" % (key, label, json.dumps(extra)))
    with open(logf, "w") as lf:
        daemon = subprocess.Popen([args.tunad, "--foreground", "--socket", sock, "--db", db,
                                   "--workers", str(args.workers)],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=lf, env=env)
    CHILDREN.append(daemon)
    con = None
    try:
        for _ in range(500):
            if os.path.exists(sock) or daemon.poll() is not None:
                break
            time.sleep(0.01)
        if daemon.poll() is not None or not os.path.exists(sock):
            raise SideFailed("tunad did not start (status %s):\n%s" % (daemon.poll(), tail(logf)))
        request(sock, {"type": "hello"})
        t0_wall = time.time()
        t0 = time.monotonic()
        reply = request(sock, {"type": "submit", "spec": spec})
        if not reply.get("ok"):
            raise SideFailed("tunad refused variant %s (%s): %s"
                             % (key, label, reply.get("error", reply)))
        sid = reply["search"]
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=5)
        seen = {}            # trial number -> monotonic time first seen finished by the poll
        next_log = 0.0
        status = "running"
        while True:
            now = time.monotonic() - t0
            if now >= args.budget:
                break
            time.sleep(min(1.0, args.budget - now))
            now = time.monotonic() - t0
            rows = con.execute(TRIAL_QUERY, (sid,)).fetchall()
            for r in rows:
                seen.setdefault(r[0], now)
            (status,) = con.execute("SELECT status FROM searches WHERE id = ?",
                                    (sid,)).fetchone()
            if now >= next_log or status != "running":
                (running,) = con.execute("SELECT count(*) FROM trials WHERE search_id = ? AND "
                                         "status = 'running'", (sid,)).fetchone()
                bests = [r[4] for r in rows if r[4] is not None]
                log("   [tuna %s] %5.0f s  finished %4d (pruned %d)  running %d  best %s"
                    % (key, now, len(rows), sum(r[1] == "pruned" for r in rows), running,
                       "%.4f" % max(bests) if bests else "-"))
                next_log = now + 15
            if status != "running":
                log("   [tuna %s] search ended by itself: %s" % (key, status))
                break
            if daemon.poll() is not None:
                raise SideFailed("tunad exited (status %s) during the search:\n%s"
                                 % (daemon.returncode, tail(logf)))
        elapsed = time.monotonic() - t0
        if status == "running":
            c = request(sock, {"type": "cancel", "search": sid})
            if not c.get("ok"):
                log("   [tuna %s] cancel: %s" % (key, c))
        time.sleep(0.3)      # the store commits every 50 ms
        rows = con.execute(TRIAL_QUERY, (sid,)).fetchall()
        counts = dict(con.execute("SELECT status, count(*) FROM trials WHERE search_id = ? "
                                  "GROUP BY status", (sid,)).fetchall())
        rounds = con.execute("SELECT round, count(*) FROM trials WHERE search_id = ? AND "
                             "status IN ('done', 'pruned') GROUP BY round", (sid,)).fetchall()
        (first,) = con.execute("SELECT min(started_at) FROM trials WHERE search_id = ?",
                               (sid,)).fetchone()
        try:
            first = parse_store_time(first) - t0_wall
        except (TypeError, ValueError):
            first = None
        trials = []
        for number, st, epochs, fin, best, rnd, params in rows:
            try:
                t = parse_store_time(fin) - t0_wall
            except (TypeError, ValueError):
                t = seen.get(number, elapsed)
            try:
                params = json.loads(params)
            except (TypeError, ValueError):
                pass
            trials.append({"number": number, "state": st, "epochs": epochs, "t": t,
                           "best": best, "round": rnd, "params": params})
        try:            # the boxes of a coarse-to-fine search (sql/002-rounds.sql)
            boxes = con.execute("SELECT round, trials, description FROM rounds WHERE "
                                "search_id = ? ORDER BY round", (sid,)).fetchall()
        except sqlite3.Error:
            boxes = []
        con.close()
        con = None
        r = request(sock, {"type": "shutdown"})
        try:
            daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            log("   [tuna %s] tunad did not stop in 30 s; killing it" % key)
        if r.get("ok") is False:
            log("   [tuna %s] shutdown: %s" % (key, r))
        return {"side": "tuna", "variant": key, "label": label, "spec": spec, "search": sid,
                "trials": trials, "status_counts": counts, "rounds": dict(rounds),
                "boxes": [{"round": b[0], "trials": b[1], "box": b[2]} for b in boxes],
                "first_start": first}
    finally:
        if con is not None:
            con.close()
        stop(daemon)


# ---------------------------------------------------------------------------------------------
# Optuna (runs in a child: python3 search.py --optuna-child ...)

def read_idx(path):
    import numpy as np
    with gzip.open(path, "rb") as f:
        data = f.read()
    if data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError("%s: not an unsigned-byte IDX file" % path)
    ndims = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndims).reshape(dims)


def optuna_child(args):
    # OpenBLAS (loaded by numpy or torch) reads its thread count once, when loaded; Debian's
    # torch does its GEMMs there, out of torch.set_num_threads()'s reach (see bench/README.md).
    if "numpy" in sys.modules or "torch" in sys.modules:
        raise RuntimeError("numpy/torch imported before OPENBLAS_NUM_THREADS was set")
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    os.environ["OMP_NUM_THREADS"] = "1"
    ts = time.monotonic()
    import numpy as np
    import torch
    import torch.nn as nn
    import optuna

    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    def emit(obj):
        print(json.dumps(obj), flush=True)

    x = read_idx(os.path.join(args.data, "train-images-idx3-ubyte.gz")).reshape(-1, 784)
    y = read_idx(os.path.join(args.data, "train-labels-idx1-ubyte.gz")).astype(np.int64)
    x, y = torch.from_numpy(x.copy()), torch.from_numpy(y)
    n = len(x) - len(x) // 10                   # the last 6,000 are the validation split
    x_train, y_train, x_val, y_val = x[:n], y[:n], x[n:], y[n:]
    lossf = nn.CrossEntropyLoss()

    storage = "sqlite:///" + args.optuna_db
    study = optuna.create_study(study_name="fashion-mnist", storage=storage,
                                direction="maximize",
                                sampler=optuna.samplers.TPESampler(seed=0),
                                pruner=optuna.pruners.MedianPruner(n_warmup_steps=2))
    emit({"event": "start", "setup_seconds": time.monotonic() - ts, "n_train": n,
          "n_val": len(x_val), "torch": torch.__version__, "optuna": optuna.__version__})

    t0 = time.monotonic()     # the clock starts here: imports, data and study creation excluded

    def evaluate(model):
        model.eval()
        correct = 0
        with torch.no_grad():
            for i in range(0, len(x_val), 1000):
                out = model(x_val[i:i + 1000].float().div_(255.0))
                correct += (out.argmax(1) == y_val[i:i + 1000]).sum().item()
        return correct / len(x_val)

    def objective(trial):
        alpha = trial.suggest_float("alpha", 1e-4, 1e-1, log=True)
        one_minus_beta1 = trial.suggest_float("one_minus_beta1", 1e-3, 1e-1, log=True)
        layers = trial.suggest_int("layers", 1, 3)
        hidden = trial.suggest_int("hidden_units", 32, 512, log=True)
        batch = trial.suggest_categorical("batch_size", [64, 128, 256])
        decay = trial.suggest_float("lr_decay", 1e-3, 1.0, log=True)
        torch.manual_seed(trial.number)
        mods, prev = [], 784
        for _ in range(layers):
            mods += [nn.Linear(prev, hidden, bias=False), nn.BatchNorm1d(hidden), nn.ReLU()]
            prev = hidden
        mods.append(nn.Linear(prev, 10))
        model = nn.Sequential(*mods)
        opt = torch.optim.Adam(model.parameters(), lr=alpha, betas=(1 - one_minus_beta1, 0.999),
                               eps=1e-8)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda e: 1.0 / (1.0 + decay * e))
        val_acc = 0.0
        for epoch in range(args.epochs):
            if time.monotonic() - t0 >= args.budget:
                # Out of budget: this trial would finish late and is not counted anyway
                # (study.optimize(timeout=) only stops between trials).
                raise optuna.TrialPruned()
            model.train()
            perm = torch.randperm(n)
            for i in range(0, n, batch):
                idx = perm[i:i + batch]
                opt.zero_grad(set_to_none=True)
                loss = lossf(model(x_train[idx].float().div_(255.0)), y_train[idx])
                loss.backward()
                opt.step()
            sched.step()
            val_acc = evaluate(model)
            trial.report(val_acc, epoch)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return val_acc

    def callback(study, ft):
        iv = ft.intermediate_values
        emit({"event": "trial", "t": time.monotonic() - t0, "number": ft.number,
              "state": ft.state.name, "epochs": len(iv),
              "best": max(iv.values()) if iv else None, "value": ft.value,
              "params": ft.params})

    study.optimize(objective, timeout=args.budget, callbacks=[callback], gc_after_trial=False)
    emit({"event": "done", "seconds": time.monotonic() - t0, "trials": len(study.trials)})
    return 0


def run_optuna(args, tmp):
    log("== optuna: TPESampler(seed=0) + MedianPruner(n_warmup_steps=2), SQLite, torch 1 thread")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    argv = [sys.executable, os.path.abspath(__file__), "--optuna-child",
            "--budget", str(args.budget), "--epochs", str(args.epochs), "--data", args.data,
            "--optuna-db", os.path.join(tmp, "optuna.db")]
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True,
                         bufsize=1, env=env)
    CHILDREN.append(p)
    # A trial in flight at the deadline stops at its next epoch; allow for the setup too.
    watchdog = threading.Timer(args.budget + 300, p.kill)
    watchdog.daemon = True
    watchdog.start()
    trials, start, done = [], None, None
    best = None
    try:
        for line in p.stdout:
            try:
                rec = json.loads(line)
            except ValueError:
                log("   [optuna] non-JSON: %s" % line.rstrip())
                continue
            ev = rec.get("event")
            if ev == "start":
                start = rec
                log("   [optuna] torch %s, optuna %s, setup %.1f s (not counted)"
                    % (rec["torch"], rec["optuna"], rec["setup_seconds"]))
            elif ev == "trial":
                trials.append(rec)
                if rec["t"] <= args.budget and rec["best"] is not None:
                    best = rec["best"] if best is None else max(best, rec["best"])
                log("   [optuna] %5.0f s  trial %3d %-8s %2d epochs  %s  best %s"
                    % (rec["t"], rec["number"],
                       "late" if rec["t"] > args.budget else rec["state"].lower(), rec["epochs"],
                       "%.4f" % rec["best"] if rec["best"] is not None else "-",
                       "%.4f" % best if best is not None else "-"))
            elif ev == "done":
                done = rec
        p.wait()
    finally:
        watchdog.cancel()
        if p.poll() is None:
            p.kill()
            p.wait()
    if p.returncode != 0 or done is None:
        raise SideFailed("the Optuna child exited with status %s" % p.returncode)
    counts = {}
    for tr in trials:
        st = "late" if tr["t"] > args.budget else tr["state"].lower()
        counts[st] = counts.get(st, 0) + 1
    return {"side": "optuna", "variant": "optuna", "label": "Optuna TPE+median",
            "first_start": 0.0,
            "trials": trials, "status_counts": counts, "start": start, "done": done}


# ---------------------------------------------------------------------------------------------
# Report

def summarize(run, budget):
    counted = [t for t in run["trials"] if t["t"] <= budget]
    curve = curve_of(run["trials"], budget)
    pruned = sum(t["state"].lower() == "pruned" for t in counted)
    return {"curve": curve, "finished": len(counted), "pruned": pruned,
            "epochs": sum(t["epochs"] or 0 for t in counted),
            "best": curve[-1][1] if curve else None,
            "t_best": time_to_own_best(curve), "first_start": run.get("first_start")}


def fmt(v, spec, none="-"):
    return none if v is None else format(v, spec)


def report(args, runs, failed):
    B = args.budget
    S = {k: summarize(r, B) for k, r in runs.items()}
    o = S.get("optuna")
    if o and o["best"] is not None:
        target, t_target, src = o["best"], o["t_best"], "this run"
    else:
        target, t_target, src = ANCHOR_BEST, ANCHOR_TIME, "the anchor"
    cols = [k for k in ["optuna"] + list(VARIANTS) if k in runs or k in failed]
    W = 18
    head = {"optuna": "optuna"}
    head.update({k: "%s %s" % (k, VARIANTS[k][0]) for k in VARIANTS})
    lines = ["time to accuracy, Fashion-MNIST, %g s per side, %d epochs per trial, "
             "best-epoch validation accuracy (last 6,000 training images)" % (B, args.epochs),
             "tuna: tunad --workers %d, parallel %d, seed %d; Optuna: 1 process, torch 1 thread"
             % (args.workers, args.workers, args.seed), ""]

    def row(name, f, always=False):
        cells = []
        for k in cols:
            if k in failed and not always:
                cells.append("refused" if "refused" in failed[k] else "failed")
            else:
                cells.append(f(k))
        lines.append("%-30s" % name + "".join("%*s" % (W, c) for c in cells))

    row("", lambda k: head[k], always=True)
    row("first trial started, s", lambda k: fmt(S[k]["first_start"], ".1f"))
    row("trials finished", lambda k: str(S[k]["finished"]))
    row("  of which pruned", lambda k: str(S[k]["pruned"]))
    row("epochs trained (finished)", lambda k: str(S[k]["epochs"]))
    for k in cols:
        if k in runs and runs[k]["side"] == "tuna":
            bad = sum(v for st, v in runs[k]["status_counts"].items()
                      if st in ("diverged", "failed"))
            runs[k]["bad"] = bad
    if any(runs[k].get("bad") for k in runs):
        row("diverged or failed (tuna)", lambda k: str(runs[k].get("bad", "-")))
    cps = [B * i / 5 for i in range(1, 6)]
    for c in cps:
        row("best at %g s" % c, lambda k, c=c: fmt(best_at(S[k]["curve"], c), ".4f"))
    row("time to own best, s", lambda k: fmt(S[k]["t_best"], ".0f"))
    thrs = sorted(set(args.thresholds + [ANCHOR_BEST]))
    for thr in thrs:
        row("time to %.4f, s" % thr, lambda k, thr=thr: fmt(time_to(S[k]["curve"], thr), ".0f",
                                                            "never"))
    row("time to Optuna's best, s", lambda k: fmt(time_to(S[k]["curve"], target), ".0f",
                                                  "never"))
    row("  / Optuna's time to it", lambda k: fmt(
        time_to(S[k]["curve"], target) / t_target
        if time_to(S[k]["curve"], target) is not None and t_target else None, ".2f", "-"))
    lines.append("")
    lines.append("Optuna's best: %.4f at %.0f s (%s%s)"
                 % (target, t_target, src,
                    "" if src == "this run" else "; --only tuna, or Optuna found nothing"))

    headline = {"target": target, "target_time": t_target, "target_source": src}
    if "d" in S and S["d"]["curve"]:
        td = time_to(S["d"]["curve"], target)
        ratio = td / t_target if td is not None else None
        higher = S["d"]["best"] > target + EPS
        headline.update(variant="d", time=td, ratio=ratio, tuna_best=S["d"]["best"],
                        time_pass=ratio is not None and ratio <= GOAL_TIME_RATIO,
                        best_pass=higher)
        lines.append("headline, tuna d (coarse-to-fine + ASHA) against Optuna:")
        lines.append("  time to Optuna's best / Optuna's time to it: %s  %s  (goal <= %.2f)"
                     % (fmt(ratio, ".2f", "never"),
                        "PASS" if headline["time_pass"] else "MISS", GOAL_TIME_RATIO))
        lines.append("  final best: tuna %.4f vs Optuna %.4f  %s  (goal: tuna higher)"
                     % (S["d"]["best"], target, "PASS" if higher else "MISS"))
    else:
        lines.append("headline: needs variant d (%s)"
                     % ("not run" if "d" not in failed else failed["d"]))

    def compare(x, y, what):
        if x in S and y in S and S[x]["curve"] and S[y]["curve"]:
            tx, ty = time_to(S[x]["curve"], target), time_to(S[y]["curve"], target)
            secs = lambda t: "never" if t is None else "%.0f s" % t
            lines.append("%s: best %.4f vs %.4f (%+.4f); time to %.4f: %s vs %s"
                         % (what, S[x]["best"], S[y]["best"], S[x]["best"] - S[y]["best"],
                            target, secs(tx), secs(ty)))
    compare("b", "a", "coarse-to-fine (b) vs random (a)")
    compare("c", "a", "caviar+ASHA (c) vs caviar (a)")
    compare("d", "b", "c2f+ASHA (d) vs coarse-to-fine (b)")
    for k in cols:
        if k in runs and runs[k].get("rounds"):
            r = runs[k]
            lines.append("tuna %s: %d trials asked; finished trials per round: %s" % (
                k, r["spec"]["trials"],
                ", ".join("%s: %s" % kv for kv in sorted(r["rounds"].items()))))
            for b in r.get("boxes", []) if len(r.get("boxes", [])) > 1 else []:
                lines.append("  round %d (%d trials): %s" % (b["round"], b["trials"], b["box"]))
            st = r["spec"].get("strategy")
            if isinstance(st, dict) and max(r["rounds"]) < 2:
                lines.append("  warning: %s never left round 1 (%d trials a round), so it "
                             "sampled like random search; see --c2f-trials"
                             % (k, r["spec"]["trials"] // st.get("rounds", 3)))
    for k, why in failed.items():
        lines.append("%s: %s" % (k, why.splitlines()[0] if why else "failed"))
    print("\n".join(lines))
    return S, headline


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 epilog="See bench/README.md.")
    ap.add_argument("--budget", type=float, default=300, help="wall seconds per side (300)")
    ap.add_argument("--variants", default="a,b,c,d",
                    help="tuna variants, comma-separated, of a (random), b (coarse-to-fine), "
                         "c (random + ASHA), d (coarse-to-fine + ASHA); default all")
    ap.add_argument("--only", choices=["tuna", "optuna"], help="run one side only")
    ap.add_argument("--json", metavar="FILE", help="also write every curve and summary")
    ap.add_argument("--epochs", type=int, default=10, help="epochs per trial (10)")
    ap.add_argument("--trials", type=int, default=1000,
                    help="tuna's trials (1000: more than the budget allows)")
    ap.add_argument("--c2f-trials", type=int, metavar="N",
                    help="trials of the coarse-to-fine variants b and d (default: --trials); "
                         "tunad splits them evenly among the 3 rounds, and a round ends when "
                         "its last trial does")
    ap.add_argument("--workers", type=int, default=2, help="tunad --workers and parallel (2)")
    ap.add_argument("--seed", type=int, default=0, help="tuna's seed (0)")
    ap.add_argument("--thresholds", default="0.88,0.89,0.895,0.90",
                    help="also report the time to each of these (and to 0.9045, the anchor)")
    ap.add_argument("--data", default=DATA)
    ap.add_argument("--tunad", default=os.path.join(ROOT, "build/daemon/tunad"))
    ap.add_argument("--optuna-child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--optuna-db", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.optuna_child:
        return optuna_child(args)

    args.thresholds = [float(x) for x in args.thresholds.split(",") if x.strip()]
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    bad = [v for v in variants if v not in VARIANTS]
    if bad:
        ap.error("unknown variant(s) %s: choose from %s" % (",".join(bad), ",".join(VARIANTS)))
    if args.only == "optuna":
        variants = []
    if variants and not os.access(args.tunad, os.X_OK):
        log("error: no executable tunad at %s (meson compile -C build, or --tunad)" % args.tunad)
        return 2

    atexit.register(kill_children)
    signal.signal(signal.SIGTERM, on_sigterm)
    runs, failed = {}, {}
    t_start = time.monotonic()
    if args.only != "tuna":
        with tempfile.TemporaryDirectory(prefix="tuna-search-optuna-") as tmp:
            try:
                runs["optuna"] = run_optuna(args, tmp)
            except SideFailed as e:
                log("error: %s" % e)
                failed["optuna"] = str(e)
    for v in variants:
        with tempfile.TemporaryDirectory(prefix="tuna-search-%s-" % v) as tmp:
            try:
                runs[v] = run_tuna(args, v, tmp)
            except (SideFailed, OSError, sqlite3.Error, ValueError) as e:
                log("error: %s" % e)
                failed[v] = str(e)
    log("(all sides: %.0f s)" % (time.monotonic() - t_start))
    log("")
    S, headline = report(args, runs, failed)
    if args.json:
        out = {"budget": args.budget, "epochs": args.epochs, "anchor": {
                   "best": ANCHOR_BEST, "time": ANCHOR_TIME},
               "headline": headline, "failed": failed, "runs": {}}
        for k, r in runs.items():
            out["runs"][k] = dict(r, summary={kk: vv for kk, vv in S[k].items()})
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
