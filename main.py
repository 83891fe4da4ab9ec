"""Ganvas: no arguments opens the app; `train|generate|info|metrics …` run headless."""

import multiprocessing
import sys

CLI_COMMANDS = {
    "train",
    "generate",
    "info",
    "restore",
    "upscale",
    "interpolate",
    "export-onnx",
    "project",
    "metrics",
}


def main() -> int:
    argv = sys.argv[1:]
    if argv and argv[0] in ("-h", "--help"):
        print("usage: ganvas [--model PATH] [--screenshot OUT.png]   (opens the app)")
        print(f"       ganvas {{{','.join(sorted(CLI_COMMANDS))}}} …   (headless; -h for details)")
        return 0
    if argv and argv[0] in CLI_COMMANDS:
        from engine.cli import main as cli_main

        return cli_main(argv)
    from gui.app import run_app

    return run_app(argv)


if __name__ == "__main__":
    multiprocessing.freeze_support()  # PyInstaller bundles re-enter here in child processes
    sys.exit(main())
