"""tunatrainer: your own training program under tuna, in a few lines (Python standard library only).

    import tunatrainer

    t = tunatrainer.Trial(defaults={"alpha": 0.01, "epochs": 10})
    for epoch in t.epochs(t.params["epochs"]):
        train_loss, val_loss, val_acc = train_one_epoch(t.params["alpha"])
        t.report(train_loss=train_loss, val_loss=val_loss, val_acc=val_acc)

The same script runs by hand (the defaults, no tuna) and as a trial of a tuna search, whose spec
names it: "trainer": {"command": ["python3", "train.py"]}. Copy this file beside your script, or
put its directory on PYTHONPATH. It needs Python 3.6 or later.

What tuna gives the program (its environment; each optional, so a run by hand works):

    TUNA_PARAMS          the trial's hyperparameters, a JSON object ({"alpha": 0.003, ...})
    TUNA_PARAMS_FILE     a file holding the same JSON (read when TUNA_PARAMS is not set)
    TUNA_SEARCH          the search's id              -> Trial.search (int or None)
    TUNA_TRIAL           the trial's number           -> Trial.trial  (int or None)
    TUNA_SEED            the seed to train with       -> Trial.seed   (int, 0 by hand)
    TUNA_CHECKPOINT_DIR  a directory of the trial's own -> Trial.checkpoint_dir (str or None)
    TUNA_THREADS         threads the trial may use    -> Trial.threads (int or None);
                         OMP_NUM_THREADS is set to the same number
    TUNA_OBJECTIVE       the metric that ranks trials -> Trial.objective (str or None)
    TUNA_CONTROL=step    the daemon drives the program epoch by epoch -> Trial.control (bool)

Trial.params is TUNA_PARAMS (or the file) laid over `defaults`: a parameter the search does not
set keeps its default. JSON integers are Python ints, other numbers floats.

Reports (what report() writes)
------------------------------
One line on standard output per epoch, a JSON object, flushed at once:

    {"epoch": 3, "train_loss": 0.52, "val_loss": 0.41, "val_acc": 0.88}

report(**metrics) adds "epoch" (the loop's epoch) when not given, and writes floats in their
shortest round-trip form (repr: 0.1 is 0.1, 1e-05 is 1e-05). Values must be numbers: int,
float, or anything float() takes (a NumPy scalar, a 0-d tensor); bools are refused.

NaN and infinity are written as JSON null: {"epoch": 4, "train_loss": null, "val_loss": null}.
JSON has no NaN or Infinity (Python's json module would write those bare words, which cJSON,
tuna's parser, refuses), and null is how tuna itself says "not a number": tuna-worker writes a
diverged loss as null and the daemon reads a null metric as NaN — so a null loss is a diverged
loss (the panda policy rolls back on it). The sign of an infinity is not kept.

Other output (print(), logs) is kept as the trial's log; standard error's last lines are shown
when the program fails. Trial() makes standard output line-buffered so that log lines and
reports arrive in order and at once.

Stopping
--------
When a trial loses (ASHA), tuna sends SIGTERM to the program's process group and SIGKILL after
the spec's grace_seconds. Python's default for SIGTERM (die at once) is right for most programs;
a checkpoint written through this module is never left half-written (see save).

Control ("control": true in the spec's trainer, needed for panda)
----------------------------------------------------------------
Only with TUNA_CONTROL=step does this module read standard input; without it (or by hand) the
loop just runs, and standard input is never touched. With it, the program reads commands, one
JSON object per line, at every epoch boundary: boundary 0 before the first epoch, then after
every epoch (every report; the last one too). It applies them in order until "continue" (go on
to the next epoch) or "stop" (end the loop); an end of input counts as "stop". No reply is
written: what the program reports next says it all.

    {"cmd": "continue"}
    {"cmd": "stop"}                    the loop ends; let the script end, exit status 0
    {"cmd": "set", "alpha": 0.003}     t.params takes the new values; set(changes) is called
                                       with the dict of them ({"alpha": 0.003}), for the
                                       program to apply (say, to its optimizer). Any parameter
                                       may be set; t.epochs() without an argument re-reads
                                       t.params["epochs"], so "epochs" can be set too.
    {"cmd": "save", "path": P}         a checkpoint at P, written atomically: save(tmp) is
                                       called with a temporary path in P's directory that ends
                                       like P (same basename after a ".tuna-tmp-PID-" prefix),
                                       which is then renamed to P; then P.tuna.json is written
                                       (atomically too): {"epoch": E, "params": {...}}, the
                                       last epoch done and t.params. Without a save callback P
                                       itself holds that JSON (enough for a program whose whole
                                       state is its parameters and epoch).
    {"cmd": "restore", "path": P}      restore(P) is called, t.params becomes the checkpoint's
                                       (set(changes) is called for the ones that differ), and
                                       the loop goes on after the checkpoint's epoch E: the
                                       next epoch, and report, is E + 1. (tuna sends any new
                                       alpha after the restore: the checkpoint brings its own.)

A line that is not a JSON object with a string "cmd", and an unknown cmd, are ignored with a
warning on standard error. A failed save or restore (the callback raises, P.tuna.json is
missing) raises: the program fails, with the reason in its standard error.

Under control, report exactly once per epoch: the daemon answers each report with the commands
of the next boundary, and waits for the report before it says anything.

Panda's policy reads "train_loss" and "val_loss" from every report (a missing or null one is a
divergence) and the learning rate in force from "alpha": report all three. It moves the
parameter named "alpha" with "set".

The epoch loop
--------------
    for epoch in t.epochs(n): ...   epochs 1 .. n (n None: t.params["epochs"], read at every
                                    boundary); boundary 0 is taken before the first, the
                                    boundary after each epoch when the body has run; a restore
                                    jumps back, a stop ends the loop (t.stopped is then True).
    t.epoch                         the epoch running (0 before the first)
    t.report(**metrics)             one report line, flushed
    t.boundary()                    (for a loop of your own instead of t.epochs: call it once
                                    before the first epoch and after each report; it returns
                                    the next epoch to run, or None to stop; set t.epoch to the
                                    epoch you run)

Trial(defaults=None, save=None, restore=None, set=None, stdin=None, stdout=None): the callbacks
are save(path), restore(path) and set(changes); stdin and stdout replace sys.stdin and
sys.stdout (for tests).
"""

