#!/usr/bin/python3
"""usertrainer.py: the per-trial overhead of the user's own trainer through tunad against Optuna
running the same program as a subprocess objective, in one run.

The program is a tiny C program this script compiles with cc into a temporary directory: it
takes `--lr=X` (or `--lr X`), prints 10 lines `epoch=E loss=L` with L = (log10(X) + 2)^2 + 1/E
and exits, so its own cost is a fork, an exec and a few writes: what is left is each side's
cost of starting a trial, reading its reports, storing them and ending it.

- tuna: a private tunad (--foreground, --workers 2; socket and database in a temporary
  directory), one caviar random search of --trials trials (default 2000), parallel 2, seed 1,
  lr on a log scale in [1e-5, 1], `"trainer": {"command": [PROG, "--lr={lr}"], "control":
  false}`, objective loss, min. Timed from just before `tuna submit` to the search's
  `finished_at` as tunad stamps it (its end seen by polling the database with sqlite3); then
  every trial must be done with 10 loss reports.
- Optuna (Debian's python3-optuna): `optuna.create_study(direction="minimize",
  sampler=RandomSampler(seed=1))`, `study.optimize(objective, n_trials, n_jobs=2)` (2 threads:
  the same 2 programs at once), the objective suggests lr on the same log scale, runs
  `subprocess.run([PROG, "--lr", str(lr)], capture_output=True)`, parses the 10 lines,
  `trial.report(loss, epoch)` for each and returns the last. Twice: on SQLite storage
  (`sqlite:///` a file in a temporary directory: tuna's store is SQLite too, so this is the
  like-for-like one; --optuna-trials, default 200: each trial commits a dozen transactions) and
  on its in-memory storage (--optuna-trials, default 500). Timed around study.optimize
  (create_study excluded). Both temporary directories, tuna's and Optuna's, are on the same
  file system (tempfile's: $TMPDIR, else /tmp).

trials/s of each side; the goal (issue 14): tuna's trials/s at least 20 x Optuna-on-SQLite's.
The ratio against Optuna in memory is printed too, for information.

    meson compile -C build && /usr/bin/python3 bench/usertrainer.py     # ~1.5 min on 2 cores
    /usr/bin/python3 bench/usertrainer.py --trials 200 --optuna-trials 50 # smoke run
    /usr/bin/python3 bench/usertrainer.py --runs 3                        # medians of 3

Progress goes to stderr, the figures to stdout. The exit status is 1 when a side failed (tunad
did not start or died, a trial not done or without its 10 reports, an Optuna trial failed),
else 0 whatever the ratio says: it is a benchmark, run by hand.
"""
import argparse
import datetime
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

from executor import busy_share
from machine import blas_kernel, cpu_model
from search import log, on_sigterm, stop

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
GOAL_RATIO = 20.0         # tuna's trials/s / Optuna-on-SQLite's, at least
EPOCHS = 10               # lines the program prints
PARALLEL = 2              # programs at once, both sides
SEED = 1
LR_MIN, LR_MAX = 1e-5, 1.0
POLL = 0.05               # seconds between two looks at tuna's database
SEARCH_TIMEOUT = 1800     # seconds a search may take before the run is given up

CHILDREN = []             # live Popen objects (tunad), ended at exit

PROGRAM_C = r"""
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A trainer that trains nothing: 10 lines "epoch=E loss=L", L = (log10(lr) + 2)^2 + 1/E. */
int main(int argc, char **argv)
{
	double lr = 1e-3;
	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--lr=", 5) == 0)
			lr = strtod(argv[i] + 5, NULL);
		else if (strcmp(argv[i], "--lr") == 0 && i + 1 < argc)
			lr = strtod(argv[++i], NULL);
	}
	if (!(lr > 0)) {
		fprintf(stderr, "lr must be positive\n");
		return 2;
	}
	double d = log10(lr) + 2;
	for (int e = 1; e <= 10; e++)
		printf("epoch=%d loss=%.17g\n", e, d * d + 1.0 / e);
	return 0;
}
"""


