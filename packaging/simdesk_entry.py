"""The bundle's program: the ``simdesk`` command, frozen by PyInstaller (see simdesk.spec)."""

import multiprocessing
import sys

if __name__ == "__main__":
    # A frozen program is its own Python: a child that multiprocessing spawns runs this file
    # again, and freeze_support() turns it into that child instead of a second app.
    multiprocessing.freeze_support()
    from simdesk.cli import main

    sys.exit(main())
