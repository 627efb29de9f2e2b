#!/usr/bin/python3
"""executor.py: the same search through tunad's local executor and through Slurm, in one script.

Runs one caviar search (examples/caviar-fashion-mnist.json: 40 trials of 4 epochs on Debian's
Fashion-MNIST, 2 at a time, seed 1) twice on this machine, one after the other: with
`tunad --executor local` (its default --workers, the cores) and with `tunad --executor slurm`
against a private one-node Slurm cluster that this script starts and stops itself
(tests/slurm-lib.sh, as the tests do; root only). Both runs get the same spec (the same
`parallel`, the cores by default, and the same seed), and each a fresh temporary directory:
socket, database, TUNA_CACHE_DIR, holding only the BLAS kernel chosen once at the start (so
both train on the same kernel; each decodes the data set itself). The cluster stays up through
both runs, so the local run has the same idle Slurm daemons beside it.

Each search is submitted with `tuna --socket S submit SPEC` and its end seen by polling the
database with sqlite3. Its wall time is from just before the submit (the data set is checked
then: on the cluster's node through srun, for Slurm) to `searches.finished_at`, as the daemon
stamps it. Then, on the same cluster: the start cost of a job step, N x `srun -N1 -n1 true` one
after another (median ms), and a worker start, `tuna-worker --blas` (a cached kernel choice)
through `srun` with tunad's options against the same command run locally.

    meson compile -C build && /usr/bin/python3 bench/executor.py     # ~2.5 min, idle 2 cores
    /usr/bin/python3 bench/executor.py --quick                       # smoke run, ~30 s
    /usr/bin/python3 bench/executor.py --runs 3                      # local, slurm x 3: ~7 min

Before each search it waits until the machine's CPUs are idle (--idle): with the kernel's
autogroup scheduling each Slurm step is a session of its own, which others' work slows less
than the local workers, which share one.

Progress goes to stderr, the table to stdout. The goal (issue 13): the Slurm run's wall time at
most 1.10 x the local run's. The exit status is 1 when a run did not finish its search with
every trial done (or the cluster could not start, or left a process behind), else 0 whatever
the ratio says: it is a benchmark, run by hand.
"""
import argparse
import datetime
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

from machine import blas_kernel, cpu_model
from search import log, on_sigterm, stop

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SPEC = os.path.join(ROOT, "examples", "caviar-fashion-mnist.json")
GOAL_RATIO = 1.10         # the Slurm run's wall time / the local run's
POLL = 0.2                # seconds between two looks at the database
SEARCH_TIMEOUT = 3600     # seconds a search may take before the run is given up

CHILDREN = []             # live Popen objects (tunad, the cluster's shell), ended at exit


class RunFailed(Exception):
    """A run could not finish: tunad did not start or died, the submit was refused, the
    search did not end, or the cluster did not start."""


# -- the cluster --------------------------------------------------------------------------------

# A shell that sources the test harness, starts the cluster, says what srun needs to find it,
# then waits for its stdin to close (this script's end, however it ends) and stops it, naming
# any process of the cluster left.
CLUSTER_SH = r"""
set -u
. tests/lib.sh
. tests/slurm-lib.sh
if ! slurm_can_run; then echo "SKIP $slurm_why"; exit 77; fi
slurm_start >&2 || exit 1
for v in SLURM_CONF SLURM_PARTITION SLURM_NODE SLURM_CPUS; do
	eval "echo \"ENV $v=\${$v}\""
done
echo "PIDS $slurm_ctld_pid $slurm_d_pid $slurm_munged_pid"
echo READY
while read -r line; do :; done
slurm_stop >&2
rc=$?
echo "LEFT $(echo $(slurm_procs))"
exit $rc
"""