import json
import math
import os
import sys

__all__ = ["Trial"]


def _env_int(name):
    v = os.environ.get(name)
    if v is None or v.strip() == "":
        return None
    try:
        return int(v)
    except ValueError:
        raise ValueError("tunatrainer: %s=%r is not an integer" % (name, v)) from None


def _number(name, v):
    """A metric as JSON can carry it: an int, a finite float, or None for NaN and infinities."""
    if v is None:
        return None
    if isinstance(v, bool) or isinstance(v, str):
        raise TypeError("tunatrainer: metric %s=%r is not a number" % (name, v))
    if isinstance(v, int):
        return v
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise TypeError("tunatrainer: metric %s=%r is not a number" % (name, v)) from None
    return f if math.isfinite(f) else None


def _write_atomic(path, text):
    tmp = _tmp_path(path)
    try:
        with open(tmp, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        _unlink(tmp)
        raise


def _tmp_path(path):
    d, base = os.path.split(path)
    return os.path.join(d, ".tuna-tmp-%d-%s" % (os.getpid(), base))


def _unlink(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def _warn(msg):
    print("tunatrainer: " + msg, file=sys.stderr, flush=True)


class Trial:
    """One trial: its parameters, its epoch loop, its reports and the daemon's commands."""

    def __init__(self, defaults=None, save=None, restore=None, set=None, stdin=None,
                 stdout=None):
        self.defaults = dict(defaults or {})
        self.params = dict(self.defaults)
        text = os.environ.get("TUNA_PARAMS")
        if text is None and os.environ.get("TUNA_PARAMS_FILE"):
            with open(os.environ["TUNA_PARAMS_FILE"]) as f:
                text = f.read()
        if text is not None and text.strip() != "":
            given = json.loads(text)
            if not isinstance(given, dict):
                raise ValueError("tunatrainer: TUNA_PARAMS is not a JSON object: %r" % text)
            self.params.update(given)
        self.search = _env_int("TUNA_SEARCH")
        self.trial = _env_int("TUNA_TRIAL")
        self.seed = _env_int("TUNA_SEED") or 0
        self.threads = _env_int("TUNA_THREADS")
        self.checkpoint_dir = os.environ.get("TUNA_CHECKPOINT_DIR") or None
        self.objective = os.environ.get("TUNA_OBJECTIVE") or None
        self.control = os.environ.get("TUNA_CONTROL") == "step"
        self.epoch = 0
        self.stopped = False
        self._save, self._restore, self._set = save, restore, set
        self._in = stdin
        self._out = stdout
        if stdout is None:
            try:
                sys.stdout.reconfigure(line_buffering=True)
            except (AttributeError, ValueError):
                pass

    # --- the loop ---------------------------------------------------------------------------

    def epochs(self, n=None):
        """Yield the epochs to run, 1 .. n, taking the daemon's commands at each boundary."""
        nxt = self.boundary()
        while nxt is not None and nxt <= (n if n is not None else self._epochs()):
            self.epoch = nxt
            yield nxt
            nxt = self.boundary()

    def _epochs(self):
        if "epochs" not in self.params:
            raise KeyError("tunatrainer: epochs() without a number needs a parameter \"epochs\"")
        return int(self.params["epochs"])

    def report(self, **metrics):
        """Write one report line: {"epoch": E, name: value, ...}, flushed."""
        line = {}
        if "epoch" not in metrics:
            line["epoch"] = self.epoch
        for k, v in metrics.items():
            line[k] = _number(k, v)
        out = self._out or sys.stdout
        out.write(json.dumps(line, allow_nan=False) + "\n")
        out.flush()

    # --- commands ---------------------------------------------------------------------------

    def boundary(self):
        """An epoch boundary: the next epoch to run, or None when the daemon said stop."""
        nxt = self.epoch + 1
        if not self.control or self.stopped:
            return None if self.stopped else nxt
        stdin = self._in or sys.stdin
        while True:
            line = stdin.readline()
            if line == "":		# nobody is left to say continue
                self.stopped = True
                return None
            line = line.strip()
            if line == "":
                continue
            try:
                cmd = json.loads(line)
            except ValueError:
                cmd = None
            if not isinstance(cmd, dict) or not isinstance(cmd.get("cmd"), str):
                _warn("ignored, not a command: %s" % line)
                continue
            name = cmd["cmd"]
            if name == "continue":
                return nxt
            if name == "stop":
                self.stopped = True
                return None
            if name == "set":
                changes = {k: v for k, v in cmd.items() if k != "cmd"}
                self._apply(changes)
            elif name in ("save", "restore"):
                path = cmd.get("path")
                if not isinstance(path, str) or path == "":
                    _warn("ignored, %s without a path: %s" % (name, line))
                elif name == "save":
                    self._save_to(path)
                else:
                    nxt = self._restore_from(path) + 1
            else:
                _warn("ignored, unknown command: %s" % line)

    def _apply(self, changes):
        self.params.update(changes)
        if changes and self._set is not None:
            self._set(dict(changes))

    def _save_to(self, path):
        if self._save is not None:
            tmp = _tmp_path(path)
            try:
                self._save(tmp)
                os.replace(tmp, path)
            except BaseException:
                _unlink(tmp)
                raise
        state = json.dumps({"epoch": self.epoch, "params": self.params}) + "\n"
        if self._save is None:
            _write_atomic(path, state)
        _write_atomic(path + ".tuna.json", state)

    def _restore_from(self, path):
        side = path + ".tuna.json"
        try:
            with open(side) as f:
                state = json.load(f)
        except FileNotFoundError:
            raise RuntimeError("tunatrainer: restore %s: no %s (was it saved by tunatrainer?)"
                               % (path, side)) from None
        epoch = state.get("epoch") if isinstance(state, dict) else None
        if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 0:
            raise RuntimeError("tunatrainer: restore %s: %s has no epoch" % (path, side))
        if self._restore is not None:
            self._restore(path)
        params = state.get("params")
        if isinstance(params, dict):
            changes = {k: v for k, v in params.items() if self.params.get(k) != v}
            self.params = dict(params)
            if changes and self._set is not None:
                self._set(changes)
        self.epoch = epoch
        return epoch
