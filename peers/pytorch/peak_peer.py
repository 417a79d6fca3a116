#!/usr/bin/env python3
"""PyTorch's figures for `curves peak`'s table, on the same GPU: matmul TFLOP/s at 4096³ (f32 with
TF32 off, and f16) and each workload's GPU time per op at the batches `curves peak` measures.

    python3 peers/pytorch/peak_peer.py [--out torch-peak.json] [--reps 20]

GPU time per op is the median of CUDA-event pairs around single ops issued back to back behind
a sleep kernel (so the events bracket the kernels, not the launch from Python), as curves'
timestamps bracket one op's compute pass. Workloads are built as curves_peer.py builds them
(nn.Linear with ReLU between, nn.TransformerEncoderLayer), in eval mode with no autograd.
"""
import argparse
import json
import statistics
import sys

import torch

from curves_peer import build, flops_per_sample

# The cases of `curves peak` (src/peak.rs, fn workloads): workload, dims, batch; f16 at batch > 1.
CASES = [
    ("linear", [256, 128], 1),
    ("linear", [256, 128], 256),
    ("linear", [768, 3072], 256),
    ("mlp", [256, 512, 256, 128], 1),
    ("mlp", [256, 512, 256, 128], 256),
    ("mlp", [512, 1024, 1024, 512], 256),
    ("transformer", [256, 4, 32, 2048], 1),
    ("transformer", [256, 4, 32, 2048], 256),
    ("transformer", [768, 12, 512, 3072], 2),
    ("transformer", [256, 4, 2048, 1024], 1),
]


def gpu_seconds(fn, reps):
    """Median seconds of `fn` on the GPU, after a warm-up.

    A sleep kernel is queued first, long enough for Python to launch every rep behind it, so the
    GPU then runs the reps back to back: an event pair brackets the op's kernels, never the GPU
    idling while the next launch is issued (in f16 a transformer layer's launches take longer
    than its kernels, and without the sleep its figure was the launch time: 384 µs in one lease,
    188 and 193 in two others, for ~190 µs of GPU work)."""
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    pairs = []
    torch.cuda._sleep(200_000_000)  # ~0.1 s at the H200's 1.98 GHz
    for _ in range(reps):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        pairs.append((start, end))
    torch.cuda.synchronize()
    return statistics.median(s.elapsed_time(e) / 1e3 for s, e in pairs)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", help="write the figures as JSON here (default: stdout only)")
    ap.add_argument("--reps", type=int, default=20)
    args = ap.parse_args()
    if not torch.cuda.is_available():
        sys.exit("peak_peer.py needs CUDA: torch.cuda.is_available() is false")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    dev = torch.device("cuda")
    out = dict(torch=torch.__version__, cuda=torch.version.cuda, gpu=torch.cuda.get_device_name(0),
               matmul=[], workloads=[])
    n = 4096
    for dtype in (torch.float32, torch.float16):
        a = torch.randn(n, n, device=dev, dtype=dtype)
        b = torch.randn(n, n, device=dev, dtype=dtype)
        s = gpu_seconds(lambda: a @ b, args.reps)
        row = dict(shape=f"{n}×{n}×{n}", precision=str(dtype).removeprefix("torch.").replace("float", "f"),
                   gpu_us=s * 1e6, tflops=2 * n**3 / s / 1e12)
        out["matmul"].append(row)
        print(f"matmul {row['shape']} {row['precision']}: {row['gpu_us']:.0f} µs, {row['tflops']:.1f} TFLOP/s")
    torch.manual_seed(1)
    with torch.inference_mode():
        for workload, dims, batch in CASES:
            for dtype in (torch.float32, torch.float16):
                if dtype == torch.float16 and batch == 1:
                    continue
                model, sample = build(workload, dims)
                model = model.to(dev, dtype).eval()
                x = torch.randn(batch, *sample, device=dev, dtype=dtype)
                s = gpu_seconds(lambda: model(x), args.reps)
                name = f"{workload} {'→'.join(map(str, dims))}"
                precision = "f32" if dtype == torch.float32 else "f16"
                row = dict(workload=name, batch=batch, precision=precision, gpu_us=s * 1e6,
                           tflops=flops_per_sample(workload, dims) * batch / s / 1e12)
                out["workloads"].append(row)
                print(f"{name} batch {batch} {precision}: {row['gpu_us']:.1f} µs")
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()