def alive(pid):
    """Whether the process exists and is not a zombie (an exited daemon stays one until init
    reaps it)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            return not any(line.startswith("State:") and "Z" in line.split()[1:2]
                           for line in f)
    except OSError:
        return False


class Cluster:
    """A private one-node Slurm cluster: tests/slurm-lib.sh's, in a shell of its own that stays
    alive until stop() (or this script's exit) closes its stdin."""

    def __init__(self):
        self.proc, self.env, self.pids, self.conf = None, {}, [], None

    def start(self):
        t0 = time.monotonic()
        self.proc = subprocess.Popen(["sh", "-c", CLUSTER_SH], cwd=ROOT, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=sys.stderr)
        CHILDREN.append(self.proc)
        for line in self.proc.stdout:
            word, _, rest = line.rstrip("\n").partition(" ")
            if word == "ENV":
                k, _, v = rest.partition("=")
                self.env[k] = v
            elif word == "PIDS":
                self.pids = [int(p) for p in rest.split()]
            elif word == "SKIP":
                raise RunFailed(f"no Slurm cluster can run here: {rest}")
            elif word == "READY":
                break
        else:
            raise RunFailed(f"the cluster did not start (exit status {self.proc.wait()}); "
                            "its logs are above")
        self.conf = self.env["SLURM_CONF"]
        return time.monotonic() - t0

    def stop(self):
        """Stop the cluster; returns the pids of its processes left (none: [])."""
        if self.proc is None:
            return []
        left = []
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        for line in self.proc.stdout:
            if line.startswith("LEFT"):
                left = [int(p) for p in line.split()[1:]]
        self.proc.wait()
        # The harness's own check, then ours: a slurmctld or slurmd still reading our conf, or
        # any pid the cluster started.
        if self.conf:
            out = subprocess.run(["pgrep", "-f", "--", self.conf], capture_output=True,
                                 text=True).stdout.split()
            left += [int(p) for p in out if int(p) != os.getpid() and alive(int(p))]
        left += [p for p in self.pids if alive(p)]
        self.proc = None
        return sorted(set(left))


# -- a search -----------------------------------------------------------------------------------

def seeded_cache(args, tmp):
    """A fresh TUNA_CACHE_DIR in tmp holding only the BLAS kernel choice made once at the
    start (args.blas_cache): every run trains on the same kernel, and decodes the data set
    into its own cache as a first run does."""
    cache = os.path.join(tmp, "cache")
    os.makedirs(cache, exist_ok=True)
    for f in os.listdir(args.blas_cache):
        if f.startswith("tuna-blas-"):
            shutil.copy(os.path.join(args.blas_cache, f), cache)
    return cache


def autogroup():
    """Whether the kernel's scheduler groups tasks by session (CONFIG_SCHED_AUTOGROUP, on)."""
    try:
        with open("/proc/sys/kernel/sched_autogroup_enabled") as f:
            return f.read().strip() == "1"
    except OSError:
        return False


def cpu_times():
    """(busy, total) jiffies of all CPUs, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + (v[4] if len(v) > 4 else 0)        # idle + iowait
    total = sum(v[:8])                               # guest time is inside user already
    return total - idle, total


def busy_share(seconds):
    """The share of the machine's CPU time that was busy over the next seconds."""
    b0, t0 = cpu_times()
    time.sleep(seconds)
    b1, t1 = cpu_times()
    return (b1 - b0) / max(t1 - t0, 1)


def wait_idle(args, what):
    """Wait until the machine's CPUs were busy at most args.idle of the time over 5 s (at most
    args.idle_wait s); returns (seconds waited, the last busy share, whether it was idle)."""
    t0 = time.monotonic()
    while True:
        share = busy_share(5)
        if share <= args.idle:
            return time.monotonic() - t0, share, True
        if time.monotonic() - t0 >= args.idle_wait:
            log(f"  {what}: the machine is still {share:.0%} busy after {args.idle_wait:.0f} s: "
                "running anyway")
            return time.monotonic() - t0, share, False
        log(f"  {what}: the machine is {share:.0%} busy (others' work): waiting for it to be "
            f"idle (at most {args.idle:.0%} busy) ...")


def make_spec(args):
    """The example spec with the script's overrides: trials, epochs, parallel, seed."""
    with open(args.spec) as f:
        spec = json.load(f)
    spec.pop("executor", None)        # tunad --executor decides
    spec["name"] = spec.get("name", "search") + " (bench/executor.py)"
    for key in ("trials", "epochs", "parallel", "seed"):
        if getattr(args, key) is not None:
            spec[key] = getattr(args, key)
    return spec


def stamp(text):
    """A store time ('YYYY-MM-DD HH:MM:SS.SSS', UTC) in seconds since the epoch."""
    return datetime.datetime.fromisoformat(text).replace(
        tzinfo=datetime.timezone.utc).timestamp()


def run_search(args, kind, spec, cluster):
    """One search in a fresh directory through tunad --executor kind; returns its figures."""
    with tempfile.TemporaryDirectory(prefix=f"tuna-bench-{kind}-") as tmp:
        sock, db = os.path.join(tmp, "tunad.sock"), os.path.join(tmp, "tuna.db")
        spec_path, log_path = os.path.join(tmp, "spec.json"), os.path.join(tmp, "tunad.log")
        with open(spec_path, "w") as f:
            json.dump(spec, f)
        env = dict(os.environ, TUNA_CACHE_DIR=seeded_cache(args, tmp))
        for k in list(env):
            if k.startswith("SLURM_"):
                del env[k]
        if kind == "slurm":
            env.update(cluster.env)
        argv = [args.tunad, "--foreground", "--debug", "--socket", sock, "--db", db,
                "--executor", kind]             # --debug: a line for each process started
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
                    raise RunFailed(f"tunad --executor {kind} did not start "
                                    f"(exit status {daemon.poll()}):\n{tail()}")
                time.sleep(0.02)
            t_submit = time.time()
            p = subprocess.run([args.tuna, "--socket", sock, "submit", spec_path], env=env,
                               capture_output=True, text=True, timeout=600)
            if p.returncode != 0 or not p.stdout.startswith("search "):
                raise RunFailed(f"tuna submit ({kind}) failed, exit status {p.returncode}: "
                                f"{(p.stdout + p.stderr).strip()}\n{tail()}")
            sid = int(p.stdout.split()[1])
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
            loads = []
            try:
                last = -1
                while True:
                    time.sleep(POLL)
                    loads.append(os.getloadavg()[0])
                    if daemon.poll() is not None:
                        raise RunFailed(f"tunad --executor {kind} died (exit status "
                                        f"{daemon.returncode}):\n{tail()}")
                    status, = con.execute("SELECT status FROM searches WHERE id = ?",
                                          (sid,)).fetchone()
                    ended, = con.execute(
                        "SELECT count(*) FROM trials WHERE search_id = ? AND status NOT IN "
                        "('queued', 'running')", (sid,)).fetchone()
                    if ended != last and (ended % 10 == 0 or status != "running"):
                        log(f"  {kind}: {ended}/{spec['trials']} trials ended "
                            f"({time.time() - t_submit:.0f} s)")
                        last = ended
                    if status != "running":
                        break
                    if time.time() - t_submit > SEARCH_TIMEOUT:
                        raise RunFailed(f"{kind}: the search has not ended after "
                                        f"{SEARCH_TIMEOUT} s")
                fig = figures(con, sid, spec["parallel"])
            finally:
                con.close()
            fig.update(kind=kind, status=status, load=med(loads),
                       wall=stamp(fig["finished_at"]) - t_submit,
                       check_s=stamp(fig["created_at"]) - t_submit)
            subprocess.run([args.tuna, "--socket", sock, "shutdown"], env=env,
                           capture_output=True, timeout=60)
            daemon.wait(timeout=60)
            with open(log_path) as f:
                fig["procs"] = sum(1 for line in f if line.rstrip().endswith(": started") and
                                   " debug: worker " in line)
            if args.logs:
                os.makedirs(args.logs, exist_ok=True)
                n = sum(1 for f in os.listdir(args.logs) if f.startswith(kind))
                with open(log_path) as f, open(os.path.join(
                        args.logs, f"{kind}-{n + 1}.log"), "w") as out:
                    out.write(f.read())
            return fig
        finally:
            stop(daemon, grace=30)
            CHILDREN.remove(daemon)


def figures(con, sid, parallel):
    """A finished search's figures from its store."""
    created, finished = con.execute("SELECT created_at, finished_at FROM searches WHERE id = ?",
                                    (sid,)).fetchone()
    counts = dict(con.execute("SELECT status, count(*) FROM trials WHERE search_id = ? "
                              "GROUP BY status", (sid,)).fetchall())
    best, = con.execute("SELECT max(best_val_acc) FROM trials WHERE search_id = ? AND "
                        "status = 'done'", (sid,)).fetchone()
    rows = con.execute("SELECT started_at, finished_at, seconds FROM trials WHERE search_id = ? "
                       "AND status = 'done' AND started_at IS NOT NULL AND finished_at IS NOT "
                       "NULL", (sid,)).fetchall()
    spans = [stamp(b) - stamp(a) for a, b, _ in rows]
    retries, = con.execute("SELECT count(*) FROM events WHERE search_id = ? AND kind = 'retry'",
                           (sid,)).fetchone()
    queued, = con.execute("SELECT count(*) FROM events WHERE search_id = ? AND "
                          "kind = 'trial_state' AND data LIKE '%queued%'", (sid,)).fetchone()
    first, = con.execute("SELECT min(r.time) FROM reports r JOIN trials t ON t.id = r.trial_id "
                         "WHERE t.search_id = ?", (sid,)).fetchone()
    kernels = [k for k, in con.execute(
        "SELECT DISTINCT k.core FROM trials t JOIN kernels k ON k.id = t.kernel_id "
        "WHERE t.search_id = ? ORDER BY k.core", (sid,))]
    search_s = stamp(finished) - stamp(created)
    busy = sum(spans)
    return {"created_at": created, "finished_at": finished, "search_s": search_s,
            "counts": counts, "done": counts.get("done", 0), "best": best,
            "trial_median": statistics.median(spans) if spans else None,
            "trial_sum": busy, "first_epoch": first / 1000 if first is not None else None,
            "idle": search_s - busy / parallel, "retries": retries, "queued": queued,
            "kernel": ",".join(kernels) or "-"}


# -- the start cost of a step -------------------------------------------------------------------

def timed_ms(argv, env, n):
    """argv run n times one after another: the times in ms (a failure raises RunFailed)."""
    out = []
    for _ in range(n):
        t0 = time.monotonic()
        p = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=300)
        out.append((time.monotonic() - t0) * 1000)
        if p.returncode != 0:
            raise RunFailed(f"{' '.join(argv)}: exit status {p.returncode}: "
                            f"{(p.stdout + p.stderr).strip()[-500:]}")
    return out


