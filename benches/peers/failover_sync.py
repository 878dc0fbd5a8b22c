#!/usr/bin/env python3
"""The one-night synchronous procedure (``failover-sync-one-window``) of a failover pair in SimPy 4, with the
parameters of a cutover scenario file (by default ``failover-sync.toml`` next
to this script), doing the work one cutover replication does:

- support sessions arrive as a Poisson process from the start of the warm-up
  to the end of the procedure; each arrival connects to the site (appliance
  A) or, while A is down, fails (no retries);
- each session is a process that ends after its (exponential) duration
  unless its appliance goes down first: the upgrade interrupts it (dropped);
- the failover relationship runs periodic syncs (every ``sync_interval``
  after the last one ended, ``sync_overhead`` each; record_mb is 0) and the
  full sync after establishing (overhead + data_gb at ``throughput_mb_s``);
- the runbook is a process: backup A; Sync Now (waits for a sync started at
  or after the click, as cutover does); break; upgrade A (base, product,
  reboot: the site is down and A's sessions are dropped); verify A; upgrade
  B; verify B; establish A primary, B backup; wait for the initial sync.

The file is read with the fields this model covers; anything it does not
model (consoles, retries, faults, a non-flat profile, lognormal durations)
is refused, so that both programs are known to simulate the same thing.

Prints ``simpy failover-sync replications=<R> ms_per_replication=<x>``, then
the mean counts per replication and their standard errors. Only the
replications are timed (building and running each environment), not reading
the file.

    python3 benches/peers/failover_sync.py [SCENARIO] [--replications 20] [--seed S]
"""

import argparse
import math
import os
import re
import sys
import time
import tomllib
import random

import simpy

UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}


def seconds(text):
    """A cutover duration string ("90s", "1h30m", "1.5h") in seconds."""
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)", text)
    if not parts or "".join(n + u for n, u in parts) != text.replace(" ", ""):
        raise ValueError(f"not a duration: {text!r}")
    return sum(float(n) * UNITS[u] for n, u in parts)


def constant(value, what):
    """A distribution that must be a constant: a duration string or {dist = "constant"}."""
    if isinstance(value, str):
        return seconds(value)
    if value.get("dist") == "constant":
        return seconds(value["value"])
    raise SystemExit(f"{what}: this model needs a constant duration, not {value}")


class Params:
    """The scenario fields the model uses, in seconds; refuses the rest."""

    def __init__(self, path):
        with open(path, "rb") as f:
            sc = tomllib.load(f)
        self.seed = int(sc.get("seed", 1))
        if sc.get("strategies") != ["failover-sync-one-window"]:
            raise SystemExit("strategies must be [\"failover-sync-one-window\"]")
        cal = sc["calendar"]
        site, up, fo, op, wl = sc["site"], sc["upgrade"], sc["failover"], sc["operator"], sc["workload"]
        if site["kind"] != "failover-pair" or not site.get("keys_match", True):
            raise SystemExit("site: a failover pair with matching keys")
        data_gb = float(site["data_gb"])
        self.warmup = seconds(cal["warmup"])
        if seconds(cal.get("cooldown", "0s")) != 0:
            raise SystemExit("calendar.cooldown must be 0")
        # The procedure starts at the first window opening after the warm-up
        # and the workload one warm-up earlier (SimPy time 0): whatever the
        # calendar, the procedure starts at SimPy time `warmup`. Windows do
        # not change what failover-sync does.
        self.upgrade = [
            constant(up["base"], "upgrade.base"),
            constant(up["product"], "upgrade.product") + seconds(up["install_per_gb"]) * data_gb,
            constant(up["reboot"], "upgrade.reboot"),
        ]
        self.sync_interval = seconds(fo["sync_interval"])
        self.first_sync_delay = seconds(fo["first_sync_delay"])
        self.sync_overhead = constant(fo["sync_overhead"], "failover.sync_overhead")
        if float(fo["record_mb"]) != 0:
            raise SystemExit("failover.record_mb must be 0 (syncs of fixed duration)")
        self.full_sync_extra = data_gb * 1000.0 / float(fo["throughput_mb_s"])
        self.step = constant(op["step"], "operator.step")
        self.verify = constant(op["verify"], "operator.verify")
        self.backup = constant(op["backup"], "operator.backup")
        if any(x != 1 for x in wl["days"]) or any(x != 1 for x in wl["hours"]):
            raise SystemExit("workload: a flat profile (days and hours all 1)")
        sup, con = wl["support"], wl["console"]
        if float(con["rate_per_hour"]) != 0:
            raise SystemExit("workload.console.rate_per_hour must be 0")
        if int(sup["retry"]["attempts"]) != 0:
            raise SystemExit("workload.support.retry.attempts must be 0")
        d = sup["duration"]
        if not isinstance(d, dict) or d.get("dist") != "exponential":
            raise SystemExit("workload.support.duration must be exponential")
        self.rate_per_s = float(sup["rate_per_hour"]) / 3600.0
        self.mean_session = seconds(d["mean"])
        faults = sc.get("faults", {})
        for key in ("crashes", "upgrade_failure", "sync_failure", "precheck_failure"):
            if faults.get(key):
                raise SystemExit(f"faults.{key}: faults are not modelled")


