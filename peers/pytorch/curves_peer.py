#!/usr/bin/env python3
"""PyTorch beside curves: the same experiment file, the same methodology, the same result files.

    python3 peers/pytorch/curves_peer.py experiments/seeds.toml [--device cuda|mps|cpu] [--out results]

Reads a curves experiment (TOML), runs its linear, mlp and transformer points on PyTorch with the
strategies that exist there (threads, batch, processes, hybrid), under the same sync meanings
(readback = .cpu() after each op, wait = an event per op, device = synchronize(), pipeline:D = D
ops in flight, end = one synchronize per trial), with the same warm-up, trials and checks (each
checked op against a float64 reference of the same model on the CPU), and writes run.json and
points.jsonl in curves' format, the adapter named "PyTorch <version> · <device name>". Points it
cannot run (devices, queue, server, gpus; f16 on the CPU) are written as unsupported, with why.
`curves report RUN_DIR PEER_RUN_DIR` then draws both on the same charts.

PyTorch is the only dependency; Python 3.11 or later (tomllib).
"""
import argparse
import datetime as dt
import json
import math
import multiprocessing as mp
import os
import platform
import sys
import threading
import time
import tomllib

import torch
import torch.nn as nn

SLOTS = 4
DEFAULTS = dict(warmup_ops=10, warmup_s=0.0, trials=3, max_trials=None, target_spread=0.1, ops=100, checks=8,
                timeout_s=300.0, seed=1, pool=True, trial_s=None)
DIMS = {"linear": [256, 128], "mlp": [256, 512, 256, 128], "transformer": [256, 4, 32, 2048]}
TOLERANCE = {"f32": 1e-4, "f16": 1e-2}
RUNNABLE = {"threads", "batch", "processes", "hybrid"}


# ---------------------------------------------------------------- the experiment

def sweeps(path):
    text = open(path, encoding="utf-8").read()
    doc = tomllib.loads(text)
    base = dict(DEFAULTS)
    base.update({k: v for k, v in (doc.get("settings") or {}).items()})
    points = []
    for sweep in doc["sweep"]:
        settings = dict(base)
        settings.update({k: sweep[k] for k in DEFAULTS if k in sweep})
        if "max_trials" not in sweep and "trials" in sweep and (base.get("max_trials") in (None, base["trials"])):
            settings["max_trials"] = settings["trials"]
        settings["max_trials"] = max(settings.get("max_trials") or settings["trials"], settings["trials"])
        for n in sweep["n"]:
            points.append(dict(
                workload=sweep["workload"], dims=sweep.get("dims") or DIMS[sweep["workload"]], strategy=sweep["strategy"],
                n=n, worker_batch=sweep.get("batch"), sync=sweep.get("sync", "readback"), wait=sweep.get("wait", "block"),
                precision=sweep.get("precision", "f32"), label=sweep.get("label"), max_batch=sweep.get("max_batch"),
                max_delay_us=sweep.get("max_delay_us"), arrival_rate_per_s=sweep.get("arrival_rate_per_s"),
                settings=settings))
    return doc.get("name") or os.path.splitext(os.path.basename(path))[0], text, points


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
        self.sync = p["sync"]
        self.depth = int(self.sync.split(":")[1]) if self.sync.startswith("pipeline:") else 1

    def wait(self, handle):
        if self.device == "cuda":
            handle.synchronize()

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
                    self.wait(self.event())
                elif self.sync == "device":
                    if self.device == "cuda":
                        torch.cuda.synchronize()
                elif self.sync.startswith("pipeline:"):
                    if len(in_flight) >= self.depth:
                        e0, s0 = in_flight.pop(0)
                        self.wait(e0)
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
            rec["ops_wrong"] += int(err > TOLERANCE[self.precision_name()])
        return rec

    def precision_name(self):
        return "f16" if self.inputs[0].dtype == torch.float16 else "f32"


def warm(w, s, deadline):
    t = time.monotonic()
    done = 0
    while done < max(1, s["warmup_ops"]) or time.monotonic() - t < s["warmup_s"]:
        w.run(1, 0, deadline)
        done += 1
        if time.monotonic() > deadline:
            break
    return time.monotonic() - t


# ---------------------------------------------------------------- strategies

