#!/usr/bin/python3
"""store.py: what tuna's SQLite store costs, on disk and in time, for one build or two side by side.

Runs tunad (BUILD/daemon/tunad --workers 2 --worker BUILD/worker/tuna-worker) on the tiny search
of coordinator.py (its 40-row CSV, 10 epochs, 4 sampled hyperparameters; N trials) in a fresh
temporary directory, waits for the search to end, and measures:

  size      the daemon stopped, PRAGMA wal_checkpoint(TRUNCATE): (database + WAL bytes) / trials,
            and each table's and index's share (the dbstat virtual table) per trial;
  queries   the three queries of the ```sql block under "The store" in the build's README.md
            (its ids replaced by the bench's search and its best trial), each timed in the
            sqlite3 shell (".timer on" and the query on its input: "Run Time: real") and in python's
            sqlite3 (a fresh connection each time), median of 5, with tunad running again, idle;
  commands  `tuna best ID`, `tuna status` and `tuna status ID` (wall time, median of 5);
  RSS       the daemon's VmRSS every 0.5 s during the run: min, median, max, after a tenth of
            the trials (SQLite's page cache, 2 MB, is full by then), at the end, and end / after
            a tenth ("flat");
  speed     trials per second (the search's created_at to finished_at, as the daemon stamps them).

Then Optuna 3.1 (Debian's python3-optuna; skipped with a message when it is not installed) on
SQLite storage, RandomSampler(seed=1), the same 4 suggestions, twice: 10 values a trial
(trial.report once an epoch) and 100 (the same plus 9 trial.set_user_attr an epoch, one per other
metric of tuna's epoch line), and its bytes per trial beside tuna's.

    /usr/bin/python3 bench/store.py [--trials 100000] [--compare OLD_BUILD] [NEW_BUILD]

NEW_BUILD defaults to build/. --compare runs OLD_BUILD first, then NEW_BUILD (alternating when
--runs > 1; figures are medians over the runs), and prints each figure with the ratio new/old.
PASS/FAIL lines per bar (issue 11) end the output; the exit status is 0 when every run finished
its search (1 if not), whatever the bars say.
"""
import argparse
import datetime
import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

from coordinator import build_info, make_csv, rss_mb, tiny_spec
from machine import blas_kernel, cpu_model
from tunaclient import request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPEAT = 5                      # timings are the median of this many
SIZE_BAR = 1500                 # bytes per trial: 1.5 KB
TIME_BAR = 50.0                 # ms, each README query and tuna command
RSS_BAR = 1.1                   # RSS at the end / after a tenth of the trials
RATE_BAR = 0.9                  # trials/s, new / old
# The numbers tuna-worker's epoch line reports (10 an epoch, so 100 a trial of 10 epochs).
EPOCH_METRICS = ("seconds", "sgemm_seconds", "eval_seconds", "train_loss", "train_acc",
                 "val_loss", "val_acc", "alpha", "beta1", "beta2")


class RunFailed(Exception):
    """A run could not finish: the daemon did not start, died, or left trials undone."""


# -- the README's queries ---------------------------------------------------------------------

