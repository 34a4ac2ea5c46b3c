"""coq_env overhead and branching, measured against raw coqtop in one run.

1. Per-step latency: one tactic sent straight to a raw ``coqtop -emacs``
   (send, wait for the prompt) vs the same tactic through ``CoqEnv.step``
   (sentence checks, ``Show.``, goal parsing, bookkeeping).
2. Branching at depth D: stepping a sibling of a node at depth D through
   ``CoqEnv`` (``BackTo`` the parent, one tactic) vs replaying the whole path
   from the root and then the tactic, as an environment without state ids must.

    python benchmarks/coq_env_bench.py --depth 20 --repeats 30
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

from rich.console import Console
from rich.table import Table

from prover.env import Problem, Progress
from prover.registry import make_env

PROBLEM = Problem("bench", "bench", "Require Import Reals.\nOpen Scope R_scope.\n",
                  "Theorem bench : forall x : R, x = x -> x + 0 = x.")


def tactic(i: int) -> str:
    return f"assert (h{i} : 0 <= {i}) by lra."


def ms(samples: list[float]) -> str:
    return f"{1000 * statistics.median(samples):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=20, help="depth of the branching point (default: %(default)s)")
    parser.add_argument("--repeats", type=int, default=30, help="timed repetitions per measurement (default: %(default)s)")
    args = parser.parse_args()

    env = make_env("coq", timeout=30)
    root = env.open(PROBLEM)
    session = env.session  # the same coqtop process, driven raw for the baseline
    intro = env.step(root.id, "intros x H")
    assert isinstance(intro, Progress)

    # 1. per-step latency
    raw, wrapped = [], []
    base_state = env._path[-1][1]  # coqtop's state number of the `intros` node
    for i in range(args.repeats):
        session.back_to(base_state, 30)
        started = time.perf_counter()
        reply = session.run(tactic(i), 30)
        raw.append(time.perf_counter() - started)
        assert reply.ok
        started = time.perf_counter()
        result = env.step(intro.state.id, tactic(i))
        wrapped.append(time.perf_counter() - started)
        assert isinstance(result, Progress)

    # 2. branching at depth D
    node = intro.state.id
    chain = [node]
    for i in range(args.depth - 1):
        result = env.step(node, tactic(100 + i))
        assert isinstance(result, Progress)
        node = result.state.id
        chain.append(node)
    parent = chain[-1]  # depth D-1 (intro is depth 1)
    deep = env.step(parent, tactic(999))
    assert isinstance(deep, Progress)
    path = env.sentences_to(parent)
    branch, replay = [], []
    root_coq_state = env._path[0][1]
    for i in range(args.repeats):
        env.step(deep.state.id, "idtac.")  # stand on the deep node, then jump to a sibling
        started = time.perf_counter()
        result = env.step(parent, tactic(2000 + i))
        branch.append(time.perf_counter() - started)
        assert isinstance(result, Progress)
        started = time.perf_counter()
        session.back_to(root_coq_state, 30)
        for sentence in path:
            assert session.run(sentence, 30).ok
        assert session.run(tactic(3000 + i), 30).ok
        replay.append(time.perf_counter() - started)
        env._path = env._path[:1]  # the raw replay moved coqtop: let the env re-sync from the root
    env.close()

    table = Table(title=f"coq_env vs raw coqtop (median ms over {args.repeats}; {platform.node()}, {os.cpu_count()} cores)")
    for column in ("measurement", "raw coqtop / replay", "coq_env", "ratio"):
        table.add_column(column)
    table.add_row("one tactic step", ms(raw), ms(wrapped), f"{statistics.median(wrapped) / statistics.median(raw):.2f}x")
    table.add_row(f"sibling at depth {args.depth}: replay from start vs BackTo", ms(replay), ms(branch),
                  f"{statistics.median(replay) / statistics.median(branch):.2f}x faster")
    Console().print(table)


if __name__ == "__main__":
    main()
