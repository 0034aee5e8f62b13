"""The `toklon` command of the wheel: the same code as the `toklon` binary."""

import signal
import sys

from toklon._toklon import main as _main


def main() -> None:
    # Ctrl-C stops the run as it stops the binary (Python would wait for Rust to
    # return before raising KeyboardInterrupt).
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    sys.exit(_main(["toklon", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
