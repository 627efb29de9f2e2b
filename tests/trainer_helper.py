#!/usr/bin/env python3
"""
trainer_helper.py: examples/trainers/tunatrainer.py and the quadratic trainers, as tuna drives them.

    python3 tests/trainer_helper.py [SOURCE_ROOT]

quadratic.py runs as a subprocess with the environment the daemon gives a trial (TUNA_PARAMS,
TUNA_SEED, TUNA_TRIAL, TUNA_CONTROL=step, TUNA_CHECKPOINT_DIR in a temporary directory) and
commands written to its standard input, and is checked line by line: by hand without TUNA_*;
without control it never reads standard input; its reports are JSON with the documented
values (the quadratic's formula within the noise); boundary 0 waits for "continue"; "set"
changes the learning rate from the next epoch; save and restore (the next report is the
checkpoint's epoch + 1, replayed exactly, also in a new process as after a crash); "stop" and
the end of input end it with status 0. quadratic.sh and quadratic.py --format keras print the
name=value and Keras-style lines documented. tunatrainer itself: NaN and infinities written as
null, floats round-trip, TUNA_PARAMS_FILE, the save callback's atomic temporary path.

No sleeps: every wait is for a line, under a deadline (30 s) that only a hung trainer reaches.
Prints one line per check ("ok …" or "FAIL …") and exits 1 if any failed.
"""

import io
import json
import math
import os
import re
import select
import subprocess
import sys
import tempfile
import traceback

DEADLINE = 30.0
failures = 0


def check(cond, what):
    global failures
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures += 1
    return cond


def formula(lr, e):
    return (math.log10(lr) + 2) ** 2 + 1 / e


def near(x, lr, e):
    """Within the documented noise (uniform in [-0.01, 0.01]) of the formula."""
    return isinstance(x, float) and abs(x - formula(lr, e)) <= 0.01 + 1e-9


class Trainer:
    """A trainer process, read line by line from stdout and stderr, under a deadline."""

    def __init__(self, argv, env, control=False, stdin=subprocess.PIPE, cwd=None):
        self.p = subprocess.Popen(argv, env=env, stdin=stdin, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, cwd=cwd)
        self.buf = {self.p.stdout.fileno(): b"", self.p.stderr.fileno(): b""}
        self.eof = set()

    def send(self, *cmds):
        for c in cmds:
            self.p.stdin.write((json.dumps(c) + "\n").encode())
        self.p.stdin.flush()

    def _line(self, f, wait=True):
        fd = f.fileno()
        while b"\n" not in self.buf[fd]:
            if fd in self.eof:
                return None
            r, _, _ = select.select([fd], [], [], DEADLINE if wait else 0)
            if not r:
                if not wait:
                    return ""
                self.p.kill()
                raise TimeoutError("no line from the trainer in %g s" % DEADLINE)
            data = os.read(fd, 65536)
            if data == b"":
                self.eof.add(fd)
            self.buf[fd] += data
        line, self.buf[fd] = self.buf[fd].split(b"\n", 1)
        return line.decode()

    def line(self):
        """The next line of stdout, or None at its end."""
        return self._line(self.p.stdout)

    def report(self):
        line = self.line()
        return None if line is None else json.loads(line)

    def ready(self):
        """Whether stdout has a line (or its end) now, without waiting."""
        return self._line(self.p.stdout, wait=False) != ""

    def err_line(self):
        return self._line(self.p.stderr)

    def finish(self):
        """Read stdout to its end; the remaining lines and the exit status."""
        rest = []
        while True:
            line = self.line()
            if line is None:
                break
            rest.append(line)
        while self._line(self.p.stderr) is not None:
            pass
        try:
            rc = self.p.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            self.p.kill()
            raise
        if self.p.stdin:
            self.p.stdin.close()
        return rest, rc


def base_env(**tuna):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUNA_")}
    env.update({k: str(v) for k, v in tuna.items()})
    return env


def trial_env(params, control, ckdir, seed=7, trial=3):
    env = base_env(TUNA_PARAMS=json.dumps(params), TUNA_SEARCH=1, TUNA_TRIAL=trial,
                   TUNA_SEED=seed, TUNA_THREADS=1, OMP_NUM_THREADS=1, TUNA_OBJECTIVE="loss",
                   TUNA_CHECKPOINT_DIR=ckdir)
    if control:
        env["TUNA_CONTROL"] = "step"
    return env


def check_reports(reports, lrs, name, key="lr"):
    """reports[i] is epoch i+1 at learning rate lrs[i], every value as documented."""
    ok = len(reports) == len(lrs)
    for i, r in enumerate(reports):
        e = i + 1
        ok = ok and r.get("epoch") == e and r.get(key) == lrs[i] and \
            near(r.get("loss"), lrs[i], e) and near(r.get("val_loss"), lrs[i], e) and \
            r.get("train_loss") == r.get("loss")
    check(ok, name)
    if not ok:
        print("     got %s" % reports)