def readme_queries(path):
    """[(title, sql)] of the first ```sql block under "## The store" in README.md at path: each
    statement (up to its ';') with the comment lines just above it as its title."""
    with open(path) as f:
        text = f.read()
    section = re.search(r"^## The store\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    block = re.search(r"^```sql\n(.*?)^```", section.group(1) if section else "", re.S | re.M)
    queries, title, lines = [], [], []
    for line in (block.group(1) if block else "").splitlines():
        s = line.strip()
        if not lines and s.startswith("--"):
            title.append(s.lstrip("-").strip())
        elif s:
            lines.append(line.rstrip())
            if s.endswith(";"):
                queries.append((" ".join(title), "\n".join(lines)))
                title, lines = [], []
    return queries


def bind_ids(title, sql, search, trial):
    """sql with its literal ids replaced: `X = N` where X (after any `table.`) is search_id or
    search becomes the bench's search, trial_id or trial its trial, and `id = N` too when N is
    the id the title names ("… of search 3", "… of trial 17"). Returns (sql, [the kinds of id
    the title names that were not found])."""
    named = {kind: m.group(1) for kind in ("search", "trial")
             for m in [re.search(rf"\b{kind} (\d+)\b", title)] if m}
    ids = {"search": search, "trial": trial}
    found = set()

    def replace(m):
        column = m.group("column").lower().rsplit(".", 1)[-1]
        for kind in ("search", "trial"):
            if column in (kind, kind + "_id"):
                break
        else:
            kind = None
            if column == "id":
                kind = next((k for k, n in named.items() if n == m.group("n")), None)
        if kind is None or ids[kind] is None:
            return m.group(0)
        found.add(kind)
        return f"{m.group('lhs')}{ids[kind]}"

    bound = re.sub(r"(?P<lhs>(?P<column>[A-Za-z_][\w.]*)\s*=\s*)(?P<n>\d+)\b", replace, sql)
    return bound, sorted(set(named) - found)


def source_readme(build):
    """The README.md of a build's source tree (meson-info), else the one beside this script."""
    try:
        with open(os.path.join(build, "meson-info", "meson-info.json")) as f:
            path = os.path.join(json.load(f)["directories"]["source"], "README.md")
        if os.path.exists(path):
            return path
    except (OSError, ValueError, KeyError):
        pass
    return os.path.join(ROOT, "README.md")


# -- timings ----------------------------------------------------------------------------------

def median_ms(measure):
    """The median of REPEAT calls of measure() (each returns milliseconds), or the error text."""
    try:
        return statistics.median(measure() for _ in range(REPEAT))
    except (RuntimeError, sqlite3.Error, OSError, subprocess.SubprocessError) as e:
        return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


def shell_ms(db, sql):
    """The sqlite3 shell's own "Run Time: real" of sql, in ms: a fresh `sqlite3 DB` reading
    ".timer on" and sql on its input, as typed at its prompt. (SQL given as an argument,
    `sqlite3 DB '.timer on' SQL`, is not timed by the shell: 3.40 prints no Run Time for it.)"""
    p = subprocess.run(["sqlite3", db], input=f".timer on\n{sql}\n", capture_output=True,
                       text=True, timeout=600)
    times = re.findall(r"^Run Time: real ([0-9.]+)", p.stdout, re.M)
    if p.returncode != 0 or not times or p.stderr.strip():
        raise RuntimeError(p.stderr.strip() or f"sqlite3: exit status {p.returncode}, "
                           "no Run Time line")
    return 1000 * sum(float(t) for t in times)


def python_ms(db, sql):
    """sql run to its last row on a fresh python sqlite3 connection, in ms."""
    con = sqlite3.connect(db)
    try:
        t0 = time.monotonic()
        con.execute(sql).fetchall()
        return 1000 * (time.monotonic() - t0)
    finally:
        con.close()


def command_ms(argv):
    """The wall time of a command (its output read and discarded), in ms."""
    t0 = time.monotonic()
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    ms = 1000 * (time.monotonic() - t0)
    if p.returncode != 0:
        raise RuntimeError(f"exit status {p.returncode}: {p.stderr.decode(errors='replace')}")
    return ms


# -- the daemon -------------------------------------------------------------------------------

class Daemon:
    """One tunad --foreground of a build, on the socket and database of a directory."""

    def __init__(self, tunad, worker, tmp, workers):
        self.sock = os.path.join(tmp, "tunad.sock")
        self.db = os.path.join(tmp, "tuna.db")
        self.log = os.path.join(tmp, "tunad.log")
        self.env = dict(os.environ, TUNA_CACHE_DIR=os.path.join(tmp, "cache"),
                        TUNA_WORKER=worker)
        self.argv = [tunad, "--foreground", "--socket", self.sock, "--db", self.db,
                     "--workers", str(workers), "--worker", worker]
        self.proc = None

    def start(self, timeout=120):
        """Start tunad and wait until it answers hello; returns the seconds that took."""
        t0 = time.monotonic()
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen(self.argv, stdout=subprocess.DEVNULL, stderr=log,
                                         env=self.env)
        while time.monotonic() - t0 < timeout and self.proc.poll() is None:
            if os.path.exists(self.sock):
                try:
                    if request(self.sock, {"type": "hello"}).get("ok"):
                        return time.monotonic() - t0
                except (OSError, ValueError):
                    pass
            time.sleep(0.02)
        self.kill()
        raise RunFailed(f"{self.argv[0]} did not start (exit status {self.proc.poll()}):\n"
                        f"{self.log_tail()}")

    def stop(self):
        """A shutdown request, and the wait for the process to end."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            request(self.sock, {"type": "shutdown"})
            self.proc.wait(timeout=120)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            self.kill()

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def log_tail(self):
        try:
            with open(self.log) as f:
                return f.read()[-2000:]
        except OSError:
            return ""

    def search(self, sid):
        """The search's entry of a status request (all searches)."""
        reply = request(self.sock, {"type": "status"}, timeout=600)
        for s in reply.get("searches", []):
            if s.get("id") == sid:
                return s
        raise RunFailed(f"search {sid} not in the daemon's status: {reply}")


class Progress:
    """How many trials of the search have ended, and whether it has: read from the store
    (today's schema: trials.status, searches.status), else from the daemon's status request
    (when the store's schema has changed), which is dearer for the daemon."""

    def __init__(self, daemon, sid):
        self.daemon, self.sid = daemon, sid
        self.source, self.con = "store", None
        try:
            self.con = sqlite3.connect(f"file:{daemon.db}?mode=ro", uri=True)
            self.finished()
            self.ended()
        except sqlite3.Error:
            self.close()
            self.source = "the daemon's status request"

    def finished(self):
        if self.source == "store":
            return self.con.execute(
                "SELECT count(*) FROM trials WHERE search_id = ? AND status NOT IN "
                "('queued', 'running')", (self.sid,)).fetchone()[0]
        counts = self.daemon.search(self.sid).get("counts", {})
        return sum(n for k, n in counts.items() if k not in ("queued", "running"))

    def ended(self):
        if self.source == "store":
            return self.con.execute("SELECT status FROM searches WHERE id = ?",
                                    (self.sid,)).fetchone()[0] != "running"
        return self.daemon.search(self.sid).get("status") != "running"

    def close(self):
        if self.con is not None:
            self.con.close()
            self.con = None


def stamp_seconds(text):
    """A store time ('YYYY-MM-DD HH:MM:SS.SSS', UTC) in seconds."""
    return datetime.datetime.fromisoformat(text).timestamp()


def run_search(daemon, csv, trials, workers):
    """Submit the tiny search, sample the daemon's RSS until it ends; returns the figures."""
    t0 = time.monotonic()
    reply = request(daemon.sock, {"type": "submit", "spec": tiny_spec(csv, trials, workers)})
    if not reply.get("ok"):
        raise RunFailed(f"submit failed: {reply}")
    sid = reply["search"]
    progress = Progress(daemon, sid)
    tick = 0.1 if progress.source == "store" else 0.5
    rss, rss_tenth, next_sample = [], None, t0
    try:
        while True:
            time.sleep(tick)
            if daemon.proc.poll() is not None:
                raise RunFailed(f"tunad died (exit status {daemon.proc.returncode}):\n"
                                f"{daemon.log_tail()}")
            if time.monotonic() >= next_sample:
                rss.append(rss_mb(daemon.proc.pid))
                next_sample += 0.5
            if rss_tenth is None and progress.finished() >= max(trials // 10, 1):
                rss_tenth = rss_mb(daemon.proc.pid)
            if progress.ended():
                break
    finally:
        progress.close()
    wall = time.monotonic() - t0
    rss_end = rss_mb(daemon.proc.pid)
    rss.append(rss_end)
    s = daemon.search(sid)
    try:
        seconds = stamp_seconds(s["finished_at"]) - stamp_seconds(s["created_at"])
    except (KeyError, TypeError, ValueError):
        seconds = wall
    counts = s.get("counts", {})
    ended = sum(n for k, n in counts.items() if k not in ("queued", "running"))
    if s.get("status") != "done" or ended != trials:
        raise RunFailed(f"search {sid} ended {s.get('status')} with {ended} of {trials} "
                        f"trials ended: {counts}")
    wal = daemon.db + "-wal"
    return {"sid": sid, "progress": progress.source, "counts": counts,
            "rate": trials / seconds, "seconds": seconds, "wall": wall, "rss_min": min(rss),
            "rss_median": statistics.median(rss), "rss_max": max(rss), "rss_tenth": rss_tenth,
            "rss_end": rss_end, "rss_flat": rss_end / rss_tenth if rss_tenth else None,
            "wal_end_mb": (os.path.getsize(wal) if os.path.exists(wal) else 0) / 1e6}


# -- the size ---------------------------------------------------------------------------------

def db_bytes(path):
    """PRAGMA wal_checkpoint(TRUNCATE) on the database at path (nobody else has it open), then
    (database bytes, WAL bytes), measured before the connection closes."""
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        wal = path + "-wal"
        return os.path.getsize(path), os.path.getsize(wal) if os.path.exists(wal) else 0
    finally:
        con.close()


def breakdown(path):
    """[(name, kind, bytes, entries)] of every table and index (dbstat), largest first, then
    the free pages; entries are rows of a table, keys of an index."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        schema = {name: (kind, table, sql or "") for kind, name, table, sql in con.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_schema")}
        stats = {}
        for name, pagetype, size, cells in con.execute(
                "SELECT name, pagetype, sum(pgsize), sum(ncell) FROM dbstat "
                "GROUP BY name, pagetype"):
            kind, table, sql = schema.get(name, ("table", name, ""))
            rowid_table = kind == "table" and "WITHOUT ROWID" not in sql.upper()
            b, n = stats.get(name, (0, 0))
            # A rowid table's rows are its leaf cells; an index (or WITHOUT ROWID table) holds
            # an entry in every cell, interior ones too.
            counts = pagetype == "leaf" or (pagetype == "internal" and not rowid_table)
            stats[name] = (b + size, n + (cells if counts else 0))
        rows = []
        for name, (size, entries) in stats.items():
            kind, table, sql = schema.get(name, ("table", name, ""))
            if kind == "index":
                kind = f"index on {table}"
            elif "WITHOUT ROWID" in sql.upper():
                kind = "table, without rowid"
            rows.append((name, kind, size, entries))
        rows.sort(key=lambda r: -r[2])
        page = con.execute("PRAGMA page_size").fetchone()[0]
        free = con.execute("PRAGMA freelist_count").fetchone()[0]
        rows.append(("(free pages)", "", free * page, None))
        return rows
    finally:
        con.close()


# -- one build --------------------------------------------------------------------------------

class Build:
    """A Meson build directory: its programs, its README's queries, a line describing it."""

    def __init__(self, path):
        self.path = os.path.abspath(path)
        self.tunad, self.worker, self.notes, self.config = build_info(self.path)
        self.tuna = os.path.join(self.path, "cli", "tuna")
        if not os.access(self.tuna, os.X_OK):
            sys.exit(f"{self.path}: no cli/tuna (build it: ninja -C {self.path})")
        self.readme = source_readme(self.path)
        self.queries = readme_queries(self.readme)


def measure_build(build, args):
    """One run of a build in a fresh directory: the search, then the size (daemon stopped),
    then the queries and commands (daemon started again on the same database)."""
    with tempfile.TemporaryDirectory(prefix="tuna-bench-store-") as tmp:
        csv = os.path.join(tmp, "tiny.csv")
        make_csv(csv)
        daemon = Daemon(build.tunad, build.worker, tmp, args.workers)
        try:
            daemon.start()
            fig = run_search(daemon, csv, args.trials, args.workers)
            daemon.stop()
            db, wal = db_bytes(daemon.db)
            fig.update(db_mb=db / 1e6, wal_mb=wal / 1e6, per_trial=(db + wal) / args.trials,
                       breakdown=breakdown(daemon.db))
            fig["restart"] = daemon.start()
            sid = fig["sid"]
            best = request(daemon.sock, {"type": "best", "search": sid, "n": 1}).get("trials")
            fig["trial"] = best[0].get("trial") if best else None
            fig["queries"] = []
            for title, sql in build.queries:
                bound, missing = bind_ids(title, sql, sid, fig["trial"])
                shell = median_ms(lambda: shell_ms(daemon.db, bound)) if args.shell else None
                py = median_ms(lambda: python_ms(daemon.db, bound))
                fig["queries"].append({"title": title, "sql": bound, "missing": missing,
                                       "shell": shell, "python": py})
            tuna = [build.tuna, "--socket", daemon.sock]
            fig["best"] = median_ms(lambda: command_ms(tuna + ["best", str(sid)]))
            fig["status"] = median_ms(lambda: command_ms(tuna + ["status"]))
            fig["status_id"] = median_ms(lambda: command_ms(tuna + ["status", str(sid)]))
            daemon.stop()
            return fig
        finally:
            daemon.kill()


def median_figures(runs):
    """One figure dict from several runs: the median of each number, the first run's rest."""
    fig = dict(runs[0])
    for key in runs[0]:
        values = [r.get(key) for r in runs]
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            fig[key] = statistics.median(values)
    fig["queries"] = []
    for i, q in enumerate(runs[0]["queries"]):
        q = dict(q)
        for k in ("shell", "python"):
            values = [r["queries"][i][k] for r in runs]
            if all(isinstance(v, float) for v in values):
                q[k] = statistics.median(values)
        fig["queries"].append(q)
    return fig


# -- Optuna -----------------------------------------------------------------------------------

def optuna_storage(tmp, trials, per_epoch):
    """Bytes per trial of an Optuna study on SQLite: trials of 4 suggestions and 10 epochs, each
    epoch trial.report(val_acc, epoch) and, with per_epoch 10, trial.set_user_attr("NAME/EPOCH",
    value) for the 9 other metrics of tuna's epoch line. Bytes per trial are the file's growth
    over the empty study's, after a checkpoint, divided by the trials."""
    import random
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    path = os.path.join(tmp, f"optuna-{per_epoch}.db")
    study = optuna.create_study(storage="sqlite:///" + path, direction="maximize",
                                sampler=optuna.samplers.RandomSampler(seed=1))
    empty = sum(db_bytes(path))

    def objective(trial):
        rng = random.Random(trial.number)
        trial.suggest_float("alpha", 1e-4, 1e-1, log=True)
        trial.suggest_float("one_minus_beta1", 1e-3, 1e-1, log=True)
        trial.suggest_int("hidden_units", 4, 16, log=True)
        trial.suggest_categorical("batch_size", [8, 16])
        for epoch in range(10):
            metrics = {name: rng.random() for name in EPOCH_METRICS}
            trial.report(metrics["val_acc"], epoch)
            if per_epoch > 1:
                for name in EPOCH_METRICS[:per_epoch]:
                    if name != "val_acc":
                        trial.set_user_attr(f"{name}/{epoch}", metrics[name])
        return metrics["val_acc"]

    t0 = time.monotonic()
    study.optimize(objective, n_trials=trials)
    seconds = time.monotonic() - t0
    del study
    total = sum(db_bytes(path))
    return {"trials": trials, "rate": trials / seconds, "empty": empty, "total": total,
            "per_trial": (total - empty) / trials}


def measure_optuna(args):
    """Optuna's bytes per trial with 10 and with 100 values a trial, or None (not installed)."""
    try:
        import optuna
    except ImportError:
        print("Optuna is not installed (Debian: apt-get install python3-optuna): "
              "skipping Optuna's storage per trial", flush=True)
        return None
    out = {"version": optuna.__version__}
    with tempfile.TemporaryDirectory(prefix="tuna-bench-optuna-") as tmp:
        for per_epoch, n in ((1, args.optuna_trials), (10, args.optuna_trials_100)):
            if n > 0:
                print(f"optuna: {n} trials, {10 * per_epoch} values each ...", file=sys.stderr,
                      flush=True)
                out[per_epoch] = optuna_storage(tmp, n, per_epoch)
    return out


# -- the report -------------------------------------------------------------------------------

def number(value, fmt):
    if value is None:
        return "-"
    if isinstance(value, str):
        return "error"
    return format(value, fmt)


def table_row(label, values, fmt):
    """One line of the figures: a value per side and, with two, new/old."""
    line = f"{label:44}" + "".join(f"{number(v, fmt):>12}" for v in values)
    if len(values) == 2 and all(isinstance(v, (int, float)) for v in values) and values[0]:
        line += f"{values[1] / values[0]:>10.3f}"
    return line


def print_figures(sides, figs):
    print(f"{'':44}" + "".join(f"{s:>12}" for s in sides)
          + (f"{'new/old':>10}" if len(sides) == 2 else ""))
    rows = [("trials per second", "rate", ".0f"),
            ("search, s (created_at to finished_at)", "seconds", ".2f"),
            ("  submit to the end seen (polls), s", "wall", ".2f"),
            ("bytes per trial (db + WAL, checkpointed)", "per_trial", ",.0f"),
            ("  database, MB", "db_mb", ".1f"),
            ("  WAL after the checkpoint, MB", "wal_mb", ".1f"),
            ("  WAL at the search's end, MB", "wal_end_mb", ".1f"),
            ("tuna best ID, ms", "best", ".1f"),
            ("tuna status, ms", "status", ".1f"),
            ("tuna status ID, ms (no bar)", "status_id", ".1f"),
            ("tunad start on the database, s (no bar)", "restart", ".2f"),
            ("daemon RSS min, MB", "rss_min", ".1f"),
            ("daemon RSS median, MB", "rss_median", ".1f"),
            ("daemon RSS max, MB", "rss_max", ".1f"),
            ("daemon RSS after a tenth of the trials, MB", "rss_tenth", ".1f"),
            ("daemon RSS at the end, MB", "rss_end", ".1f"),
            ("RSS end / after a tenth", "rss_flat", ".3f")]
    for label, key, fmt in rows:
        print(table_row(label, [f.get(key) for f in figs], fmt))
    for i in range(max(len(f["queries"]) for f in figs)):
        for k, how in (("shell", "sqlite3 shell"), ("python", "python sqlite3")):
            values = [f["queries"][i][k] if i < len(f["queries"]) else None for f in figs]
            print(table_row(f"README query {i + 1}, {how}, ms", values, ".1f"))


def print_queries(sides, builds, figs):
    """The README queries as run (ids bound), once when both sides ran the same text."""
    shown = []
    for side, build, fig in zip(sides, builds, figs):
        text = [q["sql"] for q in fig["queries"]]
        if shown and shown[-1][1] == text and shown[-1][2] == build.readme:
            shown[-1][0].append(side)
        else:
            shown.append(([side], text, build.readme, fig))
    for names, _, readme, fig in shown:
        print(f"README queries ({' and '.join(names)}: {readme}; search {fig['sid']}, "
              f"trial {fig['trial']}, its best):")
        if not fig["queries"]:
            print("  none found (no ```sql block under \"## The store\")")
        for i, q in enumerate(fig["queries"], 1):
            print(f"  {i}. -- {q['title']}")
            print(f"     {' '.join(q['sql'].split())}")
            if q["missing"]:
                print(f"     WARNING: the {' and '.join(q['missing'])} id the title names was "
                      "not found in the query: it runs as written")
    for side, fig in zip(sides, figs):
        for i, q in enumerate(fig["queries"], 1):
            for k in ("shell", "python"):
                if isinstance(q[k], str):
                    print(f"  {side}, query {i}, {k}: {q[k]}")


def print_breakdown(side, fig, trials):
    total = fig["db_mb"] * 1e6
    print(f"where the bytes are ({side}; dbstat, after the checkpoint, per trial of {trials}):")
    print(f"  {'table / index':30}{'kind':26}{'MB':>9}{'B/trial':>10}{'share':>8}"
          f"{'entries/trial':>15}")
    for name, kind, size, entries in fig["breakdown"] + [("total (the file)", "", total, None)]:
        per = f"{entries / trials:.2f}" if entries is not None else ""
        print(f"  {name:30}{kind:26}{size / 1e6:>9.1f}{size / trials:>10.0f}"
              f"{100 * size / total if total else 0:>7.1f}%{per:>15}")


def print_optuna(sides, figs, optuna, trials):
    print("storage per trial (SQLite file after a checkpoint):      bytes")
    for side, fig in zip(sides, figs):
        print(f"  {'tuna ' + side + ', 10 metrics x 10 epochs':52}{fig['per_trial']:>9,.0f}"
              f"   ({trials} trials; params, epochs, events)")
    if not optuna:
        print("  Optuna: not measured")
        return
    for per_epoch, how in ((1, "report once an epoch"), (10, "+ 9 set_user_attr an epoch")):
        o = optuna.get(per_epoch)
        if o:
            label = f"Optuna {optuna['version']}, {10 * per_epoch} values ({how})"
            print(f"  {label:52}{o['per_trial']:>9,.0f}   ({o['trials']} trials at "
                  f"{o['rate']:.1f}/s; growth over the empty study's {o['empty'] / 1e3:.0f} KB)")


def verdict(ok):
    return "PASS" if ok else "FAIL"


def bars(fig):
    """[(bar, value or error text, fmt, passed)] of one build's figures: issue 11's bars that
    need no other build."""
    out = [(f"bytes per trial <= {SIZE_BAR:,} (1.5 KB)", fig["per_trial"], ",.0f",
            fig["per_trial"] <= SIZE_BAR)]
    timed = [(f"README query {i} ({how})", q[k]) for i, q in enumerate(fig["queries"], 1)
             for k, how in (("shell", "sqlite3 shell"), ("python", "python sqlite3"))
             if q[k] is not None]
    timed += [("tuna best ID", fig["best"]), ("tuna status", fig["status"])]
    for name, ms in timed:
        out.append((f"{name} <= {TIME_BAR:.0f} ms", ms, ".1f",
                    isinstance(ms, float) and ms <= TIME_BAR))
    if fig["rss_flat"] is not None:
        out.append((f"daemon RSS flat: end / after a tenth <= {RSS_BAR}", fig["rss_flat"], ".3f",
                    fig["rss_flat"] <= RSS_BAR))
    return out


def print_bars(sides, figs):
    """One PASS/FAIL line per bar of issue 11 for the build measured (the new one), with the
    old build's value and verdict beside it when comparing."""
    print("bars (issue 11)" + (", new build:" if len(figs) == 2 else ":"))
    old = {name: (v, fmt, ok) for name, v, fmt, ok in bars(figs[0])} if len(figs) == 2 else {}
    for name, value, fmt, ok in bars(figs[-1]):
        line = f"{verdict(ok)}  {name}: {number(value, fmt)}"
        if isinstance(value, str):
            line += f" ({value})"
        if name in old:
            v, fmt, old_ok = old[name]
            line += f"   [old {number(v, fmt)}: {verdict(old_ok)}]"
        print(line)
    if len(figs) == 2:
        r = figs[1]["rate"] / figs[0]["rate"]
        print(f"{verdict(r >= RATE_BAR)}  trials per second, new >= {RATE_BAR} x old: "
              f"{figs[1]['rate']:.0f} vs {figs[0]['rate']:.0f} ({r:.3f})")
    if figs[-1]["rss_flat"] is None:
        print("n/a   daemon RSS flat: not measured")


# -- main -------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build", nargs="?", default=os.path.join(ROOT, "build"),
                    help="the Meson build directory measured (default: build/)")
    ap.add_argument("--compare", metavar="OLD_BUILD",
                    help="a second build, run first and shown beside BUILD with new/old")
    ap.add_argument("--trials", type=int, default=100000, help="trials of the search (100000)")
    ap.add_argument("--workers", type=int, default=2, help="tunad --workers (2)")
    ap.add_argument("--runs", type=int, default=1,
                    help="runs of each build, alternating old/new; figures are medians")
    ap.add_argument("--optuna-trials", type=int, default=2000,
                    help="Optuna trials with 10 values each (0: none)")
    ap.add_argument("--optuna-trials-100", type=int, default=200,
                    help="Optuna trials with 100 values each (0: none)")
    ap.add_argument("--no-optuna", action="store_true", help="skip Optuna")
    args = ap.parse_args()
    if args.trials < 1 or args.runs < 1 or args.workers < 1:
        ap.error("--trials, --runs and --workers must be at least 1")
    args.shell = subprocess.run(["sh", "-c", "command -v sqlite3"],
                                capture_output=True).returncode == 0

    sides = ["old", "new"] if args.compare else ["build"]
    builds = [Build(p) for p in ([args.compare] if args.compare else []) + [args.build]]
    print(f"tuna store: {args.trials} tiny trials x 10 epochs (tuna-worker, 10 metrics an "
          f"epoch), {args.workers} workers, {args.runs} run(s) per build"
          f"{', alternating old/new' if args.compare else ''}")
    print(f"CPU: {cpu_model()}; load average at start: {os.getloadavg()[0]:.2f}")
    coretype = os.environ.get("OPENBLAS_CORETYPE", "(unset)")
    for side, build in zip(sides, builds):
        print(f"{side}: {build.path}  [{build.notes}]")
        print(f"     BLAS kernel: {blas_kernel(build.worker) or 'unknown'}; "
              f"OPENBLAS_CORETYPE={coretype}")
    if len(builds) == 2 and builds[0].config != builds[1].config:
        print(f"WARNING: the builds differ in buildtype, native or optimization "
              f"(old {builds[0].config}, new {builds[1].config})")
    if not args.shell:
        print("WARNING: no sqlite3 shell (Debian: apt-get install sqlite3): queries timed in "
              "python only")
    sys.stdout.flush()

    runs = [[] for _ in builds]
    try:
        for run in range(args.runs):
            for i, (side, build) in enumerate(zip(sides, builds)):
                print(f"run {run + 1}, {side}: {args.trials} trials ...", file=sys.stderr,
                      flush=True)
                runs[i].append(measure_build(build, args))
    except RunFailed as e:
        print(f"FAIL: {e}")
        sys.exit(1)
    figs = [median_figures(r) for r in runs]
    optuna = None if args.no_optuna else measure_optuna(args)
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    for side, fig in zip(sides, figs):
        if fig["counts"].get("done") != args.trials:
            print(f"note: {side}: not every trial done: "
                  + ", ".join(f"{n} {k}" for k, n in fig["counts"].items() if n))
    progress = {f["progress"] for f in figs}
    if progress != {"store"}:
        print("note: progress read from the daemon's status request (the store has no "
              "trials.status) for " + ", ".join(s for s, f in zip(sides, figs)
                                                   if f["progress"] != "store"))
    print()
    print_figures(sides, figs)
    print()
    print_queries(sides, builds, figs)
    print()
    for side, fig in zip(sides, figs):
        print_breakdown(side, fig, args.trials)
        print()
    print_optuna(sides, figs, optuna, args.trials)
    print()
    print_bars(sides, figs)


if __name__ == "__main__":
    main()