def srun_costs(args, cluster, tmp):
    """The start cost of a step on the cluster: srun true, and tuna-worker --blas through srun
    (tunad's srun options) against the same command run here. Each a list of ms."""
    env = dict(os.environ, TUNA_CACHE_DIR=seeded_cache(args, tmp), OPENBLAS_NUM_THREADS="1")
    env.update(cluster.env)
    env.pop("TUNA_PARENT", None)
    srun = ["srun", "--nodes=1", "--ntasks=1"]
    worker = [args.worker, "--blas"]
    timed_ms(worker, env, 1)          # (the kernel is cached already: a warm-up)
    n = args.srun_count
    log(f"srun: {n} x srun -N1 -n1 true ...")
    true = timed_ms(srun + ["true"], env, n)
    log(f"srun: {n} x tuna-worker --blas here, then through srun, alternating ...")
    here, there = [], []
    for _ in range(n):
        here += timed_ms(worker, env, 1)
        there += timed_ms(srun + ["--cpus-per-task=1", "--export=ALL", "--"] + worker, env, 1)
    return {"true": true, "here": here, "srun": there}


# -- the report ---------------------------------------------------------------------------------

def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


def print_runs(runs, trials):
    """One row per run: the wall time (submit to end), the search's own (created_at to
    finished_at), the submit's check, the first epoch reported, the median trial, the idle
    slot time, trials done, the best val_acc, the processes tunad started (the data-set check
    and the worker slots: sruns for Slurm), retries, queued states, the machine's busy share
    just before it (others' work), the median load average during it (its own workers count
    about 2) and the BLAS kernels its trials ran on."""
    print(f"{'run':4}{'executor':9}{'wall s':>8}{'search s':>9}{'check s':>8}"
          f"{'1st epoch s':>12}{'trial s':>8}{'idle s':>7}{'done':>8}{'best val_acc':>13}"
          f"{'procs':>6}{'retries':>8}{'queued':>7}{'busy0':>6}{'load':>5}  kernel")
    for i, pair in enumerate(runs, 1):
        for r in pair:
            best = f"{r['best']:.4f}" if r["best"] is not None else "-"
            print(f"{i:<4}{r['kind']:9}{r['wall']:>8.1f}{r['search_s']:>9.1f}"
                  f"{r['check_s']:>8.2f}{number(r['first_epoch'], '.2f'):>12}"
                  f"{number(r['trial_median'], '.2f'):>8}{r['idle']:>7.1f}"
                  f"{str(r['done']) + '/' + str(trials):>8}{best:>13}"
                  f"{r['procs']:>6}{r['retries']:>8}{r['queued']:>7}{r['busy0']:>6.0%}"
                  f"{r['load']:>5.1f}  {r['kernel']}")


