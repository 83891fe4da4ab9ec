"""Ganvas: no arguments opens the app; `train|generate|info …` run headless."""

import multiprocessing
import sys

CLI_COMMANDS = {"train", "generate", "info"}


def main() -> int:
    argv = sys.argv[1:]
    if argv and argv[0] in CLI_COMMANDS | {"-h", "--help"} and not argv[0].startswith("--m"):
        if argv[0] in ("-h", "--help"):
            print("usage: ganvas [--model PATH] [--screenshot OUT.png]  (opens the app)")
            print("       ganvas {train,generate,info} …  (headless; add -h for details)")
            return 0
        from engine.cli import main as cli_main

        return cli_main(argv)
    from gui.app import run_app

    return run_app(argv)


if __name__ == "__main__":
    multiprocessing.freeze_support()  # PyInstaller bundles re-enter here in child processes
    sys.exit(main())
