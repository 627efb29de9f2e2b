#!/usr/bin/python3
"""cnn_search.py: the PyTorch CNN example searched through tunad for a fixed time (issue 14's bar).

Starts a private tunad (a temporary socket and database) from a build, submits
examples/trainers/torch_cnn-search.json from the repository's root (its relative paths are
resolved there), lets it run --seconds (300), then reads the store: the best validation
accuracy any epoch reached by then and when (seconds after the submit), the trials done,
pruned and running, and the best trial's hyperparameters. Prints PASS when the best is at least
--goal (0.91). Needs Debian's python3-torch and dataset-fashion-mnist.

    /usr/bin/python3 bench/cnn_search.py [--build build] [--seconds 300] [--goal 0.91]
"""
import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import machine  # noqa: E402
import tunaclient  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--seconds", type=float, default=300)
    ap.add_argument("--goal", type=float, default=0.91)
    ap.add_argument("--spec", default="examples/trainers/torch_cnn-search.json")
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    tmp = tempfile.mkdtemp(prefix="tuna-cnn-")
    sock, db = os.path.join(tmp, "tunad.sock"), os.path.join(tmp, "tuna.db")
    env = dict(os.environ, TUNA_SOCKET=sock)
    print("# CPU: %s; %s" % (machine.cpu_model(),
                             machine.blas_kernel(os.path.join(build, "worker/tuna-worker"))))
    print("# %s for %.0f s" % (a.spec, a.seconds))
    daemon = subprocess.Popen([os.path.join(build, "daemon/tunad"), "--foreground", "--socket",
                               sock, "--db", db], stdout=subprocess.DEVNULL,
                              stderr=open(os.path.join(tmp, "tunad.log"), "w"))
    try:
        while not os.path.exists(sock):
            if daemon.poll() is not None:
                sys.exit("tunad exited: see %s/tunad.log" % tmp)
            time.sleep(0.05)
        out = subprocess.run([os.path.join(build, "cli/tuna"), "submit", a.spec], cwd=ROOT,
                             env=env, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit("submit: " + out.stderr.strip())
        sid = int(out.stdout.split()[1])
        t0 = time.time()
        con = sqlite3.connect(db, timeout=5)
        while time.time() - t0 < a.seconds:
            st = con.execute("select status from searches where id=?", (sid,)).fetchone()[0]
            if st != "running":
                break
            time.sleep(1)
        # the best val_acc of an epoch reported by then, and when (ms after the search's start)
        row = con.execute("""select v.value, r.time, v.trial_id from report_values v
            join reports r on r.id = v.report_id join trials t on t.id = v.trial_id
            where t.search_id = ? and v.name = 'val_acc' and r.time <= ?
            order by v.value desc, r.time limit 1""", (sid, a.seconds * 1000)).fetchone()
        counts = dict(con.execute("select status, count(*) from trials where search_id=? "
                                  "group by status", (sid,)).fetchall())
        best, at, trial = row if row else (float("nan"), 0, None)
        params = con.execute("select params from trials where id=?", (trial,)).fetchone()
        print("trials by status after %.0f s: %s" % (a.seconds, json.dumps(counts)))
        print("best val_acc %.4f at %.0f s (trial %s: %s)" % (best, at / 1000, trial,
                                                            params[0] if params else "-"))
        print("%s: best %.4f, goal >= %.2f" % ("PASS" if best >= a.goal else "FAIL", best,
                                              a.goal))
        tunaclient.request(sock, {"type": "cancel", "search": sid})
    finally:
        daemon.terminate()
        daemon.wait()


if __name__ == "__main__":
    main()
