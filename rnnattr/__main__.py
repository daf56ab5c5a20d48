"""``python -m rnnattr``: see :mod:`rnnattr.cli`."""
from rnnattr.cli import main

raise SystemExit(main())
