"""Own-folder quality: what an artist gets from a folder of their own images in 10 and 30 minutes.

For each benchmark folder (scripts/build_benchmark_folders.py) and each arm (a fine-tune from a
base model, or a run from scratch; extra training options per arm), one run at a time:
1. train with the app's settings (the same config path as `python main.py train`, in a
   subprocess with --threads threads) and, at each mark of training time, stop the run (which
   writes its checkpoint), render N samples from G_ema and resume; the clock covers building
   the model and reading the data, and excludes sampling and any time the process was stopped
   (SIGSTOP while the machine did other work: benchmarks.common.TrainingClock);
2. score the samples against the folder, all at --resolution with alpha composited onto white:
   - SWD (ProGAN's, engine.metrics) per pyramid level and its mean, each ÷ the folder's floor:
     the SWD between two disjoint halves of the folder. The samples are scored the same way,
     half against each half of the folder, so both sides compare equal set sizes;
   - variety: the samples' layout spread ÷ the folder's (engine.metrics.variety);
   - near-copies: the median and smallest RMS distance from a sample to its nearest folder
     image (engine.metrics.nearest_training_images), next to the folder's own nearest-other
     median (what two different images of the folder are apart);
3. save a sample grid per mark (look at every one), append one JSON line per mark to
   --results, and with --report write the table of everything recorded to BENCHMARKS.md.

Held-back folders (HELD_BACK in the build script) appear in their own rows; no tuning decision
may look at them.

    python benchmarks/own_folders.py --folders portraits,clipart --arms finetune --seeds 0,1 \
        --minutes 10
    python benchmarks/own_folders.py --report      # the table of all recorded runs
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.quality_vs_peer import run_logged, save_grid, thread_env  # noqa: E402
from scripts.build_benchmark_folders import HELD_BACK  # noqa: E402

BASE = ROOT / "resources" / "models" / "default.safetensors"
# name → `main.py train` options; "{base}" is --base. The app's defaults otherwise.
ARMS = {
    "finetune": "--base {base}",
    "scratch": "",
}


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def load_folder(folder: Path, resolution: int) -> np.ndarray:
    """The folder as the trainer sees it: uint8 [N, 3, R, R], alpha on white, centre crop."""
    from engine.config import DataConfig
    from engine.dataset import scan_folder

    return scan_folder(folder, DataConfig(resolution=resolution)).images[:, :3].numpy()


def floor_split(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    order = np.random.default_rng(seed).permutation(n)
    return order[: n // 2], order[n // 2 : 2 * (n // 2)]


def swd(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    import torch

    from engine.metrics import sliced_wasserstein_distance

    return sliced_wasserstein_distance(torch.from_numpy(a), torch.from_numpy(b), seed=0)


def folder_reference(reals: np.ndarray) -> dict:
    """The floor (two halves) and how far apart two different images of the folder are."""
    import torch

    from engine.metrics import nearest_training_images

    a, b = floor_split(len(reals))
    x = torch.from_numpy(reals)
    dist, _ = nearest_training_images(x, x, k=2)  # the nearest is itself (0)
    return {"floor": swd(reals[a], reals[b]), "nearest_other_median": float(dist[:, 1].median())}


def score(reals: np.ndarray, fakes: np.ndarray) -> dict:
    import torch

    from engine.metrics import nearest_training_images, variety

    a, b = floor_split(len(reals))
    half = len(a)
    s1, s2 = swd(reals[a], fakes[:half]), swd(reals[b], fakes[half : 2 * half])
    result = {"swd": {k: (s1[k] + s2[k]) / 2 for k in s1}}
    v = variety(torch.from_numpy(reals), torch.from_numpy(fakes))
    result["spread_ratio"] = v["spread_samples"] / v["spread_real"]
    dist, _ = nearest_training_images(torch.from_numpy(fakes), torch.from_numpy(reals), k=1)
    result["nearest_median"] = float(dist[:, 0].median())
    result["nearest_min"] = float(dist[:, 0].min())
    return result


def run_arm(args, folder: Path, arm: str, extra: str, seed: int, n: int, out: Path) -> list[dict]:
    """Train one arm; → the worker's records, one per mark (per stage with --stages)."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    options = ARMS.get(arm, "").format(base=args.base).split() + extra.split()
    if not args.stages:
        marks = [float(m) * 60 for m in args.minutes.split(",")]
        return run_stage(args, folder, out, args.resolution, marks, seed, n, options)
    # a resolution curriculum: each stage grows the previous stage's model to twice its size
    records, done_s, grown_from = [], 0.0, None
    stages = [item.split(":") for item in args.stages.split(",")]
    if int(stages[-1][0]) != args.resolution:
        raise SystemExit(f"--stages must end at --resolution {args.resolution}")
    for i, (res, minutes) in enumerate(stages):
        stage = out / f"stage-{i}-{res}px"
        stage.mkdir()
        if grown_from is not None:
            options = [*extra.split(), "--base", str(grown_from)]
        (rec,) = run_stage(args, folder, stage, int(res), [float(minutes) * 60], seed, n, options)
        done_s += rec["mark_s"]
        records.append(rec | {"mark_s": done_s, "resolution": int(res)})
        grown_from = stage / "model-0.safetensors"
    for name in ("samples-0.npz", "model-0.safetensors"):  # the last stage is the result
        shutil.copy(stage / name, out / name)
    return [records[-1] | {"images_shown": sum(r["images_shown"] for r in records)}]