def number(value, fmt):
    return "-" if value is None else format(value, fmt)


def report_runs(runs, trials):
    """The table of runs, the ratio against the goal, the trials done and the best val_acc;
    returns how many runs did not finish their search with every trial done."""
    print()
    print_runs(runs, trials)
    loc, slu = med(r[0]["wall"] for r in runs), med(r[1]["wall"] for r in runs)
    ratio = slu / loc
    print()
    what = f"median of {len(runs)}" if len(runs) > 1 else "one run each"
    print(f"wall time, submit to search end ({what}): local {loc:.1f} s, slurm {slu:.1f} s")
    print(f"{'PASS' if ratio <= GOAL_RATIO else 'FAIL'}  wall time slurm / local: {ratio:.3f}"
          f"  (goal <= {GOAL_RATIO:.2f})")
    bad = 0
    for i, pair in enumerate(runs, 1):
        for r in pair:
            if r["done"] != trials or r["status"] != "done":
                bad += 1
                print(f"FAIL  run {i}, {r['kind']}: search {r['status']}, {r['done']} of "
                      f"{trials} trials done: {r['counts']}")
    if not bad:
        print(f"PASS  trials done: {trials} of {trials} in every run")
    busy = [f"run {i} {r['kind']} ({r['busy0']:.0%})" for i, pair in enumerate(runs, 1)
            for r in pair if not r["idle0"]]
    if busy:
        print(f"WARNING: the machine was busy with others' work before {', '.join(busy)}: "
              "read those rows with care" + (
                  "; the kernel schedules by autogroup, so each Slurm step (a session of its "
                  "own) gets a CPU share as large as any other session's, while the local "
                  "workers share one: others' work slows the local run more"
                  if autogroup() else ""))
    bests = {round(r["best"], 6) for pair in runs for r in pair if r["best"] is not None}
    print(f"best val_acc: local {med(r[0]['best'] for r in runs):.4f}, slurm "
          f"{med(r[1]['best'] for r in runs):.4f}"
          f"{'  (the same in every run: same seed, same trials)' if len(bests) == 1 else ''}")
    return bad


