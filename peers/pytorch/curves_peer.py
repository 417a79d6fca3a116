#!/usr/bin/env python3
"""PyTorch beside curves: the same experiment file, the same method, the same result files.

    python3 peers/pytorch/curves_peer.py experiments/seeds.toml [--device cuda|mps|cpu] [--out results]
                                         [--schedule matched|auto]

Reads a curves experiment (TOML) and runs its linear, mlp and transformer points on PyTorch with
the strategies that exist there (threads, batch, processes, hybrid), under the same sync meanings
(readback = .cpu() after each op, wait = an event per op, device = synchronize(), pipeline:D = D
ops in flight, end = one synchronize per trial), and the same method as curves: every point of a
workload prepared at once and measured in interleaved rounds (a trial of each per round, the
order shuffled from the seed), trials fitted to trial_s from calibration trials of 1, 4, 16 ...
ops, a re-warm before each, and the same stopping rule (at least `trials` trials and
`min_measured_s`, then the 95% order-statistic interval of the median within `target_ci`, or
`max_trials`). Each checked op is compared with a float64 reference of the same model on the CPU.
It writes run.json and points.jsonl in curves' format, the adapter named
"PyTorch <version> · <device name>", and the project's revision.

How the host waits is matched too. CUDA's default schedule spins while fewer threads are active
than cores and yields otherwise; curves' `block` waits in the driver. With --schedule matched
(the default) a point's wait style sets the CUDA context's schedule before CUDA starts, in each
process: `block` is blocking sync (cudaDeviceScheduleBlockingSync), `spin` spins; the schedule
read back from the driver is recorded. With --schedule auto CUDA's default is kept and points
record the wait `auto`. One process has one schedule, so each wait style's points run in a child
process of their own. Points the peer cannot run as asked (devices, queue, server, gpus; the
`callback` wait; encode_ahead, upload_inputs, pool = false; f16 on the CPU) are written as
unsupported, with why.

PyTorch is the only dependency; Python 3.11 or later (tomllib).
"""
import argparse
import ctypes
import datetime as dt
import json
import math
import multiprocessing as mp
import os
import platform
import random
import subprocess
import sys
import threading
import time
import tomllib

import torch
import torch.nn as nn

SLOTS = 4
MAX_OPS = 1_000_000_000
LEVEL = 0.95
DEFAULTS = dict(warmup_ops=10, warmup_s=0.0, trials=10, max_trials=None, target_ci=0.02, min_measured_s=1.0,
                ops=100, checks=8, timeout_s=300.0, seed=1, pool=True, encode_ahead=False, upload_inputs=False,
                trial_s=0.1)
DIMS = {"linear": [256, 128], "mlp": [256, 512, 256, 128], "transformer": [256, 4, 32, 2048]}
TOLERANCE = {"f32": 1e-4, "f16": 1e-2}
RUNNABLE = {"threads", "batch", "processes", "hybrid"}
# The CUDA driver's context flags (cuda.h): CU_CTX_SCHED_*.
SCHEDULES = {"spin": 0x1, "yield": 0x2, "block": 0x4}
SCHEDULE_NAMES = {0x0: "auto", 0x1: "spin", 0x2: "yield", 0x4: "blocking sync"}


# ---------------------------------------------------------------- the experiment

def label_of(workload, dims):
    if workload == "transformer":
        d, h, s, f = dims
        return f"transformer d{d} h{h} seq{s} ff{f}"
    return f"{workload} " + "→".join(str(x) for x in dims)


