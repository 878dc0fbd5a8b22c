#!/usr/bin/env python3
"""The classic hold model in SimPy 4: N processes, each looping
``yield env.timeout(random.expovariate(1.0))``, so N events are always
pending. One event is one timeout processed (a pop from SimPy's heap, the
process resumed, a new timeout scheduled).

The model first runs one unit of simulated time untimed (starting the N
processes and filling the queue), then runs ``--events / N`` more time units
under ``time.perf_counter``, which at a mean delay of 1 is ``--events``
events on average; the rate is the events actually processed divided by the
wall time of that ``env.run``.

Prints one line per N: ``simpy hold N=<n> events_per_s=<x>``.

    python3 benches/peers/hold.py [--events 2000000] [--n 10000 1000] [--seed 1]
"""

import argparse
import random
import sys
import time

import simpy


def holder(env, expo, counter):
    timeout = env.timeout
    while True:
        yield timeout(expo(1.0))
        counter[0] += 1


def pending_timeouts(env):
    # env._queue is SimPy's heap; after a run(until=...) SimPy 4.1 also keeps
    # the stopped `until` event in it, so count the timeouts only.
    return sum(isinstance(entry[-1], simpy.events.Timeout) for entry in env._queue)


def hold(n, events, seed):
    random.seed(seed)
    expo = random.expovariate
    env = simpy.Environment()
    counter = [0]
    for _ in range(n):
        env.process(holder(env, expo, counter))
    env.run(until=1.0)  # start the processes; not timed
    assert pending_timeouts(env) == n, "hold keeps N events pending"
    before = counter[0]
    t0 = time.perf_counter()
    env.run(until=1.0 + events / n)
    elapsed = time.perf_counter() - t0
    done = counter[0] - before
    assert pending_timeouts(env) == n, "hold keeps N events pending"
    return done, elapsed


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=2_000_000)
    ap.add_argument("--n", type=int, nargs="+", default=[10_000, 1_000])
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    for n in args.n:
        done, elapsed = hold(n, args.events, args.seed)
        print(f"# simpy {simpy.__version__}, N={n}: {done} events in {elapsed:.3f} s", file=sys.stderr)
        print(f"simpy hold N={n} events_per_s={done / elapsed:.0f}", flush=True)


if __name__ == "__main__":
    main()