def report_costs(costs):
    t, h, s = med(costs["true"]), med(costs["here"]), med(costs["srun"])
    n = len(costs["true"])
    print()
    print(f"start cost of a step, ms (median of {n}; min-max):")
    for label, key in (("srun -N1 -n1 true", "true"), ("tuna-worker --blas, here", "here"),
                       ("tuna-worker --blas, through srun", "srun")):
        v = costs[key]
        print(f"  {label:38}{med(v):8.1f}   ({min(v):.0f}-{max(v):.0f})")
    print(f"  {'srun per worker start (srun - here)':38}{s - h:8.1f}")
    slow = sum(1 for v in costs["true"] + costs["srun"] if v > 1000)
    if slow:
        print(f"  {slow} of {2 * n} sruns took over 1 s (the job waited for the scheduler's "
              "next pass)")


def dataset_files(spec):
    """The files of the spec's data set: a directory's files, or the paths it names."""
    d = spec.get("dataset")
    paths = [d] if isinstance(d, str) else [v for k, v in (d or {}).items()
                                            if k in ("path", "train", "test") and
                                            isinstance(v, str)]
    out = []
    for p in paths:
        if os.path.isdir(p):
            out += [os.path.join(p, f) for f in sorted(os.listdir(p))]
        elif os.path.exists(p):
            out.append(p)
    return out


