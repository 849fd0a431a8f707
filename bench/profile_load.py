"""Where a loaded server's CPU goes, and where its cores idle: per-thread CPU and py-spy under load.

    python bench/profile_load.py --clients 8 --depth 50 --app-flags="--engine-workers 2"

Starts `python app.py --weights random` (as bench/capacity.py does), runs `--clients` browsers
like capacity.py's for a warm-up and then a window, and over the window measures:

* each server thread's CPU time (psutil, per OS thread), grouped by the thread's Python name
  (from one `py-spy dump --json`); threads Python does not know are OpenMP/MKL workers;
* with py-spy (sampling, non-blocking) the share of samples in which some thread holds the GIL
  (`--gil`) and, per group of threads, what the GIL-holder is doing (the busiest functions).

The GIL share is the answer to "does Python serialise the drawing and Gradio's work": near 100 %
of wall time means every core beyond the model's waits for it. Needs py-spy (`pip install py-spy`)
and the permission to attach to a child process (root, or ptrace_scope 0).
"""

from __future__ import annotations

import argparse
import collections
import json
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

import loadtest
import psutil
from capacity import Browser
from loadtest import make_photos, start_app


def thread_names(pid: int) -> dict[int, str]:
    """OS thread id -> Python thread name, from one py-spy dump."""
    out = subprocess.run(["py-spy", "dump", "--json", "--nonblocking", "-p", str(pid)],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    return {t["os_thread_id"]: t.get("thread_name") or "?" for t in json.loads(out)}


def group(name: str) -> str:
    """A thread's group: its name without the pool's counter (pictures_0 -> pictures)."""
    for sep in ("_", "-"):
        head, _, tail = name.rpartition(sep)
        if head and tail.isdigit():
            return group(head)
    return name


def per_thread_cpu(proc: psutil.Process) -> dict[int, float]:
    return {t.id: t.user_time + t.system_time for t in proc.threads()}


def top_functions(raw: Path, top: int) -> tuple[int, list[tuple[str, int]]]:
    """(samples, [(function [file], inclusive samples)]) from a py-spy raw file."""
    total, incl = 0, collections.Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        seen = set()
        for frame in stack.split(";"):
            name = frame.split(" (")[0]
            where = frame.split("(")[1].split(":")[0].split("/")[-1] if "(" in frame else ""
            key = f"{name} [{where}]"
            if key not in seen:
                incl[key] += n
                seen.add(key)
    return total, incl.most_common(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--depth", type=int, default=50)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--window", type=float, default=15.0)
    parser.add_argument("--rate", type=int, default=67, help="py-spy samples a second")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--app-flags", default="")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose app.py to serve (before/after)")
    args = parser.parse_args()

    loadtest.ROOT = args.root.resolve()  # start_app serves this checkout's app.py
    with tempfile.TemporaryDirectory() as tmp:
        photos = make_photos(Path(tmp))
        proc, url = start_app("--preload", str(args.depth), "--per-visitor", "0", *shlex.split(args.app_flags))
        try:
            server = psutil.Process(proc.pid)
            Browser(url, photos, args.depth).request()
            browsers = [Browser(url, photos[i % len(photos):] + photos[:i % len(photos)], args.depth)
                        for i in range(args.clients)]
            stop, done = threading.Event(), []

            def run(b: Browser) -> None:
                while not stop.is_set():
                    b.request()
                    done.append(time.perf_counter())

            threads = [threading.Thread(target=run, args=(b,), daemon=True) for b in browsers]
            for t in threads:
                t.start()
            time.sleep(args.warmup)
            names = thread_names(proc.pid)
            gil_raw = Path(tmp) / "gil.txt"
            spy = subprocess.Popen(["py-spy", "record", "-p", str(proc.pid), "-d", str(int(args.window)),
                                    "-r", str(args.rate), "-f", "raw", "-o", str(gil_raw), "--gil", "--threads",
                                    "--nonblocking"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            t0, c0, s0 = time.perf_counter(), per_thread_cpu(server), server.cpu_times()
            time.sleep(args.window)
            t1, c1, s1 = time.perf_counter(), per_thread_cpu(server), server.cpu_times()
            spy.wait(timeout=60)
            stop.set()
            for t in threads:
                t.join(timeout=60)
            wall = t1 - t0
            served = sum(1 for d in done if t0 <= d <= t1)
            busy = (s1.user + s1.system - s0.user - s0.system) / wall
            print(f"# {args.root}: ResNet-{args.depth}, {args.clients} clients, flags {args.app_flags or '(none)'}: "
                  f"{served / wall:.2f} req/s, server {busy:.2f} cores busy over {wall:.1f} s")
            groups: collections.Counter[str] = collections.Counter()
            for tid, cpu in c1.items():
                name = names.get(tid, "(native: OpenMP/MKL or not yet named)")
                groups[group(name)] += cpu - c0.get(tid, 0.0)
            print("| thread group | cores busy | CPU ms per request |")
            print("|---|---|---|")
            for name, cpu in groups.most_common():
                if cpu / wall >= 0.005:
                    print(f"| {name} | {cpu / wall:.2f} | {1e3 * cpu / max(served, 1):.0f} |")
            total, top = top_functions(gil_raw, args.top)
            expected = args.rate * args.window
            print(f"\nGIL held in {total} of ~{expected:.0f} samples ({total / expected:.0%} of wall time); "
                  "inclusive share of GIL-holding samples:")
            for key, n in top:
                print(f"{100 * n / max(total, 1):5.1f}%  {key}")
        finally:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
