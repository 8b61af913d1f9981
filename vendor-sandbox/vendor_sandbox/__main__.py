"""`python -m vendor_sandbox` runs the CLI."""

from .core.cli import main

raise SystemExit(main())