def run_threads(p, workers_n, batch, device, deadline, trials):
    s = p["settings"]
    t_setup = time.monotonic()
    workers = [Worker(p, batch, s["seed"] + 1_000_003 * k, device) for k in range(workers_n)]
    prepare_s = time.monotonic() - t_setup
    warmup_s = max(warm(w, s, deadline) for w in workers)
    records = []
    while len(records) < trials():
        barrier = threading.Barrier(workers_n)
        out = [None] * workers_n

        def body(k):
            barrier.wait()
            out[k] = workers[k].run(s["ops"], min(s["checks"], s["ops"]), deadline)

        threads = [threading.Thread(target=body, args=(k,)) for k in range(workers_n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        records.append(out)
        if any(r["error"] for r in out) or trials.done(records, batch):
            break
    return records, dict(device_s=0.0, prepare_s=prepare_s, warmup_s=warmup_s, start_s=0.0)


def process_main(p, batch, seed, device, deadline_in, start, results, ready, rounds):
    deadline = time.monotonic() + deadline_in
    s = p["settings"]
    t = time.monotonic()
    w = Worker(p, batch, seed, device)
    prepare_s = time.monotonic() - t
    ready.put((prepare_s, warm(w, s, deadline)))
    for _ in range(rounds):
        start.wait()
        results.put(w.run(s["ops"], min(s["checks"], s["ops"]), deadline))


def run_processes(p, n, batch, device, deadline, trials):
    s = p["settings"]
    ctx = mp.get_context("spawn")
    rounds = s["max_trials"]
    start, results, ready = ctx.Barrier(n + 1), ctx.Queue(), ctx.Queue()
    t = time.monotonic()
    procs = [ctx.Process(target=process_main, args=(p, batch, s["seed"] + 1_000_003 * k, device,
                                                    deadline - time.monotonic(), start, results, ready, rounds),
                         daemon=True) for k in range(n)]
    for q in procs:
        q.start()
    setups = [ready.get(timeout=max(1.0, deadline - time.monotonic())) for _ in procs]
    start_s = time.monotonic() - t
    records = []
    try:
        for _ in range(rounds):
            start.wait(timeout=max(1.0, deadline - time.monotonic()))
            out = [results.get(timeout=max(1.0, deadline - time.monotonic())) for _ in procs]
            records.append(out)
            if any(r["error"] for r in out) or (len(records) >= trials() and trials.done(records, batch)):
                break
    finally:
        for q in procs:
            q.terminate()
    return records, dict(device_s=0.0, prepare_s=max(x[0] for x in setups), warmup_s=max(x[1] for x in setups),
                         start_s=start_s)


class Trials:
    """curves' stopping rule: at least `trials`, up to `max_trials` while the spread is over target."""

    def __init__(self, s):
        self.s = s

    def __call__(self):
        return self.s["trials"]

    def done(self, records, batch):
        if len(records) < self.s["trials"]:
            return False
        if len(records) >= self.s["max_trials"]:
            return True
        rates = sorted(trial_rate(r, batch) for r in records)
        med = rates[len(rates) // 2]
        return med > 0 and (rates[-1] - rates[0]) / med <= self.s["target_spread"]


def trial_rate(records, batch):
    start = min(r["start_unix_ns"] for r in records)
    end = max(r["end_unix_ns"] for r in records)
    ops = sum(r["ops_completed"] for r in records)
    return ops * batch / max(1e-9, (end - start) / 1e9)


# ---------------------------------------------------------------- summaries

def quantile(v, q):
    if not v:
        return None
    v = sorted(v)
    pos = q * (len(v) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def spread(v):
    v = [x for x in v if math.isfinite(x)]
    if not v:
        return None
    return dict(median=quantile(v, .5), min=min(v), max=max(v), iqr=quantile(v, .75) - quantile(v, .25))


def histogram(us):
    bins = {}
    for v in us:
        k = math.floor(4 * math.log2(max(v, 1e-3))) + 1
        bins[k] = bins.get(k, 0) + 1
    return [dict(le_us=2 ** (k / 4), count=c) for k, c in sorted(bins.items())]


def point_record(p, records, setup, started, error):
    threads, processes, batch = shape(p)
    s = p["settings"]
    trials = len(records)
    rates = [trial_rate(r, batch) for r in records if all(x["error"] is None for x in r)]
    ops_rates = [x / batch for x in rates]
    lat = [ns / 1e3 for r in records for x in r for ns in x["latencies_ns"]]
    completed = sum(x["ops_completed"] for r in records for x in r)
    checked = sum(x["ops_checked"] for r in records for x in r)
    wrong = sum(x["ops_wrong"] for r in records for x in r)
    first_error = error or next((x["error"] for r in records for x in r if x["error"]), None)
    expected = max(trials, s["trials"]) * threads * processes * s["ops"]
    status = "failed" if first_error or completed != expected else ("wrong" if wrong else "ok")
    if status == "failed" and not first_error:
        first_error = f"{completed} of {expected} ops completed"
    if status == "wrong":
        first_error = f"{wrong} of {checked} checked ops differ from the float64 reference"
    sp = spread(rates)
    return dict(
        workload=p["workload"], dims=p["dims"], strategy=p["strategy"], sync=p["sync"], wait="block",
        precision=p["precision"], **({"label": p["label"]} if p["label"] else {}),
        **({"worker_batch": p["worker_batch"] or 1} if p["strategy"] == "hybrid" else {}),
        **({"max_batch": p["max_batch"] or 16, "max_delay_us": 200 if p["max_delay_us"] is None else p["max_delay_us"]}
           if p["strategy"] == "server" else {}),
        **({"arrival_rate_per_s": p["arrival_rate_per_s"]} if p["arrival_rate_per_s"] else {}),
        n=p["n"], batch=batch, threads=threads, processes=processes,
        kernels=["PyTorch eager (nn.Module forward)"], flops_per_sample=flops_per_sample(p["workload"], p["dims"]),
        trials=trials, ops_per_worker=s["ops"], samples_per_s=sp["median"] if sp else None, samples_per_s_spread=sp,
        samples_per_s_trials=rates, ops_per_s=quantile(ops_rates, .5),
        latency_us=dict(avg=sum(lat) / len(lat), p50=quantile(lat, .5), p90=quantile(lat, .9), p95=quantile(lat, .95),
                        p99=quantile(lat, .99), max=max(lat)) if lat else None,
        latency_histogram=histogram(lat), phases_us=None, timing_method="wall-clock",
        ops_expected=expected, ops_completed=completed, ops_checked=checked, ops_wrong=wrong,
        max_rel_error=max([x["max_rel_error"] for r in records for x in r if x["ops_checked"]], default=None),
        setup_s=setup, measured_s=sum((max(x["end_unix_ns"] for x in r) - min(x["start_unix_ns"] for x in r)) / 1e9
                                      for r in records),
        wall_s=time.monotonic() - started, status=status, error=first_error)


def unsupported(p, why):
    threads, processes, batch = shape(p)
    rec = point_record(p, [], dict(device_s=0, prepare_s=0, warmup_s=0, start_s=0), time.monotonic(), why)
    rec.update(status="unsupported", error=why, ops_expected=0)
    return rec


def measure(p, device):
    s = p["settings"]
    if p["strategy"] not in RUNNABLE:
        return unsupported(p, f"the PyTorch peer has no {p['strategy']} strategy (threads, batch, processes, hybrid)")
    if p["precision"] == "f16" and device == "cpu":
        return unsupported(p, "f16 on the CPU device is not measured")
    threads, processes, batch = shape(p)
    started = time.monotonic()
    deadline = started + s["timeout_s"]
    try:
        if processes > 1 or p["strategy"] == "processes":
            records, setup = run_processes(p, processes, batch, device, deadline, Trials(s))
        else:
            records, setup = run_threads(p, threads, batch, device, deadline, Trials(s))
        return point_record(p, records, setup, started, None)
    except Exception as e:  # a point's failure is data, never the run's end
        return point_record(p, [], dict(device_s=0, prepare_s=0, warmup_s=0, start_s=0), started, f"{type(e).__name__}: {e}")


# ---------------------------------------------------------------- the run

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("experiment")
    ap.add_argument("--device", choices=["cuda", "mps", "cpu"], help="default: cuda, else mps, else cpu")
    ap.add_argument("--out", default="results")
    ap.add_argument("--only", help="measure only points whose workload, strategy or sync contains this")
    a = ap.parse_args()
    device = a.device or ("cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    name, text, points = sweeps(a.experiment)
    if a.only:
        points = [p for p in points if a.only in f"{p['workload']} {p['strategy']} {p['sync']}"]
    gpu = torch.cuda.get_device_name(0) if device == "cuda" else platform.processor() or device
    adapter = dict(name=f"PyTorch {torch.__version__} · {gpu}", backend=device,
                   device_type="discrete-gpu" if device == "cuda" else "other", driver="PyTorch",
                   driver_info=f"torch {torch.__version__}, CUDA {torch.version.cuda}" if device == "cuda" else f"torch {torch.__version__}",
                   vendor_id=0, device_id=0, shader_f16=device != "cpu", timestamp_query=False)
    started_at = dt.datetime.now(dt.timezone.utc)
    slug = "".join(c if c.isalnum() else "-" for c in gpu.lower()).strip("-")[:32]
    run_id = f"{started_at:%Y%m%d-%H%M%S}-{name}-pytorch-{device}-{slug}"
    out = os.path.join(a.out, run_id)
    os.makedirs(out, exist_ok=False)
    info = dict(run_id=run_id, experiment_name=name, experiment_path=a.experiment, experiment_text=text, overrides=[],
                adapter=adapter, os=f"{sys.platform} ({platform.platform()})", arch=platform.machine(),
                cpu_count=os.cpu_count() or 1, crate_version="peer", git_revision="peers/pytorch/curves_peer.py",
                timing_method="wall-clock", started_at=started_at.isoformat(), finished_at=None)

    def write(path, data):
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(data)
        os.replace(tmp, path)

    write(os.path.join(out, "run.json"), json.dumps(info, indent=2))
    lines = []
    for i, p in enumerate(points):
        rec = measure(p, device)
        lines.append(json.dumps(rec))
        write(os.path.join(out, "points.jsonl"), "\n".join(lines) + "\n")
        sps = rec["samples_per_s"]
        print(f"[{i + 1}/{len(points)}] {p['workload']} {p['strategy']} N={p['n']} {p['sync']} {p['precision']}: "
              f"{rec['status']}{'' if sps is None else f', {sps:,.0f} samples/s'}", file=sys.stderr, flush=True)
    info["finished_at"] = dt.datetime.now(dt.timezone.utc).isoformat()
    write(os.path.join(out, "run.json"), json.dumps(info, indent=2))
    print(out)


if __name__ == "__main__":
    main()
