"""The hook through which other benchmarks join `make bench`.

Every `bench/*_bench.py` is run after the main measurements (servers stopped, so none
competes for the cores), one at a time, as `python bench/<name>_bench.py` from the
project's root, with:

- PARLEY_BENCH_BUDGET: the seconds it has. A hook should size its work to fit (a smaller
  data set, fewer rounds) and print its figures as it goes; one still running at its budget
  is stopped, and what it printed until then is kept.
- PYTHONUNBUFFERED=1, so that nothing printed is lost when it is stopped.

Budgets: the run's time left, shared among the hooks still to run by their SHARES (one
each, unless SHARES says more), at most BENCH_HOOK_BUDGET seconds (90) a share. A hook's
last 80 lines of output go into the results file under its name.
"""

# ruff: noqa: S603 - it runs this project's own bench scripts

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# The import benchmark takes the longest: with three shares, a machine that generates and
# imports a million comments in about 80 s gets the whole million into the run.
SHARES = {"import_bench.py": 3}


def run_hooks(*, deadline: float, step: Callable[[str], None]) -> dict[str, str]:
    """Runs every bench/*_bench.py in turn; returns what each printed, by file name."""
    hooks = sorted(HERE.glob("*_bench.py"))
    outputs: dict[str, str] = {}
    cap = float(os.environ.get("BENCH_HOOK_BUDGET", "90"))
    for n, hook in enumerate(hooks):
        left = deadline - time.monotonic()
        share = SHARES.get(hook.name, 1)
        shares_left = sum(SHARES.get(h.name, 1) for h in hooks[n:])
        budget = min(cap * share, left * share / shares_left)
        if budget < 10:
            outputs[hook.name] = "(skipped: the run's time budget was spent)"
            continue
        step(f"{hook.name}, up to {budget:.0f}s")
        # Unbuffered: what a hook printed before its budget ran out is kept.
        env = {**os.environ, "PARLEY_BENCH_BUDGET": f"{budget:.0f}", "PYTHONUNBUFFERED": "1"}
        process = subprocess.Popen(
            [sys.executable, str(hook)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )  # fmt: skip
        try:
            output, _ = process.communicate(timeout=budget)
            ending = f"\n(exit {process.returncode})" if process.returncode else ""
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
            ending = f"\n(stopped at its {budget:.0f}s budget)"
        lines = (output.rstrip() + ending).splitlines()
        outputs[hook.name] = "\n".join(lines[-80:])
    return outputs