def run_stage(args, folder, out, resolution, marks, seed, n, options) -> list[dict]:
    train_args = [
        *("--data", str(folder), "--out", str(out / "run")),
        *("--resolution", str(resolution), "--threads", str(args.threads)),
        *("--device", "cpu", "--seed", str(seed), "--kimg", "100000"),
        *("--log-every", "1", "--metric-every", "0"),  # this script measures; check every step
        *options,
    ]
    worker = ROOT / "benchmarks" / "quality_vs_peer.py"
    cmd = [sys.executable, str(worker), "_ganvas-worker", "--out", str(out)]
    cmd += ["--marks", ",".join(f"{m:g}" for m in marks), "--samples", str(n)]
    cmd += [f"--set={item}" for item in args.set.split()]
    cmd += ["--", *train_args]
    run_logged(cmd, thread_env(args.threads), out / "log.txt")
    return json.loads((out / "marks.json").read_text())


def record_runs(args) -> None:
    results = Path(args.results)
    results.parent.mkdir(parents=True, exist_ok=True)
    for name in [x for x in args.folders.split(",") if x]:
        folder = Path(args.bench) / name
        reals = load_folder(folder, args.resolution)
        ref = folder_reference(reals)
        n = len(reals)
        for arm in [x for x in args.arms.split(",") if x]:
            for seed in [int(x) for x in args.seeds.split(",")]:
                label = args.label or arm
                out = Path(args.work) / name / f"{label}-s{seed}"
                plan = f"stages {args.stages}" if args.stages else f"{args.minutes} min"
                log(f"{name}: {label} seed {seed}, {plan}, {n} images")
                for i, rec in enumerate(run_arm(args, folder, arm, args.extra, seed, n, out)):
                    fakes = np.load(out / f"samples-{i}.npz")["images"]
                    save_grid(fakes, out / f"grid-{i}.png")
                    row = (
                        {
                            "folder": name,
                            "held_back": name in HELD_BACK,
                            "arm": label,
                            "options": " ".join(
                                [ARMS.get(arm, ""), args.extra, args.set, args.stages]
                            ).strip(),
                            "seed": seed,
                            "minutes": rec["mark_s"] / 60,
                            "kimg": rec["images_shown"] / 1000,
                            "img_per_s": rec["img_per_s"],
                            "grid": str(out / f"grid-{i}.png"),
                            "date": time.strftime("%Y-%m-%d %H:%M"),
                        }
                        | score(reals, fakes)
                        | ref
                    )
                    with open(results, "a", encoding="utf-8") as f:
                        f.write(json.dumps(row) + "\n")
                    r = row["swd"]["swd_mean"] / ref["floor"]["swd_mean"]
                    log(f"  {rec['mark_s'] / 60:g} min: SWD/floor {r:.2f}, grid {row['grid']}")