def test_by_hand(py, q, tmp):
    t = Trainer([py, q], base_env(), stdin=subprocess.DEVNULL)
    lines, rc = t.finish()
    reports = [json.loads(x) for x in lines]
    check(rc == 0, "by hand (no TUNA_*): exit status 0")
    check_reports(reports, [1e-3] * 9, "by hand: 9 JSON reports, lr 1e-3, the formula's values")
    check(all(list(r) == ["epoch", "loss", "train_loss", "val_loss", "lr"] for r in reports),
          "by hand: each report has epoch, loss, train_loss, val_loss, lr")


def test_no_control(py, q, tmp):
    # stdin a pipe that is never written nor closed: reading it would block forever
    r, w = os.pipe()
    try:
        t = Trainer([py, q], trial_env({"lr": 0.01, "epochs": 4}, False, tmp), stdin=r)
        lines, rc = t.finish()
    finally:
        os.close(r)
        os.close(w)
    check(rc == 0, "without control: runs to the end with a silent stdin, status 0")
    check_reports([json.loads(x) for x in lines], [0.01] * 4,
                  "without control: 4 reports at lr 0.01 (TUNA_PARAMS over the defaults)")
    t2 = Trainer([py, q], trial_env({"lr": 0.01, "epochs": 4}, False, tmp),
                 stdin=subprocess.DEVNULL)
    lines2, _ = t2.finish()
    check(lines2 == lines, "the same seed and trial: the same reports, to the last digit")
    t3 = Trainer([py, q], trial_env({"lr": 0.01, "epochs": 4}, False, tmp, seed=8),
                 stdin=subprocess.DEVNULL)
    lines3, _ = t3.finish()
    check(lines3 != lines, "another seed: other noise")


def test_control(py, q, tmp):
    ck = os.path.join(tmp, "trial-3.ckpt")
    t = Trainer([py, q], trial_env({"lr": 0.001, "epochs": 9}, True, tmp))
    # boundary 0: an unknown command is ignored with a warning; nothing is reported meanwhile
    t.send({"cmd": "ping"})
    warn = t.err_line()
    check(warn is not None and "unknown command" in warn,
          "control: an unknown command is ignored with a warning on stderr")
    check(not t.ready(), "control: boundary 0 waits (no report before continue)")
    t.send({"cmd": "set", "lr": 0.01}, {"cmd": "continue"})
    r1 = t.report()
    check(r1["epoch"] == 1 and r1["lr"] == 0.01 and near(r1["loss"], 0.01, 1),
          "control: a set at boundary 0 holds from epoch 1 (lr 0.01, loss %.4f)" % r1["loss"])
    t.send({"cmd": "set", "lr": 0.1}, {"cmd": "continue"})
    r2 = t.report()
    check(r2["epoch"] == 2 and r2["lr"] == 0.1 and near(r2["loss"], 0.1, 2),
          "control: set lr 0.1 after epoch 1: epoch 2's loss is the formula's at 0.1 (%.4f)"
          % r2["loss"])
    t.send({"cmd": "continue"})
    r3 = t.report()
    check(r3["epoch"] == 3 and r3["lr"] == 0.1, "control: epoch 3 keeps lr 0.1")
    t.send({"cmd": "save", "path": ck}, {"cmd": "continue"})
    r4 = t.report()
    with open(ck + ".tuna.json") as f:
        side = json.load(f)
    check(side.get("epoch") == 3 and side.get("params", {}).get("lr") == 0.1,
          "control: save after epoch 3 writes P.tuna.json with epoch 3 and lr 0.1")
    check(os.path.exists(ck) and not [n for n in os.listdir(tmp) if ".tuna-tmp-" in n],
          "control: the checkpoint P exists, no temporary file left")
    t.send({"cmd": "set", "lr": 1.0}, {"cmd": "continue"})
    r5 = t.report()
    check(r5["epoch"] == 5 and r5["lr"] == 1.0 and near(r5["loss"], 1.0, 5),
          "control: epoch 5 at lr 1.0")
    t.send({"cmd": "restore", "path": ck}, {"cmd": "continue"})
    r4b = t.report()
    check(r4b == r4, "control: restore after epoch 5: the next report is epoch 4, replayed "
          "exactly (lr 0.1, the checkpoint's own)")
    t.send({"cmd": "set", "lr": 0.01}, {"cmd": "continue"})
    rest = []
    for e in range(5, 10):
        rest.append(t.report())
        t.send({"cmd": "continue"})
    check([r["epoch"] for r in rest] == list(range(5, 10)) and
          all(r["lr"] == 0.01 and near(r["loss"], 0.01, r["epoch"]) for r in rest),
          "control: then epochs 5 to 9 at the lr set after the restore")
    lines, rc = t.finish()
    check(lines == [] and rc == 0, "control: a continue after the last epoch ends it, status 0")

    # a new process resumes from the checkpoint at boundary 0 (the daemon restarted)
    t = Trainer([py, q], trial_env({"lr": 0.001, "epochs": 9}, True, tmp))
    t.send({"cmd": "restore", "path": ck}, {"cmd": "continue"})
    r = t.report()
    check(r == r4, "control: restore at boundary 0 in a new process: epoch 4 first, as before")
    t.send({"cmd": "stop"})
    lines, rc = t.finish()
    check(lines == [] and rc == 0, "control: stop ends it at once, status 0")

    # stop at boundary 0; the end of input is a stop
    t = Trainer([py, q], trial_env({"lr": 0.001, "epochs": 9}, True, tmp))
    t.send({"cmd": "stop"})
    lines, rc = t.finish()
    check(lines == [] and rc == 0, "control: stop at boundary 0: no report, status 0")
    t = Trainer([py, q], trial_env({"lr": 0.001, "epochs": 9}, True, tmp))
    t.send({"cmd": "continue"})
    r = t.report()
    t.p.stdin.close()
    t.p.stdin = None
    lines, rc = t.finish()
    check(r["epoch"] == 1 and lines == [] and rc == 0,
          "control: the end of stdin after epoch 1 is a stop, status 0")

    # panda's name for the learning rate
    t = Trainer([py, q, "--param", "alpha"], trial_env({"alpha": 0.001, "epochs": 2}, True,
                                                     tmp))
    t.send({"cmd": "set", "alpha": 0.01}, {"cmd": "continue"})
    r = t.report()
    t.send({"cmd": "continue"})
    r2 = t.report()
    t.send({"cmd": "continue"})
    lines, rc = t.finish()
    check(r["alpha"] == 0.01 and "lr" not in r and near(r["loss"], 0.01, 1) and
          r2["epoch"] == 2 and rc == 0, "--param alpha: panda's set of alpha moves the loss")


NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def test_sh(q_sh, tmp):
    env = trial_env({}, False, tmp)
    t = Trainer(["sh", q_sh, "--lr=0.01", "--epochs=3"], env, stdin=subprocess.DEVNULL)
    lines, rc = t.finish()
    pat = re.compile(r"^epoch=(\d+) loss=(%s) val_loss=(%s)$" % (NUM, NUM))
    m = [pat.match(x) for x in lines]
    check(rc == 0 and len(lines) == 3 and all(m) and
          [int(x.group(1)) for x in m] == [1, 2, 3] and
          all(abs(float(x.group(2)) - formula(0.01, e + 1)) <= 0.0100011 and
              abs(float(x.group(3)) - formula(0.01, e + 1)) <= 0.0100011
              for e, x in enumerate(m)),
          "quadratic.sh: epoch=E loss=L val_loss=V lines with the formula's values")
    if not m or not all(m):
        print("     got %s" % lines)
    t = Trainer(["sh", q_sh, "--lr", "1e-5", "--epochs", "2"], env, stdin=subprocess.DEVNULL)
    lines2, rc = t.finish()
    check(rc == 0 and len(lines2) == 2 and
          abs(float(pat.match(lines2[1]).group(2)) - formula(1e-5, 2)) <= 0.0100011,
          "quadratic.sh: --lr X --epochs N as separate arguments")
    t = Trainer(["sh", q_sh, "--lr=0.01", "--epochs=3"], env, stdin=subprocess.DEVNULL)
    check(t.finish()[0] == lines, "quadratic.sh: the same seed and trial, the same lines")
    t = Trainer(["sh", q_sh], base_env(), stdin=subprocess.DEVNULL)
    lines, rc = t.finish()
    check(rc == 0 and len(lines) == 9 and lines[8].startswith("epoch=9 loss=1.1"),
          "quadratic.sh: by hand, 9 epochs at lr 1e-3")
    t = Trainer(["sh", q_sh, "--bogus"], base_env(), stdin=subprocess.DEVNULL)
    check(t.finish()[1] == 2, "quadratic.sh: an unknown argument: status 2")


def test_keras(py, q, tmp):
    t = Trainer([py, q, "--format", "keras"], trial_env({"lr": 0.01, "epochs": 3}, False, tmp),
                stdin=subprocess.DEVNULL)
    lines, rc = t.finish()
    pat = re.compile(r"^loss: (%s) - val_loss: (%s)$" % (NUM, NUM))
    ok = rc == 0 and len(lines) == 6
    for e in range(1, 4):
        ok = ok and lines[2 * e - 2] == "Epoch %d/3" % e
        m = pat.match(lines[2 * e - 1]) if ok else None
        ok = ok and m is not None and abs(float(m.group(1)) - formula(0.01, e)) <= 0.01006 \
            and abs(float(m.group(2)) - formula(0.01, e)) <= 0.01006
    check(ok, "quadratic.py --format keras: 'Epoch E/N' then 'loss: L - val_loss: V'")
    if not ok:
        print("     got %s" % lines)


