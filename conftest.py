"""Suite-wide pytest hooks (the fixtures come from vendor-sandbox's pytest plugin)."""

from __future__ import annotations

import pytest

# The real `meltano run` tests take the longest by far (processes, the documented rate
# limits): started first, the parallel workers of `make test` (pytest-xdist, one file
# per worker at a time) finish together instead of waiting for one started last.
LONGEST_FIRST = (
    "test_meltano_e2e.py",
    # meltano.yml's jobs and accounts (tests/): several `meltano run`s each.
    "test_meltano_accounts.py",
    "test_meltano_jobs.py",
    "test_one_voice_meltano.py",
    # Publishing (tests/): builds, fresh environments on three Pythons, a fresh Meltano project.
    "test_install_from_artifacts.py",
    "test_meltano_from_hub.py",
    "test_readme_recipe.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.path.name not in LONGEST_FIRST)
