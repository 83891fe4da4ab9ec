"""Build the training set of a base model that transfers: many kinds of imagery, none of them
from the own-folder benchmark's packages (so its held-back rows stay honest).

A base fine-tuned on an artist's folder has less to unlearn the nearer its pictures are to the
folder (engine/bases.py measures that); emoji alone are near to icons and clip art, far from
photos and paintings. This set mixes, from Debian packages (fetched with `apt-get download`,
unpacked with `dpkg-deb -x`, nothing installed; SOURCE.json per kind with package, version,
.deb SHA-256, licence and files):

kind        what                                    package                        licence
emoji       every Noto Color Emoji glyph            fonts-noto-color-emoji 2.042   Apache-2.0, OFL
sprites     cartoon game creatures and objects      supertux-data 0.6.3-2          GPL-3+
renders     3D-rendered robot portraits and items   freedroidrpg-data 1.0-1        GPL-2+
buildings   painted city buildings and wonders      freeciv-data 3.0.6-1+deb12u1   GPL-2+
photos      crops of photos and digital paintings   plasma-workspace-wallpapers    GPL-2+
                                                    4:5.27.5-2
textures    painted ground and sky textures         pingus-data 0.7.6-5.1          GPL-2+
warriors    painted unit portraits (people, horses,  0ad-data 0.0.26-1              CC-BY-SA-3.0
            ships, siege engines; dark backgrounds)
faces       painted character portraits (busts)     flare-game 1.14-1              CC-BY-SA-3.0+

`--kinds` picks some of them: the "figures" base (fine-tuned from the all-emoji base on
`--kinds sprites,renders,buildings,warriors,faces`) leaves out the photos and textures, whose
pictures fill the frame; artists' folders mostly hold figures and objects on a plain ground.

Not used: wesnoth-1.16-data, oxygen-icon-theme, openclipart-png, tuxpaint-stamps-default (the
benchmark's folders come from them).

    python scripts/build_base_dataset.py [--out data/base-set]
    python scripts/train_default_model.py --data data/base-set ...   # then train the base on it
                                        # (the full command: that script's docstring)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts import build_default_dataset  # noqa: E402
from scripts.build_benchmark_folders import FolderSpec, build_folder, fetch_package, log  # noqa: E402

ZERO_AD = "art/textures/ui/session/portraits"
SUPERTUX = "usr/share/games/supertux2/images"
FREEDROID = "usr/share/freedroidrpg/data/graphics"
KINDS = [
    FolderSpec(
        "sprites",
        "cartoon game creatures, objects and power-ups",
        "supertux-data",
        "0.6.3-2",
        "GPL-3+ (debian/copyright: Files: * Copyright: 2003-2021 SuperTux Devel Team)",
        (f"{SUPERTUX}/creatures/**/*.png", f"{SUPERTUX}/objects/**/*.png"),
        limit=400,
    ),
    FolderSpec(
        "renders",
        "3D-rendered robot portraits and inventory items",
        "freedroidrpg-data",
        "1.0-1",
        "GPL-2+ (debian/copyright: Files: * License: GPL-2+)",
        (f"{FREEDROID}/droids/**/portrait*.png", f"{FREEDROID}/items/**/*.png"),
        limit=300,
    ),
    FolderSpec(
        "buildings",
        "painted city buildings and wonders",
        "freeciv-data",
        "3.0.6-1+deb12u1",
        "GPL-2+ (debian/copyright: Files: * Copyright: The Freeciv project)",
        ("usr/share/games/freeciv/buildings/*.png", "usr/share/games/freeciv/wonders/*.png"),
    ),
    FolderSpec(
        "photos",
        "square crops of KDE's wallpapers: photos of nature and digital paintings",
        "plasma-workspace-wallpapers",
        "4:5.27.5-2",
        "GPL-2+ (debian/copyright: Files: * Copyright: 2014 KDE Visual Design Group)",
        ("usr/share/wallpapers/*/contents/images/*.*",),
        one_per_folder=True,
        crops=10,
    ),
    FolderSpec(
        "textures",
        "painted ground and background textures",
        "pingus-data",
        "0.7.6-5.1",
        "GPL-2+ (debian/copyright: Copyright (C) 1999-2007 Ingo Ruhnke and others)",
        ("usr/share/games/pingus/data/images/textures/*.*",),
        crops=3,
    ),
    FolderSpec(
        "warriors",
        "painted unit portraits: soldiers, riders, civilians, ships and siege engines",
        "0ad-data",
        "0.0.26-1",
        "CC-BY-SA-3.0 (debian/copyright: Files: * Copyright: 2010 Wildfire Games)",
        (f"{ZERO_AD}/units/*.dds", f"{ZERO_AD}/units/*/*.dds", f"{ZERO_AD}/gaia/*.dds"),
        inner_zip="usr/share/games/0ad/mods/public/public.zip",
    ),
    FolderSpec(
        "faces",
        "painted character portraits (head and shoulders)",
        "flare-game",
        "1.14-1",
        "CC-BY-SA-3.0+ (debian/copyright: Files: * Copyright: 2012-2021 Clint Bellanger and "
        "others)",
        ("usr/share/games/flare/mods/*/images/portraits/*.png",),
    ),
]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--out", default=str(ROOT / "data" / "base-set"))
    p.add_argument("--cache", default=str(ROOT / "data" / "debs"), help=".deb download cache")
    p.add_argument("--max-side", type=int, default=256, help="longer side of the saved images")
    p.add_argument("--seed", type=int, default=0)
    names = ["emoji"] + [k.name for k in KINDS]
    p.add_argument("--kinds", default=",".join(names), help=f"comma list of {', '.join(names)}")
    args = p.parse_args(argv)
    kinds = set(args.kinds.split(","))
    if kinds - set(names):
        p.error(f"unknown kinds: {', '.join(sorted(kinds - set(names)))}")
    out = Path(args.out)
    total = 0
    if "emoji" in kinds:
        build_default_dataset.main(["--out", str(out / "emoji")])
        total = len(list((out / "emoji").glob("*.png")))
    for spec in (k for k in KINDS if k.name in kinds):
        root, sha = fetch_package(spec.package, spec.version, Path(args.cache))
        total += build_folder(spec, root, sha, out, args.max_side, args.seed)
    log(f"{total} images in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