class RunFailed(Exception):
    """A side could not finish: tunad did not start or died, the submit was refused, the search
    did not end, a trial was not done with its reports, an Optuna trial failed."""


def compile_program(tmp):
    """The program, compiled with cc -O2 into tmp; its absolute path."""
    src, prog = os.path.join(tmp, "trainer.c"), os.path.join(tmp, "trainer")
    with open(src, "w") as f:
        f.write(PROGRAM_C)
    p = subprocess.run(["cc", "-O2", "-o", prog, src, "-lm"], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"cc failed: {p.stderr.strip()}")
    return prog


def run_ms(argv, n=200):
    """argv run n times one after another (subprocess.run, output captured): the median wall
    ms and the mean CPU ms of the children (getrusage)."""
    import resource
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = []
    for _ in range(n):
        t0 = time.monotonic()
        subprocess.run(argv, capture_output=True, check=True)
        out.append((time.monotonic() - t0) * 1000)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) / n * 1000
    return statistics.median(out), cpu


def cpu_seconds(pid):
    """(own, reaped children's) CPU seconds of a live process, from /proc/PID/stat: tunad's
    own, and its workers' (tuna-exec and the programs it waited for)."""
    with open(f"/proc/{pid}/stat") as f:
        v = f.read().rpartition(")")[2].split()
    hz = os.sysconf("SC_CLK_TCK")
    return (int(v[11]) + int(v[12])) / hz, (int(v[13]) + int(v[14])) / hz


def stamp(text):
    """A store time ('YYYY-MM-DD HH:MM:SS.SSS', UTC) in seconds since the epoch."""
    return datetime.datetime.fromisoformat(text).replace(
        tzinfo=datetime.timezone.utc).timestamp()


# -- tuna ---------------------------------------------------------------------------------------

def make_spec(prog, trials):
    return {"name": "bench/usertrainer.py", "mode": "caviar",
            "trainer": {"command": [prog, "--lr={lr}"], "control": False},
            "objective": {"metric": "loss", "goal": "min"},
            "strategy": "random", "trials": trials, "parallel": PARALLEL, "epochs": EPOCHS,
            "seed": SEED, "params": {"lr": {"scale": "log", "min": LR_MIN, "max": LR_MAX}}}