class Node:
    __slots__ = ("name", "up", "role", "sessions")

    def __init__(self, name, role):
        self.name = name
        self.up = True
        self.role = role
        self.sessions = set()  # session processes on this appliance


class Pair:
    """Appliances A and B, the failover relationship, the counts."""

    def __init__(self, env, p):
        self.env, self.p = env, p
        self.a, self.b = Node("A", "primary"), Node("B", "backup")
        self.front = self.a  # the site's address
        self.established = (self.a, self.b)
        self.epoch = 0
        self.job = None  # (started, full) of the sync in flight
        self.now_requested = False
        self.full_pending = False
        self.last_done_started = None
        self.full_done_epoch = 0
        self.waiter = None  # (predicate, event) the runbook waits on
        self.arrivals = self.served = self.failed = self.completed = self.dropped = 0
        self.down_since = None
        self.downtime = 0.0
        self.after(p.sync_interval, self.on_sync_start, 0)

    # --- timers ---------------------------------------------------------
    def after(self, delay, fn, *args):
        def timer():
            yield self.env.timeout(delay)
            fn(*args)

        self.env.process(timer())

    # --- relationship and syncs ----------------------------------------
    def can_sync(self):
        return self.established is not None and all(n.up for n in self.established)

    def on_sync_start(self, epoch):
        if epoch != self.epoch or self.job is not None:
            return
        if self.can_sync():
            self.start_sync()
        else:
            self.after(self.p.sync_interval, self.on_sync_start, epoch)

    def start_sync(self):
        full = self.full_pending
        self.job = (self.env.now, full)
        self.now_requested = False
        dur = self.p.sync_overhead + (self.p.full_sync_extra if full else 0.0)
        self.after(dur, self.on_sync_done, self.epoch)

    def on_sync_done(self, epoch):
        if epoch != self.epoch or self.job is None:
            return  # abandoned by a break
        assert self.can_sync(), "failover-sync never leaves a sync without its appliances"
        started, full = self.job
        self.job = None
        self.last_done_started = started
        if full:
            self.full_pending = False
            self.full_done_epoch = self.epoch
        if self.now_requested:
            self.start_sync()
        else:
            self.after(self.p.sync_interval, self.on_sync_start, self.epoch)
        self.poll()

    def sync_now(self):
        if self.job is None and self.can_sync():
            self.start_sync()
        else:
            self.now_requested = True

    def break_relationship(self):
        self.established = None
        self.epoch += 1
        self.job = None
        self.now_requested = False
        self.a.role = self.b.role = "standalone"
        self.refresh()

    def establish(self, primary, backup):
        self.established = (primary, backup)
        self.epoch += 1
        self.full_pending = True
        primary.role, backup.role = "primary", "backup"
        self.drop(backup)  # a backup does not serve
        self.after(self.p.first_sync_delay, self.on_sync_start, self.epoch)
        self.refresh()

    # --- the site --------------------------------------------------------
    def site_up(self):
        return self.front.up and self.front.role != "backup"

    def refresh(self):
        up = self.site_up()
        if not up and self.down_since is None:
            self.down_since = self.env.now
        elif up and self.down_since is not None:
            self.downtime += self.env.now - self.down_since
            self.down_since = None
        if self.now_requested and self.job is None and self.can_sync():
            self.start_sync()

    def drop(self, node):
        for proc in node.sessions:
            proc.interrupt("dropped")
        self.dropped += len(node.sessions)
        node.sessions = set()

    # --- runbook waits ---------------------------------------------------
    def until(self, pred):
        ev = self.env.event()
        if pred():
            ev.succeed()
        else:
            self.waiter = (pred, ev)
        return ev

    def poll(self):
        if self.waiter is not None and self.waiter[0]():
            ev = self.waiter[1]
            self.waiter = None
            ev.succeed()