def warm_dataset(spec):
    """Read the data set's files once, so that neither run pays for a cold page cache."""
    n = 0
    for path in dataset_files(spec):
        with open(path, "rb") as f:
            while True:
                b = f.read(1 << 20)
                if not b:
                    break
                n += len(b)
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", default=SPEC, help="the search spec (default: "
                    "examples/caviar-fashion-mnist.json)")
    ap.add_argument("--trials", type=int, help="trials of the search (the spec's: 40)")
    ap.add_argument("--epochs", type=int, help="epochs of each trial (the spec's: 4)")
    ap.add_argument("--parallel", type=int, default=os.cpu_count(),
                    help="trials at once in both runs (default: the cores, %(default)s)")
    ap.add_argument("--seed", type=int, help="the search's seed (the spec's: 1)")
    ap.add_argument("--runs", type=int, default=1,
                    help="local, slurm, local, slurm, ... this many times each; medians")
    ap.add_argument("--srun-count", type=int,
                    help="steps timed one after another for the start cost (20; --quick: 5)")
    ap.add_argument("--quick", action="store_true",
                    help="a smoke run: 6 trials of 1 epoch, 5 steps timed (unless given)")
    ap.add_argument("--idle", type=float, default=0.15, metavar="SHARE",
                    help="before each search, wait until the CPUs were busy at most this share "
                    "of 5 s (others' work; default 0.15; 1: do not wait)")
    ap.add_argument("--idle-wait", type=float, default=600, metavar="SECONDS",
                    help="the longest wait for --idle before running anyway (600)")
    ap.add_argument("--logs", metavar="DIR",
                    help="keep each tunad's log there (local-1.log, slurm-1.log, ...)")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"),
                    help="the Meson build directory (default: build/)")
    args = ap.parse_args()
    if args.quick:
        args.trials = args.trials or 6
        args.epochs = args.epochs or 1
        args.srun_count = args.srun_count or 5
    args.srun_count = args.srun_count or 20
    for name in ("trials", "epochs", "parallel", "runs", "srun_count"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')} must be at least 1")
    args.tunad = os.path.join(args.build, "daemon", "tunad")
    args.tuna = os.path.join(args.build, "cli", "tuna")
    args.worker = os.path.abspath(os.path.join(args.build, "worker", "tuna-worker"))
    for p in (args.tunad, args.tuna, args.worker):
        if not os.access(p, os.X_OK):
            sys.exit(f"{p}: not built (meson setup build && ninja -C build)")
    signal.signal(signal.SIGTERM, on_sigterm)
    spec = make_spec(args)
    with tempfile.TemporaryDirectory(prefix="tuna-bench-blas-") as args.blas_cache:
        bench(args, spec)


def bench(args, spec):
    """Both executors' runs, the start cost of a step, the report; exits."""
    print(f"tunad --executor local against --executor slurm: {os.path.relpath(args.spec)}, "
          f"{spec['trials']} trials of {spec['epochs']} epochs, parallel {spec['parallel']}, "
          f"seed {spec.get('seed')}; {args.runs} run(s) of each, alternating local/slurm; "
          f"local: tunad's default --workers ({os.cpu_count()}, the cores)")
    print(f"date: {datetime.date.today().isoformat()}; CPU: {cpu_model()}; "
          f"load average at start: {os.getloadavg()[0]:.2f}")
    kernel = blas_kernel(args.worker, dict(os.environ, TUNA_CACHE_DIR=args.blas_cache))
    print(f"BLAS kernel (chosen once here; every run starts with this choice in its cache): "
          f"{kernel or 'unknown'}; OPENBLAS_CORETYPE="
          f"{os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    sys.stdout.flush()
    warm = warm_dataset(spec)
    log(f"read the data set's files once ({warm / 1e6:.0f} MB): both runs find them in the "
        "page cache")

    cluster, runs, costs, failed, left, up = Cluster(), [], None, None, [], None
    try:
        log("starting the cluster (tests/slurm-lib.sh) ...")
        up = cluster.start()
        log(f"the cluster is up in {up:.1f} s: SLURM_CONF={cluster.conf}")
        for i in range(1, args.runs + 1):
            pair = []
            for kind in ("local", "slurm"):
                waited, share, idle = wait_idle(args, f"run {i}, {kind}")
                log(f"run {i}, {kind}: {spec['trials']} trials (the machine {share:.0%} busy "
                    f"before it) ...")
                r = run_search(args, kind, spec, cluster)
                r.update(busy0=share, idle0=idle, waited=waited)
                pair.append(r)
            runs.append(pair)
        wait_idle(args, "the start cost of a step")
        with tempfile.TemporaryDirectory(prefix="tuna-bench-srun-") as tmp:
            costs = srun_costs(args, cluster, tmp)
    except RunFailed as e:
        failed = str(e)
    finally:
        log("stopping the cluster ...")
        left = cluster.stop()
        for p in CHILDREN:
            stop(p, grace=30)
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    if up is not None:
        print(f"the cluster: one node, {cluster.env.get('SLURM_CPUS', '?')} CPUs, "
              f"up in {up:.1f} s, kept up through every run")
    bad = report_runs(runs, spec["trials"]) if runs else 0
    if costs:
        report_costs(costs)
    print()
    if failed:
        print(f"FAIL  {failed}")
    if left:
        print(f"FAIL  processes of the cluster left after its stop: {left}")
    elif up is not None:
        print("PASS  no process of the cluster left after its stop")
    sys.exit(1 if failed or bad or left else 0)


if __name__ == "__main__":
    main()