def run_tuna(args, prog):
    """One search through a private tunad; returns its figures."""
    with tempfile.TemporaryDirectory(prefix="tuna-bench-user-") as tmp:
        sock, db = os.path.join(tmp, "tunad.sock"), os.path.join(tmp, "tuna.db")
        spec_path, log_path = os.path.join(tmp, "spec.json"), os.path.join(tmp, "tunad.log")
        with open(spec_path, "w") as f:
            json.dump(make_spec(prog, args.trials), f)
        env = dict(os.environ, TUNA_CACHE_DIR=os.path.join(tmp, "cache"))
        argv = [args.tunad, "--foreground", "--socket", sock, "--db", db,
                "--workers", str(PARALLEL)]
        with open(log_path, "w") as logf:
            daemon = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                      stderr=logf, env=env)
        CHILDREN.append(daemon)

        def tail():
            with open(log_path) as f:
                return f.read()[-3000:]
        try:
            t = time.monotonic()
            while not os.path.exists(sock):
                if daemon.poll() is not None or time.monotonic() - t > 30:
                    raise RunFailed(f"tunad did not start (exit status {daemon.poll()}):\n"
                                    f"{tail()}")
                time.sleep(0.02)
            t_submit = time.time()
            p = subprocess.run([args.tuna, "--socket", sock, "submit", spec_path], env=env,
                               capture_output=True, text=True, timeout=600)
            if p.returncode != 0 or not p.stdout.startswith("search "):
                raise RunFailed(f"tuna submit failed, exit status {p.returncode}: "
                                f"{(p.stdout + p.stderr).strip()}\n{tail()}")
            sid = int(p.stdout.split()[1])
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
            try:
                last = -1
                while True:
                    time.sleep(POLL)
                    if daemon.poll() is not None:
                        raise RunFailed(f"tunad died (exit status {daemon.returncode}):\n"
                                        f"{tail()}")
                    status, = con.execute("SELECT status FROM searches WHERE id = ?",
                                          (sid,)).fetchone()
                    if status != "running":
                        break
                    ended, = con.execute(
                        "SELECT count(*) FROM trials WHERE search_id = ? AND status NOT IN "
                        "('queued', 'running')", (sid,)).fetchone()
                    if ended // 500 != last:
                        log(f"  tuna: {ended}/{args.trials} trials ended "
                            f"({time.time() - t_submit:.1f} s)")
                        last = ended // 500
                    if time.time() - t_submit > SEARCH_TIMEOUT:
                        raise RunFailed(f"tuna: the search has not ended after "
                                        f"{SEARCH_TIMEOUT} s")
                t_seen = time.time()
                fig = tuna_figures(con, sid)
            finally:
                con.close()
            wall = stamp(fig["finished_at"]) - t_submit
            fig.update(status=status, wall=wall, seen=t_seen - t_submit,
                       rate=args.trials / wall, cpu=cpu_seconds(daemon.pid))
            subprocess.run([args.tuna, "--socket", sock, "shutdown"], env=env,
                           capture_output=True, timeout=60)
            daemon.wait(timeout=60)
            with open(log_path) as f:
                fig["log_lines"] = [line.rstrip() for line in f
                                    if " error" in line or " warning" in line]
            if status != "done" or fig["complete"] != args.trials:
                raise RunFailed(f"tuna: search {status}, {fig['counts']}, {fig['complete']} of "
                                f"{args.trials} trials done with {EPOCHS} loss reports; "
                                f"first error: {fig['error']}\n{tail()}")
            return fig
        finally:
            stop(daemon, grace=30)
            CHILDREN.remove(daemon)


def tuna_figures(con, sid):
    """A finished search's figures from its store."""
    created, finished = con.execute("SELECT created_at, finished_at FROM searches WHERE id = ?",
                                    (sid,)).fetchone()
    counts = dict(con.execute("SELECT status, count(*) FROM trials WHERE search_id = ? "
                              "GROUP BY status", (sid,)).fetchall())
    complete, = con.execute(
        "SELECT count(*) FROM trials t WHERE search_id = ? AND status = 'done' AND "
        "(SELECT count(*) FROM report_values v WHERE v.trial_id = t.id AND v.name = 'loss' "
        "AND v.undone IS NULL) = ?", (sid, EPOCHS)).fetchone()
    error, = con.execute("SELECT error FROM trials WHERE search_id = ? AND error IS NOT NULL "
                         "ORDER BY id LIMIT 1", (sid,)).fetchone() or (None,)
    best, = con.execute("SELECT min(objective) FROM trials WHERE search_id = ? AND "
                        "status = 'done'", (sid,)).fetchone()
    spans = [stamp(b) - stamp(a) for a, b in con.execute(
        "SELECT started_at, finished_at FROM trials WHERE search_id = ? AND status = 'done' "
        "AND started_at IS NOT NULL AND finished_at IS NOT NULL", (sid,))]
    return {"created_at": created, "finished_at": finished,
            "search_s": stamp(finished) - stamp(created), "counts": counts,
            "complete": complete, "error": error, "best": best,
            "trial_ms": statistics.median(spans) * 1000 if spans else None}


# -- Optuna -------------------------------------------------------------------------------------