def session(env, pair, node, duration):
    me = env.active_process
    node.sessions.add(me)
    try:
        yield env.timeout(duration)
    except simpy.Interrupt:
        return  # dropped: counted by Pair.drop
    node.sessions.discard(me)
    pair.completed += 1


def arrivals(env, pair, rng):
    expo = rng.expovariate
    rate, per_session = pair.p.rate_per_s, 1.0 / pair.p.mean_session
    timeout, process = env.timeout, env.process
    while True:
        yield timeout(expo(rate))
        pair.arrivals += 1
        duration = expo(per_session)  # drawn for every arrival, as cutover does
        node = pair.front
        if node.up and node.role != "backup":
            pair.served += 1
            process(session(env, pair, node, duration))
        else:
            pair.failed += 1


def upgrade(env, pair, node):
    node.up = False
    pair.drop(node)
    pair.refresh()
    for phase in pair.p.upgrade:  # base, product, reboot
        yield env.timeout(phase)
    node.up = True
    pair.refresh()


def failover_sync(env, pair, out):
    p, a, b = pair.p, pair.a, pair.b
    yield env.timeout(p.warmup)  # the procedure starts one warm-up after the workload
    start = env.now
    yield env.timeout(p.step + p.backup)  # backup A
    yield env.timeout(p.step)  # Sync Now: click, then wait for a sync started since
    clicked = env.now
    pair.sync_now()
    yield pair.until(lambda: pair.last_done_started is not None and pair.last_done_started >= clicked)
    yield env.timeout(p.step)  # break
    pair.break_relationship()
    yield env.timeout(p.step)  # upgrade A: the site is down
    yield env.process(upgrade(env, pair, a))
    yield env.timeout(p.verify)  # verify A
    yield env.timeout(p.step)  # upgrade B
    yield env.process(upgrade(env, pair, b))
    yield env.timeout(p.verify)  # verify B
    yield env.timeout(p.step)  # establish A primary, B backup
    pair.establish(a, b)
    yield pair.until(lambda: pair.established is not None and pair.full_done_epoch == pair.epoch)
    out["procedure_s"] = env.now - start


def replicate(p, seed, r):
    rng = random.Random(seed * 1_000_003 + r)
    env = simpy.Environment()
    pair = Pair(env, p)
    env.process(arrivals(env, pair, rng))
    out = {}
    done = env.process(failover_sync(env, pair, out))
    env.run(until=done)
    if pair.down_since is not None:
        pair.downtime += env.now - pair.down_since
    active = len(pair.a.sessions) + len(pair.b.sessions)
    assert pair.arrivals == pair.served + pair.failed, "arrivals = served + failed"
    assert pair.served == pair.completed + pair.dropped + active, "served = completed + dropped + active"
    return {
        "arrivals": pair.arrivals,
        "served": pair.served,
        "completed": pair.completed,
        "dropped": pair.dropped,
        "failed": pair.failed,
        "active": active,
        "downtime_s": pair.downtime,
        "procedure_s": out["procedure_s"],
    }


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default=os.path.join(here, "failover-sync.toml"))
    ap.add_argument("--replications", type=int, default=20)
    ap.add_argument("--seed", type=int, default=None, help="default: the scenario's seed")
    args = ap.parse_args()
    p = Params(args.scenario)
    seed = p.seed if args.seed is None else args.seed
    runs = []
    t0 = time.perf_counter()
    for r in range(args.replications):
        runs.append(replicate(p, seed, r))
    elapsed = time.perf_counter() - t0
    n = len(runs)
    keys = list(runs[0])
    mean = {k: sum(x[k] for x in runs) / n for k in keys}
    se = {
        k: math.sqrt(sum((x[k] - mean[k]) ** 2 for x in runs) / (n - 1) / n) if n > 1 else float("nan")
        for k in keys
    }
    print(f"simpy failover-sync replications={n} ms_per_replication={elapsed * 1000 / n:.2f}")
    print("simpy failover-sync mean " + " ".join(f"{k}={mean[k]:.1f}" for k in keys))
    print("simpy failover-sync se " + " ".join(f"{k}={se[k]:.2f}" for k in keys))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
