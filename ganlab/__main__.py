"""`python -m ganlab` is the same as the `ganlab` console script."""

from ganlab.cli import main

raise SystemExit(main())