def run_optuna(prog, trials, storage_kind):
    """study.optimize over trials trials, 2 threads, on storage_kind 'sqlite' or 'memory';
    returns its figures."""
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    failures = []

    def objective(trial):
        lr = trial.suggest_float("lr", LR_MIN, LR_MAX, log=True)
        p = subprocess.run([prog, "--lr", str(lr)], capture_output=True)
        if p.returncode != 0:
            failures.append(p.stderr.decode(errors="replace").strip())
            raise RuntimeError(f"the program exited with status {p.returncode}")
        value, n = None, 0
        for line in p.stdout.decode().splitlines():
            fields = dict(kv.split("=", 1) for kv in line.split())
            value = float(fields["loss"])
            trial.report(value, int(fields["epoch"]))
            n += 1
        if n != EPOCHS:
            failures.append(f"{n} lines")
        return value

    with tempfile.TemporaryDirectory(prefix="tuna-bench-optuna-") as tmp:
        storage = "sqlite:///" + os.path.join(tmp, "optuna.db") if storage_kind == "sqlite" \
            else None
        study = optuna.create_study(storage=storage, direction="minimize",
                                    sampler=optuna.samplers.RandomSampler(seed=SEED))
        t0 = time.monotonic()
        study.optimize(objective, n_trials=trials, n_jobs=PARALLEL, catch=(RuntimeError,))
        wall = time.monotonic() - t0
        done = [t for t in study.get_trials(deepcopy=False)
                if t.state == optuna.trial.TrialState.COMPLETE and
                len(t.intermediate_values) == EPOCHS]
        best = study.best_value if done else None
        del study
    if failures or len(done) != trials:
        raise RunFailed(f"optuna ({storage_kind}): {len(done)} of {trials} trials complete with "
                        f"{EPOCHS} reports; {failures[:1]}")
    return {"wall": wall, "rate": trials / wall, "complete": len(done), "best": best}


# -- the report ---------------------------------------------------------------------------------

