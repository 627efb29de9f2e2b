"""machine.py: what a benchmark's figures depend on — the CPU, and the BLAS kernel tuna-worker
trains on (its own choice: tuna-worker --blas). Imports nothing heavy (bench/trainer.py measures
its children's peak RSS, which starts at its own)."""

import json
import os
import subprocess


def cpu_model():
    """The CPU's model name from /proc/cpuinfo, and how many processors it lists."""
    name, n = None, 0
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "processor":
                    n += 1
                elif name is None and key in ("model name", "Hardware", "cpu model"):
                    name = value.strip()
    except OSError:
        pass
    return f"{name or 'unknown'}, {n or os.cpu_count()} processors"


def blas_kernel(worker, env=None):
    """The BLAS kernel the worker trains on and why, as it says with --blas in this
    environment, or in env (its cached choice after the first time); None when it cannot say."""
    try:
        p = subprocess.run([worker, "--blas"], capture_output=True, text=True, timeout=600,
                           stdin=subprocess.DEVNULL, env=env)
        e = json.loads(p.stdout.splitlines()[0])
        version = " ".join(e.get("openblas", "").split()[:2])
        return f"{e['core']} ({version}): {e['why']}"
    except (OSError, subprocess.SubprocessError, IndexError, KeyError, ValueError):
        return None
