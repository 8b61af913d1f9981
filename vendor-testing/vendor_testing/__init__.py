"""Test helpers shared by every plugin's tests: sandbox and Meltano fixtures, Singer output helpers.

The pytest plugin (fixtures ``sandbox``, ``sandbox_factory``, ``meltano``) is registered through
the ``pytest11`` entry point; :mod:`vendor_testing.meltano_testing` runs the repository's Meltano
project in isolation; :mod:`vendor_testing.singer_testing` runs a tap as a process and reads its
messages. Direction: tests → vendor_testing → vendor_sandbox (the sandbox knows nothing of this).
"""

__version__ = "0.1.0"
