"""``python -m simdesk``: the same as the ``simdesk`` command (the desktop app by default,
sub-commands as ``simdesk --help`` lists them)."""

import sys

from simdesk.cli import main

sys.exit(main())