def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=2000, help="tuna's trials (%(default)s)")
    ap.add_argument("--optuna-trials", type=int,
                    help="Optuna's trials on each storage (default: 200 on SQLite, 500 in "
                    "memory)")
    ap.add_argument("--runs", type=int, default=1,
                    help="tuna, optuna-sqlite, optuna-memory this many times; medians")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"),
                    help="the Meson build directory (default: build/)")
    args = ap.parse_args()
    args.optuna_n = {"sqlite": args.optuna_trials or 200, "memory": args.optuna_trials or 500}
    for name in ("trials", "optuna_trials", "runs"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')} must be at least 1")
    args.tunad = os.path.join(args.build, "daemon", "tunad")
    args.tuna = os.path.join(args.build, "cli", "tuna")
    args.worker = os.path.abspath(os.path.join(args.build, "worker", "tuna-worker"))
    for p in (args.tunad, args.tuna):
        if not os.access(p, os.X_OK):
            sys.exit(f"{p}: not built (meson setup build && ninja -C build)")
    try:
        import optuna
        version = optuna.__version__
    except ImportError:
        sys.exit("Optuna is not installed (Debian: apt-get install python3-optuna)")
    signal.signal(signal.SIGTERM, on_sigterm)

    print(f"user trainer through tunad against Optuna running it as a subprocess objective: "
          f"a C program printing {EPOCHS} lines 'epoch=E loss=L', {PARALLEL} at once on both "
          f"sides; tuna {args.trials} trials, Optuna {version} {args.optuna_n['sqlite']} "
          f"trials on SQLite and {args.optuna_n['memory']} in memory; {args.runs} run(s)")
    print(f"date: {datetime.date.today().isoformat()}; CPU: {cpu_model()}; "
          f"load average at start: {os.getloadavg()[0]:.2f}; the CPUs {busy_share(5):.0%} busy "
          "over 5 s before the runs (/proc/stat: others' work)")
    kernel = blas_kernel(args.worker) if os.access(args.worker, os.X_OK) else None
    print(f"BLAS kernel (tuna-worker --blas; the user trainer does not use it): "
          f"{kernel or 'unknown'}")
    sys.stdout.flush()

    runs, failed = [], None
    with tempfile.TemporaryDirectory(prefix="tuna-bench-prog-") as tmp:
        prog = compile_program(tmp)
        own, own_cpu = run_ms([prog, "--lr", "0.01"])
        true, true_cpu = run_ms(["true"])
        print(f"the program alone: {own:.2f} ms a run, {own_cpu:.2f} ms CPU (/bin/true: "
              f"{true:.2f} ms, {true_cpu:.2f} ms CPU: the cost of a fork and an exec here); "
              "median wall and mean CPU of 200 runs one after another, subprocess.run from "
              "Python")
        sys.stdout.flush()
        try:
            for i in range(1, args.runs + 1):
                r = {}
                log(f"run {i}: tuna, {args.trials} trials ...")
                r["tuna"] = run_tuna(args, prog)
                log(f"  tuna: {r['tuna']['wall']:.2f} s")
                for kind in ("sqlite", "memory"):
                    log(f"run {i}: optuna ({kind}), {args.optuna_n[kind]} trials ...")
                    r[kind] = run_optuna(prog, args.optuna_n[kind], kind)
                    log(f"  optuna ({kind}): {r[kind]['wall']:.2f} s")
                runs.append(r)
        except RunFailed as e:
            failed = str(e)
        finally:
            for p in CHILDREN:
                stop(p, grace=30)

    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    print()
    print(f"{'run':4}{'side':22}{'trials':>7}{'wall s':>9}{'trials/s':>10}{'best loss':>11}")
    for i, r in enumerate(runs, 1):
        t = r["tuna"]
        print(f"{i:<4}{'tuna (tunad, SQLite)':22}{args.trials:>7}{t['wall']:>9.2f}"
              f"{t['rate']:>10.1f}{t['best']:>11.4f}")
        for kind, label in (("sqlite", "optuna, SQLite"), ("memory", "optuna, in memory")):
            o = r[kind]
            print(f"{i:<4}{label:22}{args.optuna_n[kind]:>7}{o['wall']:>9.2f}"
                  f"{o['rate']:>10.1f}{o['best']:>11.4f}")
    if runs:
        tr = med(r["tuna"]["rate"] for r in runs)
        sq = med(r["sqlite"]["rate"] for r in runs)
        mem = med(r["memory"]["rate"] for r in runs)
        what = f"median of {len(runs)}" if len(runs) > 1 else "one run"
        print()
        print(f"trials/s ({what}): tuna {tr:.1f}, optuna on SQLite {sq:.1f}, "
              f"optuna in memory {mem:.1f}")
        t = runs[-1]["tuna"]
        print(f"tuna's detail (last run): search {t['search_s']:.2f} s in the store "
              f"(created_at to finished_at), submit {t['wall'] - t['search_s']:.2f} s, end seen "
              f"{t['seen'] - t['wall']:.2f} s after finished_at by polling, median trial "
              f"{t['trial_ms']:.1f} ms (started_at to finished_at), {t['complete']} trials done "
              f"with {EPOCHS} loss reports")
        print(f"tuna's CPU (last run, /proc): tunad {t['cpu'][0]:.2f} s "
              f"({t['cpu'][0] / args.trials * 1000:.2f} ms a trial), its workers (tuna-exec and "
              f"the programs) {t['cpu'][1]:.2f} s ({t['cpu'][1] / args.trials * 1000:.2f} ms a "
              f"trial), over {t['wall']:.2f} s on {os.cpu_count()} cores")
        if t["log_lines"]:
            print(f"tunad logged {len(t['log_lines'])} error/warning line(s), the first: "
                  f"{t['log_lines'][0]}")
        print(f"{'PASS' if tr / sq >= GOAL_RATIO else 'FAIL'}  trials/s tuna / optuna on SQLite "
              f"(like for like: both store in SQLite): {tr / sq:.1f} x  (goal >= "
              f"{GOAL_RATIO:.0f} x)")
        print(f"      trials/s tuna / optuna in memory (for information: nothing stored): "
              f"{tr / mem:.1f} x")
    if failed:
        print(f"FAIL  {failed}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