def ratio_levels(row: dict) -> list[float]:
    keys = [k for k in row["floor"] if k != "swd_mean"] + ["swd_mean"]
    return [row["swd"][k] / row["floor"][k] for k in keys]


def report(args) -> str:
    rows = [json.loads(x) for x in Path(args.results).read_text().splitlines() if x.strip()]
    rows.sort(key=lambda r: (r["held_back"], r["folder"], r["minutes"], r["arm"], r["seed"]))
    lines = [
        "| folder | arm | seed | min | kimg | SWD ÷ floor: 64 / 32 / 16 px | mean | "
        "spread ÷ reals | nearest median / min (folder's own) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        *levels, mean = ratio_levels(r)
        folder = r["folder"] + (" (held back)" if r["held_back"] else "")
        lines.append(
            f"| {folder} | {r['arm']} | {r['seed']} | {r['minutes']:g} | {r['kimg']:.1f} | "
            + " / ".join(f"{x:.2f}" for x in levels)
            + f" | **{mean:.2f}** | {r['spread_ratio']:.2f} | "
            f"{r['nearest_median']:.3f} / {r['nearest_min']:.3f} "
            f"({r['nearest_other_median']:.3f}) |"
        )
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--bench", default=str(ROOT / "data" / "bench"), help="benchmark folders")
    p.add_argument("--folders", default="portraits,icons,clipart", help="comma list")
    p.add_argument("--arms", default="finetune,scratch", help=f"comma list of {', '.join(ARMS)}")
    p.add_argument("--label", default="", help="name this arm in the table (an ablation)")
    p.add_argument("--extra", default="", help="extra `main.py train` options for every arm")
    p.add_argument("--set", default="", help="TrainConfig fields the CLI lacks: 'a=1 b.c=2'")
    p.add_argument("--base", default=str(BASE), help="base model of the finetune arm")
    p.add_argument("--seeds", default="0,1")
    p.add_argument("--minutes", default="10,30", help="training minutes at which to sample")
    p.add_argument(
        "--stages",
        default="",
        help="a resolution curriculum instead of --minutes, e.g. 16:3,32:3,64:4 (px:minutes): "
        "each stage grows the previous one's model; the last stage is scored",
    )
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--resolution", type=int, default=64)
    p.add_argument("--work", default=str(ROOT / "runs" / "own-folders"))
    p.add_argument("--results", default=str(ROOT / "runs" / "own-folders" / "results.jsonl"))
    p.add_argument("--report", action="store_true", help="print/append the table and stop")
    p.add_argument("--no-record", action="store_true", help="with --report: print only")
    args = p.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    if not args.report:
        record_runs(args)
        return
    from benchmarks.common import append_result

    table = report(args)
    notes = (
        "SWD (×1e3, ProGAN's) ÷ the folder's floor (two disjoint halves of the folder), per "
        "level and mean; samples scored half against each half, so set sizes match the floor. "
        "Spread: the samples' layout spread ÷ the folder's (mode collapse < 1). Nearest: RMS "
        "pixel distance (32 px) from a sample to its nearest folder image; in brackets the "
        "folder's own median distance between different images (a sample far below it is a "
        "near-copy). 64 px, batch 16, 2 threads, one run at a time; minutes are training time "
        "(benchmarks.common.TrainingClock). Grids: runs/own-folders/<folder>/<arm>-s<seed>/."
    )
    if args.no_record:
        print(table + "\n\n" + notes)
    else:
        append_result("Own folders: quality after 10 and 30 minutes", table, notes)


if __name__ == "__main__":
    main()
