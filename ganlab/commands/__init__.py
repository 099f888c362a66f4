"""Sub-commands of the `ganlab` CLI; each module exposes register(subparsers)."""
