"""One package per emulated vendor, found by :mod:`vendor_sandbox.core.registry` (nothing lists them).

Each ``<name>/__init__.py`` defines ``VENDOR = VendorPlugin(name="<name>", ...)``; see the
README's "Adding a vendor" for the contract.
"""
