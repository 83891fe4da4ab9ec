"""Build the Ganvas bundle for this machine and wrap it as the platform's installer.

    python build/build.py                      # PyInstaller (build/ganvas.spec) + wrap
    python build/build.py --smoke OUT.png      # then start the bundle with --screenshot
    python build/build.py --skip-build --no-wrap --smoke OUT.png [--model M]   # test only
    python build/build.py --no-wrap  …sign the bundle…  python build/build.py --skip-build

Run it with the Python whose packages should be bundled (a venv holding `pip install .`,
pyinstaller and the torch build you want: CPU, CUDA or MPS). Outputs:

    build/dist/Ganvas/                         the onedir bundle (Ganvas.app too on macOS)
    build/dist/Ganvas-<version>-linux-<arch>[-<variant>].tar.gz      Linux (with ganvas.desktop,
                                                                     its icon and
                                                                     install-desktop-entry.sh)
    build/dist/Ganvas-<version>-windows-<arch>[-<variant>]-setup.exe Windows (Inno Setup's
                                                                     iscc, when installed)
    build/dist/Ganvas-<version>-macos-<arch>[-<variant>].dmg         macOS (hdiutil)

PyInstaller's scratch space is build/work. Both folders are ignored by git.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import tomllib

BUILD = Path(__file__).resolve().parent
ROOT = BUILD.parent
DIST = BUILD / "dist"
WORK = BUILD / "work"
SPEC = BUILD / "ganvas.spec"

IS_WIN = sys.platform == "win32"
IS_MAC = sys.platform == "darwin"

ISCC_CANDIDATES = [  # where `choco install innosetup` puts it
    Path(os.environ.get(var, default)) / "Inno Setup 6" / "ISCC.exe"
    for var, default in [
        ("PROGRAMFILES(X86)", r"C:\Program Files (x86)"),
        ("PROGRAMFILES", r"C:\Program Files"),
    ]
]


def project() -> tuple[str, str]:
    """(app name, version) from pyproject.toml, as the spec reads them."""
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return meta["name"].capitalize(), meta["version"]


def bundle_dir(dist: Path = DIST) -> Path:
    """The onedir bundle: build/dist/Ganvas (on macOS the .app wraps the same files)."""
    name, _ = project()
    return dist / (f"{name}.app" if IS_MAC else name)


def bundle_executable(dist: Path = DIST) -> Path:
    """The program to start inside the bundle."""
    name, _ = project()
    if IS_MAC:
        return dist / f"{name}.app" / "Contents" / "MacOS" / name
    return dist / name / (f"{name}.exe" if IS_WIN else name)


def folder_size(path: Path) -> int:
    """Bytes on disk under path, as `du` counts them (symlinks not followed)."""
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for f in files:
            total += os.lstat(os.path.join(dirpath, f)).st_size
    return total


def human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit in ("B", "KiB") else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError


def arch() -> str:
    m = platform.machine().lower()
    return {"amd64": "x86_64", "x64": "x86_64", "aarch64": "arm64"}.get(m, m)


def artefact_name(kind: str, variant: str) -> str:
    name, version = project()
    system = {"win32": "windows", "darwin": "macos"}.get(sys.platform, "linux")
    a = "x64" if IS_WIN and arch() == "x86_64" else arch()
    suffix = f"-{variant}" if variant else ""
    return f"{name}-{version}-{system}-{a}{suffix}{kind}"


def run_pyinstaller(clean: bool) -> None:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        sys.exit("build: PyInstaller is not installed in this Python; `pip install pyinstaller`")
    cmd = [
        sys.executable, "-m", "PyInstaller", str(SPEC), "--noconfirm",
        "--distpath", str(DIST), "--workpath", str(WORK),
    ]  # fmt: skip
    if clean:
        cmd.append("--clean")
    print("build:", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT)


def strip_torch_libraries(bundle: Path) -> None:
    """Linux: drop the symbol tables of torch's own libraries (libtorch_cpu: 415 → 345 MB).

    Only torch/lib: a blanket strip (PyInstaller's strip=True) corrupts the libraries that
    auditwheel patched, such as numpy.libs' OpenBLAS. The smoke test loads what is stripped.
    """
    strip = shutil.which("strip")
    if strip is None:
        print("build: no `strip` on PATH; torch's libraries keep their symbols")
        return
    libs = sorted(p for p in (bundle / "_internal" / "torch" / "lib").glob("*.so*") if p.is_file())
    before = sum(p.stat().st_size for p in libs)
    for lib in libs:
        subprocess.run([strip, str(lib)], check=True)
    after = sum(p.stat().st_size for p in libs)
    print(f"build: stripped torch/lib: {human(before)} → {human(after)}")


def linux_desktop_files() -> list[tuple[Path, str, int]]:
    """(file, name in the bundle folder, mode): the menu entry, its icon and the script that
    installs both for the user (a tarball cannot; the entry needs the folder's full path)."""
    return [
        (BUILD / "linux" / "ganvas.desktop", "ganvas.desktop", 0o644),
        (ROOT / "resources" / "icons" / "ganvas.png", "ganvas.png", 0o644),
        (BUILD / "linux" / "install-desktop-entry.sh", "install-desktop-entry.sh", 0o755),
    ]


def wrap_linux(variant: str, dist: Path = DIST) -> Path:
    out = dist / artefact_name(".tar.gz", variant)
    src = bundle_dir(dist)
    print(f"build: writing {out.name}", flush=True)
    with tarfile.open(out, "w:gz", compresslevel=6) as tar:
        tar.add(src, arcname=src.name)  # symlinks stay symlinks
        for path, name, mode in linux_desktop_files():
            info = tar.gettarinfo(path, arcname=f"{src.name}/{name}")
            info.mode = mode  # executable or not, whatever the checkout's file says
            with path.open("rb") as f:
                tar.addfile(info, f)
    return out


def find_iscc() -> Path | None:
    found = shutil.which("iscc") or shutil.which("ISCC")
    if found:
        return Path(found)
    return next((p for p in ISCC_CANDIDATES if p.is_file()), None)


def wrap_windows(variant: str) -> Path | None:
    iscc = find_iscc()
    if iscc is None:
        print("build: Inno Setup (iscc) not found; no installer written (choco install innosetup)")
        return None
    name, version = project()
    out = DIST / artefact_name("-setup.exe", variant)
    cmd = [
        str(iscc),
        f"/DAppName={name}",
        f"/DAppVersion={version}",
        f"/DSourceDir={bundle_dir()}",
        f"/DOutputDir={DIST}",
        f"/DOutputBaseFilename={out.stem}",
        f"/DIconFile={ROOT / 'resources' / 'icons' / 'ganvas.ico'}",
        str(BUILD / "windows" / "ganvas.iss"),
    ]
    print("build:", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)
    return out


def wrap_macos(variant: str) -> Path:
    name, _ = project()
    out = DIST / artefact_name(".dmg", variant)
    script = BUILD / "macos" / "make_dmg.sh"
    subprocess.run(["bash", str(script), str(bundle_dir()), str(out), name], check=True)
    return out


def smoke_test(out_png: Path, model: Path | None = None, timeout_s: float = 300) -> float:
    """Start the bundle with --screenshot; exit 0 and a non-blank PNG or SystemExit. Seconds."""
    exe = bundle_executable()
    if not exe.is_file():
        sys.exit(f"build: no bundle at {exe}; build it first")
    out_png = out_png.resolve()
    out_png.unlink(missing_ok=True)
    cmd = [str(exe), "--screenshot", str(out_png)]
    if model is not None:
        cmd += ["--model", str(Path(model).resolve())]
    env = dict(os.environ)
    if sys.platform.startswith("linux") and not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        env["QT_QPA_PLATFORM"] = "offscreen"
    print("smoke:", " ".join(cmd), flush=True)
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, timeout=timeout_s, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    print(proc.stdout[-4000:], proc.stderr[-4000:], sep="\n")
    if proc.returncode != 0:
        sys.exit(f"smoke: the bundle exited {proc.returncode} after {seconds:.1f} s")
    problem = screenshot_problem(out_png)
    if problem:
        sys.exit(f"smoke: {problem}")
    print(f"smoke: passed in {seconds:.1f} s; screenshot {out_png}")
    return seconds


def screenshot_problem(path: Path) -> str | None:
    """Why the screenshot is not a rendered window (None when it looks right)."""
    if not path.is_file():
        return f"no screenshot was written at {path}"
    from PIL import Image, ImageStat

    with Image.open(path) as im:
        rgb = im.convert("RGB")
    if rgb.width < 400 or rgb.height < 300:
        return f"screenshot is only {rgb.width}×{rgb.height} px"
    colours = rgb.getcolors(maxcolors=1 << 24) or []
    spread = max(ImageStat.Stat(rgb).stddev)
    if len(colours) < 2000 or spread < 10:  # a rendered grid has ~10⁵ colours
        return f"screenshot looks blank ({len(colours)} colours, std {spread:.1f})"
    return None


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--clean", action="store_true", help="drop PyInstaller's caches first")
    p.add_argument("--skip-build", action="store_true", help="use the bundle already built")
    p.add_argument("--no-wrap", action="store_true", help="no .tar.gz / setup .exe / .dmg")
    p.add_argument("--no-strip", action="store_true", help="Linux: keep torch's symbol tables")
    p.add_argument("--variant", default=os.environ.get("GANVAS_VARIANT", ""),
                   help="suffix for artefact names, e.g. cuda (default: none = CPU)")  # fmt: skip
    p.add_argument("--smoke", type=Path, metavar="OUT.png",
                   help="start the bundle with --screenshot OUT.png and check it")  # fmt: skip
    p.add_argument("--model", type=Path, help="model for --smoke (default: the bundled one)")
    args = p.parse_args()

    name, version = project()
    if not args.skip_build:
        started = time.perf_counter()
        run_pyinstaller(args.clean)
        print(f"build: PyInstaller took {time.perf_counter() - started:.0f} s")
        if sys.platform.startswith("linux") and not args.no_strip:
            strip_torch_libraries(bundle_dir())
    bundle = bundle_dir()
    if not bundle.exists():
        sys.exit(f"build: no bundle at {bundle}")
    print(f"build: {name} {version} bundle {bundle}  {human(folder_size(bundle))}")

    artefact = None
    if not args.no_wrap:
        if IS_WIN:
            artefact = wrap_windows(args.variant)
        elif IS_MAC:
            artefact = wrap_macos(args.variant)
        else:
            artefact = wrap_linux(args.variant)
    if artefact is not None:
        print(f"build: artefact {artefact}  {human(artefact.stat().st_size)}")
    if args.smoke is not None:
        smoke_test(args.smoke, args.model)


if __name__ == "__main__":
    main()
