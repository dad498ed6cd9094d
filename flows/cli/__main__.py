"""``python -m flows.cli``: the storepulse command, for a process started without its script."""

from flows.cli import main

main()