def test_module(trainers, tmp):
    sys.path.insert(0, trainers)
    import tunatrainer
    saved = dict(os.environ)
    try:
        for k in list(os.environ):
            if k.startswith("TUNA_"):
                del os.environ[k]
        pf = os.path.join(tmp, "params.json")
        with open(pf, "w") as f:
            json.dump({"alpha": 0.5, "units": 64}, f)
        os.environ["TUNA_PARAMS_FILE"] = pf
        out = io.StringIO()
        t = tunatrainer.Trial(defaults={"alpha": 0.01, "epochs": 2, "name": "x"}, stdout=out)
        check(t.params == {"alpha": 0.5, "epochs": 2, "name": "x", "units": 64} and
              isinstance(t.params["units"], int) and not t.control and t.seed == 0 and
              t.trial is None, "module: TUNA_PARAMS_FILE over the defaults; no control")
        for e in t.epochs():
            t.report(loss=float("nan"), up=float("inf"), down=-float("inf"), x=0.1, n=3,
                     tiny=1e-05, third=1 / 3)
        lines = out.getvalue().splitlines()
        first = json.loads(lines[0])
        check(len(lines) == 2 and first == {"epoch": 1, "loss": None, "up": None, "down": None,
                                            "x": 0.1, "n": 3, "tiny": 1e-05, "third": 1 / 3},
              "module: NaN and infinities are null; floats round-trip; epoch added")
        check("NaN" not in out.getvalue() and "Infinity" not in out.getvalue() and
              '"x": 0.1,' in lines[0] and '"tiny": 1e-05' in lines[0],
              "module: strict JSON (no NaN, no Infinity), floats in shortest form")
        try:
            t.report(flag=True)
            refused = False
        except TypeError:
            refused = True
        check(refused, "module: a bool metric is refused")

        # control, in process: the callbacks and the save's temporary path
        os.environ["TUNA_CONTROL"] = "step"
        calls = []
        ck = os.path.join(tmp, "model.pt")

        def save(path):
            calls.append(("save", path))
            with open(path, "w") as f:
                f.write("weights")

        cmds = "\n".join(json.dumps(c) for c in [
            {"cmd": "continue"},
            {"cmd": "save", "path": ck}, {"cmd": "set", "alpha": 0.2}, {"cmd": "continue"},
            {"cmd": "restore", "path": ck}, {"cmd": "continue"},
            {"cmd": "continue"}, {"cmd": "continue"}]) + "\n"
        out = io.StringIO()
        t = tunatrainer.Trial(defaults={"alpha": 0.01}, save=save,
                              restore=lambda p: calls.append(("restore", p)),
                              set=lambda ch: calls.append(("set", ch)),
                              stdin=io.StringIO(cmds), stdout=out)
        seen = []
        for e in t.epochs(3):
            seen.append((e, t.params["alpha"]))
            t.report(v=e)
        tmp_path = calls[0][1] if calls else ""
        check(seen == [(1, 0.5), (2, 0.2), (2, 0.5), (3, 0.5)],
              "module: a restore goes back to the epoch after the checkpoint's, with its params")
        check(calls[1:] == [("set", {"alpha": 0.2}), ("restore", ck), ("set", {"alpha": 0.5})],
              "module: set(changes) on set, restore(P) then set of what the checkpoint changed")
        check(os.path.dirname(tmp_path) == tmp and tmp_path.endswith("model.pt") and
              tmp_path != ck and not os.path.exists(tmp_path) and
              open(ck).read() == "weights",
              "module: save(tmp) in P's directory, ending like P, renamed to P")
        check(not t.stopped and t.epoch == 3, "module: the loop ends after epoch 3, not stopped")
    finally:
        os.environ.clear()
        os.environ.update(saved)


def main(argv):
    root = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                      "..")
    trainers = os.path.join(root, "examples", "trainers")
    q = os.path.join(trainers, "quadratic.py")
    py = sys.executable
    groups = [(test_by_hand, (py, q)), (test_no_control, (py, q)), (test_control, (py, q)),
              (test_sh, (os.path.join(trainers, "quadratic.sh"),)), (test_keras, (py, q)),
              (test_module, (trainers,))]
    for fn, args in groups:
        with tempfile.TemporaryDirectory(prefix="tuna-trainer-") as tmp:
            try:
                fn(*args, tmp)
            except Exception:	# a hung trainer (TimeoutError), a broken pipe, bad JSON
                traceback.print_exc()
                check(False, "%s: ended by an exception" % fn.__name__)
    print("trainer-helper: %d failed" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
