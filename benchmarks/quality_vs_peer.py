"""Quality per wall-clock against lightweight-gan: SWD to held-out images after 10 and 30 minutes.

Peer: lucidrains' lightweight-gan (PyPI `lightweight-gan`), the small-data trainer artists use.
It is installed into its own virtual environment (--peer-venv), never into Ganvas's, and as
shipped it runs only on CUDA, so this script copies the installed package to a private folder
(--peer-dir/patched) and redirects its device calls to the CPU there with a few plain text
substitutions (PEER_PATCHES below); none of the peer's code lives in this repository.
benchmarks/lightweight_gan_cpu_runner.py then trains it through its `Trainer` API.

One invocation:
1. composites the RGBA images onto white at --resolution (Ganvas's own loader), writes one
   shared RGB copy to --work, and splits it deterministically into train (2/3) and held-out;
2. trains Ganvas (the same config path as `python main.py train`, in a subprocess) and then
   the peer (lean config: fmap_max 64, no attention), one after the other, each with
   --threads CPU threads, batch --batch, sampling N = held-out count images at each mark of
   training time (--minutes); the clock covers building the model and reading the data and
   pauses while samples are drawn (Ganvas: the run is stopped, which writes its checkpoint,
   rendered from G_ema, and resumed; the resume's setup is not counted);
3. computes SWD (engine.metrics, ProGAN's) of each sample set against the held-out images, and
   the floor: the SWD between two disjoint halves of all real images;
4. prints a table and appends it to BENCHMARKS.md (unless --no-record).

Goal (issue): SWD ≤ 0.5× the peer's at 10 minutes, and ≤ 2× the floor at 30 minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PEER_PACKAGE = "lightweight-gan"
PEER_RUNNER = ROOT / "benchmarks" / "lightweight_gan_cpu_runner.py"
# (file, text, replacement): the device calls that tie the peer to CUDA, redirected to the CPU.
# Each text must occur in the installed version, or setup stops and says which one is gone.
PEER_PATCHES = [
    ("lightweight_gan.py", "assert torch.cuda.is_available()", "assert True"),
    ("lightweight_gan.py", "self.cuda(rank)", "self.cpu()"),
    ("lightweight_gan.py", ".cuda(self.rank)", ".cpu()"),
    ("lightweight_gan.py", "torch.device(f'cuda:{self.rank}')", "torch.device('cpu')"),
    ("lightweight_gan.py", "pin_memory = True", "pin_memory = False"),
]


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


# --- data ------------------------------------------------------------------------------------
def prepare_data(src: Path, work: Path, resolution: int, train_fraction: float, seed: int):
    """Write train/ and heldout/ RGB PNGs at `resolution`; return (train_dir, heldout_dir,
    train uint8 [N,3,R,R], held-out uint8 [M,3,R,R])."""
    from PIL import Image

    from engine.config import DataConfig
    from engine.dataset import ImageSkipped, load_image

    exts = {".png", ".jpg", ".jpeg", ".webp", ".bmp"}
    files = sorted(p for p in src.rglob("*") if p.suffix.lower() in exts)
    cfg = DataConfig(resolution=resolution)  # composites alpha onto white, Lanczos, centre crop
    arrays, names = [], []
    for path in files:
        try:
            arrays.append(load_image(path, cfg))
            names.append(path.stem)
        except ImageSkipped as exc:
            log(f"skipped {path.name}: {exc}")
    if len(arrays) < 8:
        raise SystemExit(f"too few images in {src}: {len(arrays)}")
    order = np.random.default_rng(seed).permutation(len(arrays))
    n_train = round(len(arrays) * train_fraction)
    split = {"train": order[:n_train], "heldout": order[n_train:]}
    out = {}
    for name, idx in split.items():
        folder = work / "data" / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for i in idx:
            Image.fromarray(arrays[i], "RGB").save(folder / f"{names[i]}.png")
        out[name] = np.stack([arrays[i] for i in idx]).transpose(0, 3, 1, 2).copy()
    return work / "data" / "train", work / "data" / "heldout", out["train"], out["heldout"]


# --- peer setup --------------------------------------------------------------------------------
def setup_peer(venv: Path, peer_dir: Path) -> tuple[Path, Path, str]:
    """Install the peer into its own venv (once) and make the CPU-patched private copy.
    Returns (python, folder to put first on PYTHONPATH, package version)."""
    python = venv / "bin" / "python"
    if not python.exists():
        log(f"creating the peer's virtual environment {venv}")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    probe = "import importlib.util as u; print(u.find_spec('lightweight_gan').origin)"
    found = subprocess.run([str(python), "-c", probe], capture_output=True, text=True)
    if found.returncode != 0:
        log(f"pip install {PEER_PACKAGE} into {venv} (torch may take a while)")
        pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", PEER_PACKAGE]
        subprocess.run(pip, check=True)
        found = subprocess.run([str(python), "-c", probe], capture_output=True, text=True)
        found.check_returncode()
    installed = Path(found.stdout.strip()).parent
    version = (installed / "version.py").read_text().split("=")[-1].strip().strip("'\"")
    patched_root = peer_dir / "patched"
    target = patched_root / "lightweight_gan"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(installed, target, ignore=shutil.ignore_patterns("__pycache__"))
    for name, old, new in PEER_PATCHES:
        path = target / name
        text = path.read_text()
        if old not in text:
            raise SystemExit(
                f"{PEER_PACKAGE} {version}: {name} no longer contains {old!r}; "
                "update PEER_PATCHES in benchmarks/quality_vs_peer.py"
            )
        path.write_text(text.replace(old, new))
    leftover = [
        f"{f.name}:{i}: {line.strip()}"
        for f in target.glob("*.py")
        for i, line in enumerate(f.read_text().splitlines(), 1)
        if ".cuda(" in line
    ]
    if leftover:
        log("note: CUDA calls left in the patched copy: " + "; ".join(leftover))
    log(f"{PEER_PACKAGE} {version}: CPU copy at {target} ({len(PEER_PATCHES)} substitutions)")
    return python, patched_root, version


# --- runs --------------------------------------------------------------------------------------
def thread_env(threads: int) -> dict[str, str]:
    env = dict(os.environ)
    for key in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[key] = str(threads)
    return env


def run_logged(cmd: list[str], env: dict[str, str], log_path: Path) -> None:
    log("$ " + " ".join(cmd))
    with open(log_path, "w") as f:
        proc = subprocess.run(
            cmd,
            env=env,
            cwd=ROOT,
            stdout=f,
            stderr=subprocess.STDOUT,
        )
    if proc.returncode != 0:
        tail = log_path.read_text()[-3000:]
        raise SystemExit(f"{cmd[1]} failed ({proc.returncode}); end of {log_path}:\n{tail}")


def run_ganvas(args, train_dir: Path, out: Path, marks: list[float], n: int) -> list[dict]:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    train_args = [
        "--data",
        str(train_dir),
        "--out",
        str(out / "run"),
        "--resolution",
        str(args.resolution),
        "--batch",
        str(args.batch),
        "--threads",
        str(args.threads),
        "--device",
        "cpu",
        "--kimg",
        "100000",  # never finishes: the clock ends it
        "--log-every",
        "1",  # a progress event per step, so the clock is checked every step
        *args.ganvas_args.split(),
    ]
    cmd = [sys.executable, str(Path(__file__).resolve()), "_ganvas-worker", "--out", str(out)]
    cmd += ["--marks", ",".join(f"{m:g}" for m in marks), "--samples", str(n)]
    cmd += [f"--set={item}" for item in args.ganvas_set.split()]
    cmd += ["--", *train_args]
    run_logged(cmd, thread_env(args.threads), out / "log.txt")
    return json.loads((out / "marks.json").read_text())


def run_peer(args, python: Path, patched: Path, train_dir: Path, out: Path, marks, n: int):
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    env = thread_env(args.threads)
    env["PYTHONPATH"] = str(patched)
    env.pop("PYTHONHOME", None)
    cmd = [str(python), str(PEER_RUNNER), "--data", str(train_dir), "--out", str(out)]
    cmd += ["--marks", ",".join(f"{m:g}" for m in marks), "--samples", str(n)]
    cmd += ["--threads", str(args.threads), "--image-size", str(args.resolution)]
    cmd += ["--batch-size", str(args.batch), "--grad-accum", str(args.peer_grad_accum)]
    cmd += ["--fmap-max", str(args.peer_fmap_max), "--attn-res-layers", args.peer_attn]
    cmd += ["--seed", str(args.seed)]
    if not args.peer_no_flush_denormal:
        cmd.append("--flush-denormal")
    run_logged(cmd, env, out / "log.txt")
    return json.loads((out / "marks.json").read_text())


# --- the Ganvas side, run as a subprocess of this file ----------------------------------------
def apply_override(cfg, item: str) -> None:
    """'ada_kimg=100' or 'model.mapping_layers=2': set a TrainConfig field the CLI lacks."""
    key, _, text = item.partition("=")
    *parents, name = key.split(".")
    target = cfg
    for part in parents:
        target = getattr(target, part)
    if not hasattr(target, name):
        raise SystemExit(f"--ganvas-set: no config field {key!r}")
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = text
    setattr(target, name, value)


def ganvas_worker(argv: list[str]) -> None:
    """Drive engine.training.train exactly as `main.py train` does, with a training clock.

    At each mark the run is stopped the way the GUI's Stop and the CLI's Ctrl+C stop it
    (closing the generator, which writes checkpoints/latest.pt), G_ema is rendered from the
    checkpoint, and the run is resumed from it; the time from the mark until the resumed
    run reports "Resumed" is not counted.
    """
    p = argparse.ArgumentParser(prog="quality_vs_peer.py _ganvas-worker")
    p.add_argument("--out", required=True)
    p.add_argument("--marks", required=True)
    p.add_argument("--samples", type=int, required=True)
    p.add_argument("--set", action="append", default=[], help="FIELD=JSON on TrainConfig")
    p.add_argument("train_args", nargs=argparse.REMAINDER)
    args = p.parse_args(argv)
    train_args = args.train_args[1:] if args.train_args[:1] == ["--"] else args.train_args

    from benchmarks.common import TrainingClock
    from engine.checkpoint import load_checkpoint
    from engine.cli import _train_config, build_parser
    from engine.config import ModelConfig
    from engine.dataset import scan_folder
    from engine.modelfile import save_model
    from engine.networks import Discriminator, Generator
    from engine.render import render_seeds
    from engine.training import train

    out = Path(args.out)
    marks = [float(x) for x in args.marks.split(",")]
    cfg = _train_config(build_parser().parse_args(["train", *train_args]))
    for item in args.set:
        apply_override(cfg, item)
    clock = TrainingClock()  # a SIGSTOP of this process does not count as training time
    dataset = scan_folder(cfg.data_dir, cfg.data)
    records: list[dict] = []
    last: dict = {}
    while len(records) < len(marks):
        gen = train(cfg, dataset)
        for event in gen:
            if event["kind"] == "status" and event["text"].startswith("Resumed"):
                clock.resume()
            if event["kind"] != "progress":
                continue
            last = event
            if clock.elapsed() >= marks[len(records)]:
                break
        else:
            raise SystemExit("training ended before the last mark; raise --kimg")
        elapsed = clock.elapsed()
        clock.pause()
        gen.close()  # writes checkpoints/latest.pt
        state = load_checkpoint(Path(cfg.run_dir) / "checkpoints" / "latest.pt")
        mcfg = ModelConfig.from_dict(state["config"]["model"])
        G = Generator(mcfg)
        G.load_state_dict(state["G_ema"])
        G.eval().requires_grad_(False)
        shown = int(state["nimg"])
        fade = _fade_at(cfg, mcfg.resolution, shown)
        G.synthesis.fade = fade
        images = render_seeds(G, range(args.samples)).transpose(0, 3, 1, 2)[:, :3]
        np.savez_compressed(out / f"samples-{len(records)}.npz", images=images)
        D = Discriminator(mcfg)
        D.load_state_dict(state["D"])
        # the model at this mark, for a curriculum's next stage (grown from it)
        save_model(out / f"model-{len(records)}.safetensors", G, D, info={"fade": fade})
        records.append(
            {
                "mark_s": marks[len(records)],
                "train_s": round(elapsed, 2),
                "steps": int(state["step"]),
                "images_shown": shown,
                "img_per_s": round(shown / elapsed, 3),
                "aug_p": last.get("aug_p"),
                "stopped_s": round(clock.stopped_s, 1),
            }
        )
        print(json.dumps(records[-1]), flush=True)
        del state, G
    (out / "marks.json").write_text(json.dumps(records, indent=2))


def _fade_at(cfg, resolution: int, nimg: int) -> float:
    """How far a run that grew its base has faded its new top layers in (1 when not growing)."""
    from engine.modelfile import load_model

    if not cfg.base_model or load_model(cfg.base_model).config.resolution >= resolution:
        return 1.0
    return min(1.0, nimg / max(cfg.fade_kimg * 1000, 1.0))


# --- evaluation and report --------------------------------------------------------------------
def swd(real: np.ndarray, fake: np.ndarray) -> dict[str, float]:
    import torch

    from engine.metrics import sliced_wasserstein_distance

    return sliced_wasserstein_distance(torch.from_numpy(real), torch.from_numpy(fake), seed=0)


def save_grid(images: np.ndarray, path: Path, count: int = 64) -> None:
    from PIL import Image

    from engine.render import tile

    Image.fromarray(tile(images[:count].transpose(0, 2, 3, 1), pad=2)).save(path)


def fmt_levels(d: dict[str, float]) -> str:
    return " / ".join(f"{v:.1f}" for k, v in d.items() if k != "swd_mean")


def main() -> None:
    if sys.argv[1:2] == ["_ganvas-worker"]:
        ganvas_worker(sys.argv[2:])
        return
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--data", default=str(ROOT / "data" / "emoji"), help="image folder")
    p.add_argument("--work", default="/tmp/ganvas-quality-vs-peer", help="scratch folder")
    p.add_argument("--peer-dir", default="/work/peer", help="where the patched copy goes")
    p.add_argument("--peer-venv", help="the peer's venv (default: PEER_DIR/venv)")
    p.add_argument("--minutes", default="10,30", help="training minutes at which to sample")
    p.add_argument(
        "--peer-minutes",
        default="10",
        help="the peer's marks (the goal compares with it at 10 min only); '' = --minutes",
    )
    p.add_argument("--threads", type=int, default=2, help="CPU threads for each trainer")
    p.add_argument("--resolution", type=int, default=64)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--train-fraction", type=float, default=2 / 3)
    p.add_argument("--seed", type=int, default=0, help="split, init and sample seed")
    p.add_argument("--trainers", default="ganvas,peer", help="which to run (comma list)")
    p.add_argument("--ganvas-args", default="", help="extra `main.py train` args, quoted")
    p.add_argument(
        "--ganvas-set",
        default="",
        help="TrainConfig fields the CLI lacks, e.g. 'ada_kimg=100 model.mapping_layers=2'",
    )
    p.add_argument("--peer-fmap-max", type=int, default=64)
    p.add_argument("--peer-attn", default="", help="attn_res_layers, e.g. 32; '' = none")
    p.add_argument("--peer-grad-accum", type=int, default=1, help="1: optimizer batch = --batch")
    p.add_argument(
        "--peer-no-flush-denormal", action="store_true", help="leave denormals on for the peer"
    )
    p.add_argument("--no-record", action="store_true", help="do not append to BENCHMARKS.md")
    args = p.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from benchmarks.common import append_result

    marks = [float(m) * 60 for m in args.minutes.split(",")]
    peer_marks = [float(m) * 60 for m in (args.peer_minutes or args.minutes).split(",")]
    trainers = [t.strip() for t in args.trainers.split(",") if t.strip()]
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    if "peer" in trainers:  # before any training, so a broken install fails fast
        venv = Path(args.peer_venv or Path(args.peer_dir) / "venv")
        python, patched, peer_version = setup_peer(venv, Path(args.peer_dir))
    train_dir, _, train, heldout = prepare_data(
        Path(args.data), work, args.resolution, args.train_fraction, args.seed
    )
    n = len(heldout)
    log(f"{len(train)} training and {n} held-out images at {args.resolution} px in {work}")

    results: dict[str, list[dict]] = {}
    for name in trainers:
        out = work / name
        minutes = (args.peer_minutes or args.minutes) if name == "peer" else args.minutes
        log(f"training {name} for {minutes} min with {args.threads} threads")
        if name == "ganvas":
            records = run_ganvas(args, train_dir, out, marks, n)
        elif name == "peer":
            records = run_peer(args, python, patched, train_dir, out, peer_marks, n)
        else:
            raise SystemExit(f"unknown trainer {name!r} (ganvas, peer)")
        for i, rec in enumerate(records):
            fake = np.load(out / f"samples-{i}.npz")["images"]
            rec["swd"] = swd(heldout, fake)
            save_grid(fake, out / f"grid-{i}.png")
            log(f"{name} at {rec['train_s']:.0f} s: SWD {rec['swd']['swd_mean']:.2f}")
        results[name] = records

    everything = np.concatenate([train, heldout])
    order = np.random.default_rng(args.seed + 1).permutation(len(everything))
    half = len(everything) // 2
    floor = swd(everything[order[:half]], everything[order[half:]])
    same_n = swd(heldout, train[np.random.default_rng(args.seed + 2).permutation(len(train))[:n]])

    peer_name = f"lightweight-gan (fmap_max {args.peer_fmap_max}, attn [{args.peer_attn}])"
    labels = {"ganvas": "Ganvas (defaults)", "peer": peer_name}
    rows = [
        "| trainer | minutes | trained s | steps | kimg | img/s | SWD mean | SWD 64/32/16 px |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, records in results.items():
        for rec in records:
            rows.append(
                f"| {labels[name]} | {rec['mark_s'] / 60:g} | {rec['train_s']:.0f} "
                f"| {rec['steps']} | {rec['images_shown'] / 1000:.2f} | {rec['img_per_s']:.2f} "
                f"| {rec['swd']['swd_mean']:.2f} | {fmt_levels(rec['swd'])} |"
            )
    rows.append(
        f"| floor: two halves of all reals ({half} vs {len(everything) - half}) | | | | | "
        f"| {floor['swd_mean']:.2f} | {fmt_levels(floor)} |"
    )
    rows.append(
        f"| reference: {n} training vs {n} held-out reals | | | | | "
        f"| {same_n['swd_mean']:.2f} | {fmt_levels(same_n)} |"
    )
    ratio_rows = []
    if "ganvas" in results:
        peer_at = {rec["mark_s"]: rec["swd"]["swd_mean"] for rec in results.get("peer", [])}
        for rec in results["ganvas"]:
            line = f"- at {rec['mark_s'] / 60:g} min: Ganvas / floor = "
            line += f"{rec['swd']['swd_mean'] / floor['swd_mean']:.2f}"
            if rec["mark_s"] in peer_at:
                line += f"; Ganvas / peer = {rec['swd']['swd_mean'] / peer_at[rec['mark_s']]:.2f}"
            ratio_rows.append(line)
    table = "\n".join(rows)
    if ratio_rows:
        table += "\n\n" + "\n".join(ratio_rows)
    total_min = (time.perf_counter() - started) / 60
    notes = (
        f"SWD (×1e3, ProGAN's, engine.metrics) of {n} generated images against the {n} held-out "
        f"images ({len(train)} trained on; {args.resolution} px, alpha composited onto white; "
        f"batch {args.batch}, {args.threads} threads each, trained one after the other). "
        "Goal: Ganvas / peer ≤ 0.5 at 10 min and Ganvas / floor ≤ 2 at 30 min. "
        "Trained seconds include building the model and reading the data; sampling is not "
        "counted. Ganvas samples come from G_ema, the peer's from G (its EMA starts only "
        "after 20k steps). "
    )
    if "peer" in results:
        notes += (
            f"Peer: {PEER_PACKAGE} {peer_version} from PyPI in its own venv, device calls "
            f"redirected to the CPU in a private copy; its CLI defaults otherwise, with "
            f"gradient_accumulate_every {args.peer_grad_accum}, num_workers 0"
            f"{'' if args.peer_no_flush_denormal else ', denormals flushed as Ganvas does'}. "
        )
    notes += f"Whole run: {total_min:.0f} min."
    print("\n" + table + "\n\n" + notes)
    (work / "results.json").write_text(
        json.dumps({"results": results, "floor": floor, "same_n": same_n}, indent=2)
    )
    if args.no_record:
        log("--no-record: not appended to BENCHMARKS.md")
    else:
        append_result("Quality per wall-clock vs lightweight-gan (CPU)", table, notes)


if __name__ == "__main__":
    main()
