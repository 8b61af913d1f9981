"""`python -m vendor_sandbox` runs the CLI."""

from .cli import main

raise SystemExit(main())
