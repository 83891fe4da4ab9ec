"""Build the own-folder quality benchmark: five folders of artist-like images from Debian packages.

Each folder is one kind of imagery an artist might bring, none of it emoji (the bundled model's
data). The packages are fetched with `apt-get download` and unpacked with `dpkg-deb -x` into a
cache folder (nothing is installed); each folder gets SOURCE.json with the package, version,
.deb SHA-256, licence and the files picked.

folder     kind                               package (Debian 12)                   licence
portraits  painted character portraits        wesnoth-1.16-data 1:1.16.9-1          GPL-2+
icons      glossy application/place icons     oxygen-icon-theme 5:5.103.0-1         LGPL-3+
clipart    vector clip art of animals         openclipart-png 1:0.18+dfsg-19        public domain
units      painted game sprites (units)       wesnoth-1.16-data 1:1.16.9-1          GPL-2+
stamps     photo and cartoon stamps for kids  tuxpaint-stamps-default 2022.06.04-1  GPL-2

Held back (decided before the first experiment, never used for a tuning decision): **units**
and **stamps**. HELD_BACK below is what benchmarks/own_folders.py reads.

Images are written as PNG with their alpha kept (Ganvas composites it onto white), scaled down
(Lanczos) so the longer side is at most --max-side; the pick is deterministic (sorted paths,
then a seeded sample where a folder caps the count).

    python scripts/build_benchmark_folders.py [--out data/bench] [--cache data/debs]
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import random
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
HELD_BACK = ("units", "stamps")


@dataclass(frozen=True)
class FolderSpec:
    name: str
    kind: str
    package: str
    version: str
    licence: str
    globs: tuple[str, ...]  # relative to the unpacked package root
    exclude: tuple[str, ...] = ()  # substrings of paths to leave out
    stem_pattern: str = ""  # file stems must match this whole, when set
    limit: int = 600
    min_side: int = 48
    # > 0: that many random square crops of each image (photos, wallpapers) instead of the whole
    crops: int = 0
    one_per_folder: bool = False  # only each folder's largest file (one picture, many sizes)
    # a zip inside the package (a game's data archive): the globs then match its members, which
    # are extracted once beside it
    inner_zip: str = ""


WESNOTH = "usr/share/games/wesnoth/1.16/data/core/images"
FOLDERS = [
    FolderSpec(
        "portraits",
        "painted character portraits (digital painting, transparent background)",
        "wesnoth-1.16-data",
        "1:1.16.9-1",
        "GPL-2+ (Battle for Wesnoth artwork; debian/copyright: 'GNU General Public License "
        "version 2 or at your option any later version')",
        (f"{WESNOTH}/portraits/**/*.png",),
        exclude=("/transparent/",),
    ),
    FolderSpec(
        "icons",
        "glossy desktop icons (apps, places, devices)",
        "oxygen-icon-theme",
        "5:5.103.0-1",
        "LGPL-3+ (debian/copyright: Files: * License: LGPL-3+)",
        (
            "usr/share/icons/oxygen/base/128x128/apps/*.png",
            "usr/share/icons/oxygen/base/128x128/places/*.png",
            "usr/share/icons/oxygen/base/128x128/devices/*.png",
        ),
    ),
    FolderSpec(
        "clipart",
        "vector clip art of animals, rendered to PNG",
        "openclipart-png",
        "1:0.18+dfsg-19",
        "Public domain (Creative Commons Public Domain Dedication, debian/copyright)",
        ("usr/share/openclipart/png/animals/**/*.png",),
    ),
    FolderSpec(
        "units",
        "painted game sprites of fantasy units (standing poses)",
        "wesnoth-1.16-data",
        "1:1.16.9-1",
        "GPL-2+ (Battle for Wesnoth artwork, as above)",
        (f"{WESNOTH}/units/**/*.png",),
        # the base sprite of each unit (spearman.png), not its animation frames
        # (spearman-attack-1.png …), which would be near-duplicates
        stem_pattern=r"[a-z_]+",
        min_side=60,
    ),
    FolderSpec(
        "stamps",
        "children's paint-program stamps: photos and cartoons of animals, food, plants, vehicles",
        "tuxpaint-stamps-default",
        "2022.06.04-1",
        "GPL-2 (debian/copyright: Files: * License: GPL-2)",
        tuple(
            f"usr/share/tuxpaint/stamps/{c}/**/*.png"
            for c in ("animals", "food", "plants", "vehicles", "town", "household")
        ),
    ),
]


def log(text: str) -> None:
    print(text, flush=True)


def fetch_package(name: str, version: str, cache: Path) -> tuple[Path, str]:
    """Download the .deb (once) and unpack it; return (unpacked root, SHA-256 of the .deb)."""
    cache.mkdir(parents=True, exist_ok=True)
    debs = sorted(cache.glob(f"{name}_*.deb"))
    if not debs:
        log(f"apt-get download {name}={version}")
        subprocess.run(["apt-get", "download", f"{name}={version}"], cwd=cache, check=True)
        debs = sorted(cache.glob(f"{name}_*.deb"))
    deb = debs[-1]
    root = cache / "unpacked" / name
    if not root.exists():
        log(f"unpacking {deb.name}")
        tmp = root.parent / f"{name}.tmp"  # not with_suffix: "wesnoth-1.16-data" has dots
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["dpkg-deb", "-x", str(deb), str(tmp)], check=True)
        tmp.rename(root)
    return root, hashlib.sha256(deb.read_bytes()).hexdigest()


def unzip_members(spec: FolderSpec, root: Path) -> Path:
    """The members of spec.inner_zip that its globs match, extracted (once per folder spec, so
    two specs reading one archive do not share a stale pick) into a folder beside the archive;
    → that folder, the root the globs then apply to."""
    out = root / f"{spec.inner_zip}.{spec.name}"
    if not out.exists():
        tmp = out.parent / f"{out.name}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        with zipfile.ZipFile(root / spec.inner_zip) as archive:
            for name in archive.namelist():
                if any(fnmatch.fnmatch(name, g) for g in spec.globs):
                    archive.extract(name, tmp)
        tmp.rename(out)
    return out


def pick_files(spec: FolderSpec, root: Path, seed: int) -> list[Path]:
    files = sorted({p for g in spec.globs for p in root.glob(g) if p.is_file()})
    files = [p for p in files if not any(x in str(p.relative_to(root)) for x in spec.exclude)]
    if spec.stem_pattern:
        files = [p for p in files if re.fullmatch(spec.stem_pattern, p.stem)]
    if spec.one_per_folder:
        largest = {}
        for p in files:
            if p.parent not in largest or p.stat().st_size > largest[p.parent].stat().st_size:
                largest[p.parent] = p
        files = sorted(largest.values())
    if len(files) > spec.limit:
        files = sorted(random.Random(f"{seed}-{spec.name}").sample(files, spec.limit))
    return files


def shrunk(im: Image.Image, max_side: int) -> Image.Image:
    scale = max_side / max(im.size)
    if scale >= 1:
        return im
    size = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
    return im.resize(size, Image.LANCZOS)


def square_crops(im: Image.Image, n: int, seed: str) -> list[Image.Image]:
    """n square crops of 35-70 % of the shorter side at random places: the many pictures a
    wallpaper holds (a whole one, squashed to 64 px, is a blur of colour)."""
    rng = random.Random(seed)
    crops = []
    for _ in range(n):
        side = int(min(im.size) * rng.uniform(0.35, 0.7))
        x, y = rng.randint(0, im.width - side), rng.randint(0, im.height - side)
        crops.append(im.crop((x, y, x + side, y + side)))
    return crops


def build_folder(spec: FolderSpec, root: Path, sha: str, out: Path, max_side: int, seed: int):
    folder = out / spec.name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    kept, skipped = [], []
    if spec.inner_zip:
        root = unzip_members(spec, root)
    for i, path in enumerate(pick_files(spec, root, seed)):
        rel = str(path.relative_to(root))
        try:
            with Image.open(path) as im:
                im = im.convert("RGBA")
                if min(im.size) < spec.min_side:
                    skipped.append({"file": rel, "why": f"smaller than {spec.min_side} px"})
                    continue
                if im.getchannel("A").getbbox() is None:
                    skipped.append({"file": rel, "why": "fully transparent"})
                    continue
                pieces = square_crops(im, spec.crops, f"{seed}-{rel}") if spec.crops else [im]
                for j, piece in enumerate(pieces):
                    name = f"{i:04d}-{path.stem[:40]}" + (f"-{j}" if spec.crops else "") + ".png"
                    shrunk(piece, max_side).save(folder / name)
                    kept.append({"file": rel, "saved_as": name})
        except OSError as exc:
            skipped.append({"file": rel, "why": str(exc)})
    source = {
        "folder": spec.name,
        "kind": spec.kind,
        "package": spec.package,
        "version": spec.version,
        "deb_sha256": sha,
        "licence": spec.licence,
        "held_back": spec.name in HELD_BACK,
        "images": len(kept),
        "files": kept,
        "skipped": skipped,
    }
    (folder / "SOURCE.json").write_text(json.dumps(source, indent=1))
    log(f"{spec.name}: {len(kept)} images ({len(skipped)} skipped) from {spec.package}")
    return len(kept)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--out", default=str(ROOT / "data" / "bench"))
    p.add_argument("--cache", default=str(ROOT / "data" / "debs"), help=".deb download cache")
    p.add_argument("--max-side", type=int, default=256, help="longer side of the saved images")
    p.add_argument("--seed", type=int, default=0, help="seed of the pick where a folder is capped")
    p.add_argument("--only", default="", help="comma list of folder names")
    args = p.parse_args(argv)
    wanted = {x for x in args.only.split(",") if x}
    out = Path(args.out)
    for spec in FOLDERS:
        if wanted and spec.name not in wanted:
            continue
        root, sha = fetch_package(spec.package, spec.version, Path(args.cache))
        n = build_folder(spec, root, sha, out, args.max_side, args.seed)
        if not 100 <= n <= 600:
            log(f"warning: {spec.name} has {n} images, outside the benchmark's 100-600")
    return 0


if __name__ == "__main__":
    sys.exit(main())
