"""Ganvas: no arguments opens the app; `train|generate|info|metrics …` run headless."""

import multiprocessing
import sys


def main() -> int:
    from engine.cli import COMMANDS  # the one list of command names; imports nothing heavy

    argv = sys.argv[1:]
    if argv and argv[0] in ("-h", "--help"):
        print("usage: ganvas [--model PATH] [--screenshot OUT.png]   (opens the app)")
        print(f"       ganvas {{{','.join(sorted(COMMANDS))}}} …   (headless; -h for details)")
        return 0
    if argv and argv[0] in COMMANDS:
        from engine.cli import main as cli_main

        return cli_main(argv)
    from gui.app import run_app

    return run_app(argv)


if __name__ == "__main__":
    multiprocessing.freeze_support()  # PyInstaller bundles re-enter here in child processes
    sys.exit(main())