def sweeps(path):
    text = open(path, encoding="utf-8").read()
    doc = tomllib.loads(text)
    base = dict(DEFAULTS)
    file_settings = doc.get("settings") or {}
    if "target_spread" in file_settings or any("target_spread" in s for s in doc["sweep"]):
        sys.exit(f"{path}: target_spread was replaced by target_ci (the 95% interval of the median, ±fraction)")
    base.update(file_settings)
    base_cap = file_settings.get("max_trials")
    points = []
    for sweep in doc["sweep"]:
        settings = dict(base)
        settings.update({k: sweep[k] for k in DEFAULTS if k in sweep})
        cap = sweep.get("max_trials", base_cap)
        settings["max_trials"] = max(cap if cap is not None else 30, settings["trials"])
        if settings.get("trial_s") == 0:
            settings["trial_s"] = None
        for n in sweep["n"]:
            points.append(dict(
                workload=sweep["workload"], dims=sweep.get("dims") or DIMS[sweep["workload"]], strategy=sweep["strategy"],
                n=n, worker_batch=sweep.get("batch"), sync=sweep.get("sync", "readback"), wait=sweep.get("wait", "block"),
                precision=sweep.get("precision", "f32"), label=sweep.get("label"), max_batch=sweep.get("max_batch"),
                max_delay_us=sweep.get("max_delay_us"), arrival_rate_per_s=sweep.get("arrival_rate_per_s"),
                group=sweep.get("group"), settings=settings))
    for i, p in enumerate(points):
        p["index"] = i
    return doc.get("name") or os.path.splitext(os.path.basename(path))[0], text, doc.get("rounds", "workload"), points


def shape(p):
    """(threads, processes, samples per op) of a point, as curves lays out N."""
    n, s = p["n"], p["strategy"]
    if s == "batch":
        return 1, 1, n
    if s == "processes":
        return 1, n, 1
    if s == "hybrid":
        return n, 1, p["worker_batch"] or 1
    return n, 1, 1


def groups(points, rounds):
    """The groups of points measured together in rounds, as curves forms them."""
    def key(p):
        if rounds == "point":
            return (p["index"],)
        if rounds == "curve":
            return (p["workload"], tuple(p["dims"]), p["strategy"], p["sync"], p["precision"], p["label"],
                    p["worker_batch"])
        base = ("group", p["group"]) if p["group"] else ("workload", label_of(p["workload"], p["dims"]))
        # Processes open contexts of their own and run apart, as in curves.
        return base + (p["strategy"] == "processes",)
    out = {}
    for p in points:
        out.setdefault(key(p), []).append(p)
    return list(out.values())


# ---------------------------------------------------------------- statistics (as curves' stats.rs)

