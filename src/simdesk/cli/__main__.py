"""``python -m simdesk.cli``: the same as the ``simdesk`` command."""

import sys

from simdesk.cli import main

sys.exit(main())