def quantile(v, q):
    if not v:
        return None
    v = sorted(v)
    pos = q * (len(v) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def median_ci(values, level=LEVEL):
    """The order-statistic interval of the median: (lo, hi, coverage)."""
    v = sorted(x for x in values if math.isfinite(x))
    n = len(v)
    if n == 0:
        return None

    def coverage(k):
        return 1.0 - 2.0 * sum(math.comb(n, i) for i in range(k)) / 2.0 ** n

    k = 1
    while k < (n + 1) // 2 and coverage(k + 1) >= level:
        k += 1
    return v[k - 1], v[n - k], max(0.0, coverage(k))


class StoppingRule:
    """curves' rule: at least `trials` and `min_measured_s`, then the median's 95% interval within ±target_ci."""

    def __init__(self, s):
        self.s, self.rates, self.trials, self.measured_s = s, [], 0, 0.0

    def add(self, rate, seconds):
        self.trials += 1
        self.measured_s += seconds
        if rate is not None and math.isfinite(rate):
            self.rates.append(rate)

    def target_met(self):
        ci = median_ci(self.rates)
        med = quantile(self.rates, 0.5)
        return (self.trials >= self.s["trials"] and self.measured_s >= self.s["min_measured_s"] * (1 - 1e-9)
                and ci is not None and ci[2] >= LEVEL and med and (ci[1] - ci[0]) / 2 / med <= self.s["target_ci"])

    def finished(self):
        return self.trials >= self.s["max_trials"] or self.target_met()


# ---------------------------------------------------------------- the model

def build(workload, dims):
    if workload in ("linear", "mlp"):
        layers = []
        for i, (a, b) in enumerate(zip(dims, dims[1:])):
            layers.append(nn.Linear(a, b))
            if i < len(dims) - 2:
                layers.append(nn.ReLU())
        return nn.Sequential(*layers), (dims[0],)
    d, h, s, ff = dims
    return nn.TransformerEncoderLayer(d_model=d, nhead=h, dim_feedforward=ff, dropout=0.0, batch_first=True), (s, d)


def flops_per_sample(workload, dims):
    if workload in ("linear", "mlp"):
        return float(sum(2 * a * b for a, b in zip(dims, dims[1:])))
    d, _, s, ff = dims
    return 2.0 * s * (d * 3 * d + d * d + 2 * d * ff) + 4.0 * s * s * d


def set_schedule(wait, device):
    """Sets the CUDA primary context's schedule for `wait` before CUDA starts; returns the schedule read back."""
    if device != "cuda" or wait not in SCHEDULES:
        return None
    try:
        cuda = ctypes.CDLL("libcuda.so.1")
        dev = ctypes.c_int()
        if cuda.cuInit(0) != 0 or cuda.cuDeviceGet(ctypes.byref(dev), 0) != 0:
            return "unknown (the driver API did not answer)"
        cuda.cuDevicePrimaryCtxSetFlags(dev, SCHEDULES[wait])
        torch.cuda.init()
        torch.zeros(1, device="cuda")
        flags, active = ctypes.c_uint(), ctypes.c_int()
        if cuda.cuDevicePrimaryCtxGetState(dev, ctypes.byref(flags), ctypes.byref(active)) != 0:
            return "unknown (the driver API did not answer)"
        return SCHEDULE_NAMES.get(flags.value & 0x7, f"flags {flags.value:#x}")
    except OSError as e:
        return f"unknown ({e})"


def gpu_clock_mhz(device):
    if device != "cuda":
        return None
    try:
        return float(torch.cuda.clock_rate())
    except Exception:  # no pynvml, or NVML refused: the clock is simply not read
        return None


def load_1m():
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


class Worker:
    """One worker's model, inputs and references, on the device."""

    def __init__(self, p, batch, seed, device):
        dtype = torch.float16 if p["precision"] == "f16" else torch.float32
        torch.manual_seed(p["settings"]["seed"])  # the same weights in every worker
        model, sample = build(p["workload"], p["dims"])
        model.eval()
        g = torch.Generator().manual_seed(seed)
        xs = [torch.rand((batch, *sample), generator=g) * 2 - 1 for _ in range(SLOTS)]
        xs = [x.to(dtype).to(torch.float32) for x in xs]  # the values the device will see
        ref = model.double()
        with torch.no_grad():
            if dtype == torch.float16:
                for prm in ref.parameters():
                    prm.copy_(prm.to(torch.float16).to(torch.float64))
            self.want = [ref(x.double()).float() for x in xs]
        self.model = model.to(device=device, dtype=dtype)
        self.inputs = [x.to(device=device, dtype=dtype) for x in xs]
        self.device = device
        self.precision = p["precision"]
        self.sync = p["sync"]
        self.depth = int(self.sync.split(":")[1]) if self.sync.startswith("pipeline:") else 1

    def event(self):
        if self.device != "cuda":
            return None
        e = torch.cuda.Event()
        e.record()
        return e

    def run(self, ops, checks, deadline):
        """One trial; its record as curves' workers give it."""
        rec = dict(start_unix_ns=time.time_ns(), latencies_ns=[], ops_completed=0, ops_checked=0, ops_wrong=0,
                   max_rel_error=0.0, error=None)
        stride = max(1, ops // checks) if checks else None
        kept, in_flight, last = [], [], [None] * SLOTS
        with torch.no_grad():
            for i in range(ops):
                if time.monotonic() > deadline:
                    rec["error"] = "the point's timeout passed"
                    break
                slot = i % SLOTS
                t0 = time.perf_counter_ns()
                y = self.model(self.inputs[slot])
                if self.sync == "readback":
                    host = y.cpu()
                    if stride and i % stride == 0 and len(kept) < checks:
                        kept.append((slot, host))
                elif self.sync == "wait":
                    e = self.event()
                    if e is not None:
                        e.synchronize()
                elif self.sync == "device":
                    if self.device == "cuda":
                        torch.cuda.synchronize()
                elif self.sync.startswith("pipeline:"):
                    if len(in_flight) >= self.depth:
                        e0, s0 = in_flight.pop(0)
                        if e0 is not None:
                            e0.synchronize()
                        rec["latencies_ns"].append(time.perf_counter_ns() - s0)
                        rec["ops_completed"] += 1
                    in_flight.append((self.event(), t0))
                last[slot] = y
                if self.sync in ("readback", "wait", "device"):
                    rec["latencies_ns"].append(time.perf_counter_ns() - t0)
                    rec["ops_completed"] += 1
                elif self.sync == "end":
                    in_flight.append((None, t0))
            if self.device == "cuda":
                torch.cuda.synchronize()
            now = time.perf_counter_ns()
            for _, s0 in in_flight:
                rec["latencies_ns"].append(now - s0)
                rec["ops_completed"] += 1
        rec["end_unix_ns"] = time.time_ns()
        # Checks, after the clock stopped.
        outputs = kept if self.sync == "readback" else [(s, y.cpu()) for s, y in enumerate(last) if y is not None]
        for slot, got in outputs:
            want = self.want[slot]
            err = ((got.float() - want).norm() / want.norm().clamp_min(1e-30)).item()
            if not math.isfinite(err):
                err = float("inf")
            rec["ops_checked"] += 1
            rec["max_rel_error"] = max(rec["max_rel_error"], err)
            rec["ops_wrong"] += int(err > TOLERANCE[self.precision])
        return rec


def warm(w, s, deadline):
    t = time.monotonic()
    done, budget = 0, None if s["trial_s"] is None else max(2 * s["trial_s"], s["warmup_s"])
    while done < max(1, s["warmup_ops"]) or time.monotonic() - t < s["warmup_s"]:
        w.run(1, 0, deadline)
        done += 1
        if time.monotonic() > deadline or (budget is not None and time.monotonic() - t >= budget):
            break
    return time.monotonic() - t


# ---------------------------------------------------------------- strategies: prepared workers

class InProcess:
    """threads, batch, hybrid: worker threads of this process, the trial's threads started together."""

    def __init__(self, p, device, deadline):
        threads, _, batch = shape(p)
        s = p["settings"]
        t = time.monotonic()
        self.workers = [Worker(p, batch, s["seed"] + 1_000_003 * k, device) for k in range(threads)]
        self.setup = dict(device_s=0.0, prepare_s=time.monotonic() - t, start_s=0.0)
        self.setup["warmup_s"] = max(warm(w, s, deadline) for w in self.workers)

    def trial(self, ops, checks, deadline):
        barrier = threading.Barrier(len(self.workers))
        out = [None] * len(self.workers)

        def body(k):
            barrier.wait()
            try:
                out[k] = self.workers[k].run(ops, checks, deadline)
            except Exception as e:  # a failed op is data
                out[k] = dict(start_unix_ns=time.time_ns(), end_unix_ns=time.time_ns(), latencies_ns=[],
                              ops_completed=0, ops_checked=0, ops_wrong=0, max_rel_error=0.0,
                              error=f"{type(e).__name__}: {e}")

        threads = [threading.Thread(target=body, args=(k,)) for k in range(len(self.workers))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return out

    def close(self):
        self.workers = []


def process_main(p, batch, seed, device, deadline_in, commands, results, wait):
    set_schedule(wait, device)
    deadline = time.monotonic() + deadline_in
    s = p["settings"]
    t = time.monotonic()
    w = Worker(p, batch, seed, device)
    prepare_s = time.monotonic() - t
    results.put(("ready", prepare_s, warm(w, s, deadline)))
    while True:
        cmd = commands.get()
        if cmd[0] == "stop":
            return
        _, ops, checks, deadline_in, start_at = cmd
        while time.time() < start_at:
            time.sleep(min(0.001, max(0.0, start_at - time.time())))
        results.put(("trial", w.run(ops, checks, time.monotonic() + deadline_in)))


class Processes:
    """processes: worker processes that stay up for the whole group, each told when to start a trial."""

    def __init__(self, p, device, deadline, wait):
        _, n, batch = shape(p)
        s = p["settings"]
        ctx = mp.get_context("spawn")
        t = time.monotonic()
        self.results = ctx.Queue()
        self.commands = [ctx.Queue() for _ in range(n)]
        self.procs = [ctx.Process(target=process_main,
                                  args=(p, batch, s["seed"] + 1_000_003 * k, device, deadline - time.monotonic(),
                                        self.commands[k], self.results, wait), daemon=True) for k in range(n)]
        for q in self.procs:
            q.start()
        ready = [self.results.get(timeout=max(1.0, deadline - time.monotonic())) for _ in self.procs]
        self.setup = dict(device_s=0.0, prepare_s=max(r[1] for r in ready), warmup_s=max(r[2] for r in ready),
                          start_s=time.monotonic() - t)

    def trial(self, ops, checks, deadline):
        start_at = time.time() + 0.005
        for c in self.commands:
            c.put(("trial", ops, checks, max(0.001, deadline - time.monotonic()), start_at))
        return [self.results.get(timeout=max(1.0, deadline - time.monotonic()))[1] for _ in self.procs]

    def close(self):
        for c in self.commands:
            c.put(("stop",))
        for q in self.procs:
            q.join(timeout=2)
            if q.is_alive():
                q.terminate()


# ---------------------------------------------------------------- one point, measured

def span_s(records):
    return max(0.0, (max(r["end_unix_ns"] for r in records) - min(r["start_unix_ns"] for r in records)) / 1e9)


def trial_rate(records, batch):
    if any(r["error"] for r in records):
        return None
    span = span_s(records)
    return sum(r["ops_completed"] for r in records) * batch / span if span > 0 else None


class Measuring:
    def __init__(self, p, device, wait):
        self.p, self.device, self.started = p, device, time.monotonic()
        self.s = p["settings"]
        self.rule = StoppingRule(self.s)
        self.trials, self.error, self.workers = [], None, None
        self.ops = None if self.s["trial_s"] else self.s["ops"]
        self.used = 0.0
        self.finished = False
        self.unsupported = why_unsupported(p, device)
        self.setup = dict(device_s=0.0, prepare_s=0.0, warmup_s=0.0, start_s=0.0)
        if self.unsupported:
            self.finished = True
            return
        t = time.monotonic()
        try:
            deadline = t + self.s["timeout_s"]
            threads, processes, _ = shape(p)
            self.workers = (Processes(p, device, deadline, wait) if p["strategy"] == "processes"
                            else InProcess(p, device, deadline))
            self.setup = self.workers.setup
        except Exception as e:  # a point's failure is data, never the run's end
            self.error, self.finished = f"{type(e).__name__}: {e}", True
        self.used += time.monotonic() - t

    def deadline(self):
        left = self.s["timeout_s"] - self.used
        if left <= 0:
            raise TimeoutError(f"timed out: the point's {self.s['timeout_s']} s (timeout_s) were used up "
                               f"after {len(self.trials)} trials")
        return time.monotonic() + left

    def untimed(self, ops):
        records = self.workers.trial(ops, 0, self.deadline())
        for r in records:
            if r["error"]:
                raise RuntimeError(r["error"])
        return records

    def calibrate(self):
        """As curves calibrates: an op's time from its median latency where the host waits for every op."""
        ops, trial_s = 1, self.s["trial_s"]
        while True:
            records = self.untimed(ops)
            span = max(span_s(records), 1e-9)
            if span >= trial_s / 8 or ops >= self.s["ops"]:
                latency = quantile([ns / 1e9 for r in records for ns in r["latencies_ns"]], 0.5)
                waits = self.p["sync"] in ("readback", "wait", "device")
                op_s = latency if waits and latency else span / ops
                fitted = max(1.0, trial_s / op_s)
                return max(1, min(MAX_OPS, 2 ** round(math.log2(fitted))))
            ops = min(ops * 4, self.s["ops"])

    def trial(self, round_):
        if self.finished:
            return
        t = time.monotonic()
        try:
            if self.ops is None:
                self.ops = self.calibrate()
            elif round_ > 0 and self.trials:
                self.untimed(max(1, self.ops // 10))
            _, _, batch = shape(self.p)
            clock0, load = gpu_clock_mhz(self.device), load_1m()
            records = self.workers.trial(self.ops, min(self.s["checks"], self.ops), self.deadline())
            clock1 = gpu_clock_mhz(self.device)
            clocks = [c for c in (clock0, clock1) if c is not None]
            self.rule.add(trial_rate(records, batch), span_s(records))
            self.trials.append(dict(records=records, round=round_, clock=min(clocks) if clocks else None, load=load))
            failed = next((r["error"] for r in records if r["error"]), None)
            if failed:
                self.error, self.finished = failed, True
        except Exception as e:
            self.error, self.finished = f"{type(e).__name__}: {e}", True
        self.used += time.monotonic() - t
        if self.rule.finished():
            self.finished = True

    def finish(self, wait_recorded):
        if self.workers is not None:
            self.workers.close()
        if self.unsupported:
            return point_record(self.p, [], self.setup, 0.0, self.unsupported, self.s["ops"], wait_recorded,
                                status="unsupported")
        return point_record(self.p, self.trials, self.setup, self.used, self.error, self.ops or self.s["ops"],
                            wait_recorded)


def why_unsupported(p, device):
    s = p["settings"]
    if p["strategy"] not in RUNNABLE:
        return f"the PyTorch peer has no {p['strategy']} strategy (threads, batch, processes, hybrid)"
    if p["precision"] == "f16" and device == "cpu":
        return "f16 on the CPU device is not measured"
    if p["wait"] == "callback":
        return "the PyTorch peer has no callback wait (a poller thread driving the device)"
    if s.get("encode_ahead"):
        return "PyTorch eager records nothing ahead (encode_ahead)"
    if s.get("upload_inputs"):
        return "the PyTorch peer keeps its inputs on the device (upload_inputs)"
    if not s.get("pool", True):
        return "the PyTorch peer keeps PyTorch's caching allocator (pool = false is not modelled)"
    return None


# ---------------------------------------------------------------- records

def histogram(us):
    bins = {}
    for v in us:
        k = math.floor(4 * math.log2(max(v, 1e-3))) + 1
        bins[k] = bins.get(k, 0) + 1
    return [dict(le_us=2 ** (k / 4), count=c) for k, c in sorted(bins.items())]


def spread(v):
    v = [x for x in v if math.isfinite(x)]
    if not v:
        return None
    return dict(median=quantile(v, .5), min=min(v), max=max(v), iqr=quantile(v, .75) - quantile(v, .25))


def point_record(p, trials, setup, used, error, ops, wait, status=None):
    threads, processes, batch = shape(p)
    s = p["settings"]
    complete = [t for t in trials if all(x["error"] is None for x in t["records"])]
    rates = [trial_rate(t["records"], batch) for t in complete]
    rounds = [t["round"] for t in complete] if any(t["round"] for t in complete) else []
    lat = [ns / 1e3 for t in trials for x in t["records"] for ns in x["latencies_ns"]]
    completed = sum(x["ops_completed"] for t in trials for x in t["records"])
    checked = sum(x["ops_checked"] for t in trials for x in t["records"])
    wrong = sum(x["ops_wrong"] for t in trials for x in t["records"])
    expected = max(len(trials), s["trials"]) * threads * processes * ops
    if status is None:
        status = "failed" if error or completed != expected else ("wrong" if wrong else "ok")
        if status == "failed" and not error:
            error = f"{completed} of {expected} ops completed"
        if status == "wrong":
            error = f"{wrong} of {checked} checked ops differ from the float64 reference"
    sp = spread(rates)
    ci = median_ci(rates)
    clocks = [t["clock"] for t in trials if t["clock"] is not None]
    loads = [t["load"] for t in trials if t["load"] is not None]
    conditions = {k: v for k, v in dict(gpu_clock_mhz=clocks, load_1m=loads).items() if v}
    return dict(
        workload=p["workload"], dims=p["dims"], strategy=p["strategy"], sync=p["sync"], wait=wait,
        precision=p["precision"], **({"label": p["label"]} if p["label"] else {}),
        **({"worker_batch": p["worker_batch"] or 1} if p["strategy"] == "hybrid" else {}),
        **({"max_batch": p["max_batch"] or 16, "max_delay_us": 200 if p["max_delay_us"] is None else p["max_delay_us"]}
           if p["strategy"] == "server" else {}),
        **({"arrival_rate_per_s": p["arrival_rate_per_s"]} if p["arrival_rate_per_s"] else {}),
        **({"pool": False} if not s.get("pool", True) else {}),
        **({"encode_ahead": True} if s.get("encode_ahead") else {}),
        **({"upload_inputs": True} if s.get("upload_inputs") else {}),
        n=p["n"], batch=batch, threads=threads, processes=processes,
        kernels=["PyTorch eager (nn.Module forward)"], flops_per_sample=flops_per_sample(p["workload"], p["dims"]),
        trials=len(trials), ops_per_worker=ops, samples_per_s=sp["median"] if sp else None, samples_per_s_spread=sp,
        **({"samples_per_s_ci": dict(lo=ci[0], hi=ci[1], level=ci[2])} if ci else {}),
        samples_per_s_trials=rates, **({"trial_rounds": rounds} if rounds else {}),
        **({"conditions": conditions} if conditions else {}),
        ops_per_s=quantile([r / batch for r in rates], .5),
        latency_us=dict(avg=sum(lat) / len(lat), p50=quantile(lat, .5), p90=quantile(lat, .9), p95=quantile(lat, .95),
                        p99=quantile(lat, .99), max=max(lat)) if lat else None,
        latency_histogram=histogram(lat), phases_us=None, timing_method="wall-clock",
        ops_expected=0 if status == "unsupported" else expected, ops_completed=completed, ops_checked=checked,
        ops_wrong=wrong,
        max_rel_error=max([x["max_rel_error"] for t in trials for x in t["records"] if x["ops_checked"]], default=None),
        setup_s=setup, measured_s=sum(span_s(t["records"]) for t in trials), wall_s=used, status=status, error=error)


# ---------------------------------------------------------------- the run

def measure_wait(points, rounds, device, wait, schedule, out):
    """Measures `points` (all of one wait style) in this process and puts each record on `out`."""
    recorded = wait
    if schedule == "matched":
        got = set_schedule(wait, device)
        if got is not None:
            out.put(("note", f"points with wait = {wait}: the CUDA context's schedule read back as {got}"))
    elif device == "cuda":
        recorded = "auto"
    seed = points[0]["settings"]["seed"] if points else 1
    for group in groups(points, rounds):
        interleaved = rounds != "point"
        active = [Measuring(p, device, wait) for p in group]
        round_ = 0
        while True:
            for m in [m for m in active if m.finished]:
                out.put(("point", m.p["index"], m.finish(recorded)))
            active = [m for m in active if not m.finished]
            if not active:
                break
            round_ += 1
            order = list(range(len(active)))
            random.Random(seed ^ (round_ * 0x9E3779B9)).shuffle(order)
            for i in order:
                active[i].trial(round_ if interleaved else 0)
    out.put(("done",))


def revision():
    """The project's revision: $CURVES_REVISION, else the curves binary beside this checkout's (what was built
    and carried), else git (a copied checkout may carry a stale .git)."""
    if os.environ.get("CURVES_REVISION"):
        return os.environ["CURVES_REVISION"]
    here = os.path.dirname(os.path.abspath(__file__))
    binary = os.path.join(here, "..", "..", "target", "release", "curves")
    try:
        # `curves --version` prints "curves 0.1.0 (REVISION)".
        text = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10).stdout
        if "(" in text:
            return text.split("(", 1)[1].rstrip().rstrip(")")
    except OSError:
        pass
    try:
        return subprocess.run(["git", "describe", "--always", "--dirty"], cwd=here, capture_output=True, text=True,
                              check=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("experiment")
    ap.add_argument("--device", choices=["cuda", "mps", "cpu"], help="default: cuda, else mps, else cpu")
    ap.add_argument("--out", default="results")
    ap.add_argument("--only", help="measure only points whose workload, strategy or sync contains this")
    ap.add_argument("--schedule", choices=["matched", "auto"], default="matched",
                    help="matched: each wait style sets CUDA's schedule (block = blocking sync, spin = spin); "
                         "auto: CUDA's default, recorded as the wait `auto`")
    ap.add_argument("--wait", choices=["block", "spin"], help="run every point with this wait style instead")
    ap.add_argument("--trials", type=int, help="exactly this many trials per point (a quick run)")
    a = ap.parse_args()
    device = a.device or ("cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    name, text, rounds, points = sweeps(a.experiment)
    if a.only:
        points = [p for p in points if a.only in f"{p['workload']} {p['strategy']} {p['sync']}"]
    if a.wait:
        for p in points:
            p["wait"] = a.wait
    if a.trials:
        for p in points:
            p["settings"]["trials"] = p["settings"]["max_trials"] = a.trials
    # Naming the device must not start CUDA in this process: children set their schedule first.
    gpu = (subprocess.run([sys.executable, "-c", "import torch; print(torch.cuda.get_device_name(0))"],
                          capture_output=True, text=True).stdout.strip() or "CUDA device") if device == "cuda" \
        else platform.processor() or device
    adapter = dict(name=f"PyTorch {torch.__version__} · {gpu}", backend=device,
                   device_type="discrete-gpu" if device == "cuda" else "other", driver="PyTorch",
                   driver_info=f"torch {torch.__version__}, CUDA {torch.version.cuda}" if device == "cuda" else f"torch {torch.__version__}",
                   vendor_id=0, device_id=0, shader_f16=device != "cpu", timestamp_query=False)
    started_at = dt.datetime.now(dt.timezone.utc)
    slug = "".join(c if c.isalnum() else "-" for c in gpu.lower()).strip("-")[:32]
    run_id = f"{started_at:%Y%m%d-%H%M%S}-{name}-pytorch-{device}-{slug}"
    out = os.path.join(a.out, run_id)
    os.makedirs(out, exist_ok=False)
    governor = None
    try:
        governor = open("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor").read().strip() or None
    except OSError:
        pass
    info = dict(run_id=run_id, experiment_name=name, experiment_path=a.experiment, experiment_text=text,
                overrides=([f"wait = {a.wait}"] if a.wait else []) + ([f"trials = {a.trials}"] if a.trials else []),
                adapter=adapter,
                os=f"{sys.platform} ({platform.platform()})", arch=platform.machine(), cpu_count=os.cpu_count() or 1,
                crate_version="peer", git_revision=revision(), timing_method="wall-clock",
                started_at=started_at.isoformat(), finished_at=None, notes=[])
    if governor:
        info["cpu_governor"] = governor
    if device == "cuda":
        info["gpu_clock_source"] = "NVML (torch.cuda.clock_rate)"

    def write(path, data):
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(data)
        os.replace(tmp, path)

    write(os.path.join(out, "run.json"), json.dumps(info, indent=2))
    records = {}
    by_wait = {}
    for p in points:
        by_wait.setdefault(p["wait"], []).append(p)
    ctx = mp.get_context("spawn")
    for wait, group in by_wait.items():
        queue = ctx.Queue()
        child = ctx.Process(target=measure_wait, args=(group, rounds, device, wait, a.schedule, queue))
        child.start()
        while True:
            try:
                msg = queue.get(timeout=5)
            except Exception:
                if not child.is_alive():
                    sys.exit(f"the child measuring wait = {wait} ended without finishing (exit {child.exitcode})")
                continue
            if msg[0] == "done":
                break
            if msg[0] == "note":
                info["notes"].append(msg[1])
                write(os.path.join(out, "run.json"), json.dumps(info, indent=2))
                continue
            _, index, rec = msg
            records[index] = rec
            lines = [json.dumps(records[i]) for i in sorted(records)]
            write(os.path.join(out, "points.jsonl"), "\n".join(lines) + "\n")
            p = points[[q["index"] for q in points].index(index)]
            sps = rec["samples_per_s"]
            print(f"[{len(records)}/{len(points)}] {p['workload']} {p['strategy']} N={p['n']} {p['sync']} "
                  f"{rec['wait']} {p['precision']}: {rec['status']}{'' if sps is None else f', {sps:,.0f} samples/s'}",
                  file=sys.stderr, flush=True)
        child.join()
    info["finished_at"] = dt.datetime.now(dt.timezone.utc).isoformat()
    write(os.path.join(out, "run.json"), json.dumps(info, indent=2))
    print(out)


if __name__ == "__main__":
    main()
