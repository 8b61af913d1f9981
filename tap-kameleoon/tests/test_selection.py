"""What the tap uses itself does not depend on what the user selected in the catalog."""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

from kameleoon_helpers import TAP, run_tap, tap_config

from vendor_testing.singer_testing import parse_messages, write_json


def discovered_catalog(config: dict) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        args = [*TAP, "--config", str(write_json(config, Path(tmp), "config.json")), "--discover"]
        result = subprocess.run(args, capture_output=True, text=True, timeout=60, check=True)
    return json.loads(result.stdout)


def deselect(catalog: dict, stream: str, field: str) -> dict:
    for entry in catalog["streams"]:
        if entry["tap_stream_id"] != stream:
            continue
        for item in entry["metadata"]:
            if item["breadcrumb"] == ["properties", field]:
                item["metadata"]["selected"] = False
    return catalog


def test_deselecting_the_site_code_leaves_the_tap_its_list_of_sites(fast_sandbox) -> None:
    config = tap_config(fast_sandbox)
    catalog = deselect(discovered_catalog(config), "sites", "code")
    with tempfile.TemporaryDirectory() as tmp:
        args = [
            *TAP,
            "--config",
            str(write_json(config, Path(tmp), "config.json")),
            "--catalog",
            str(write_json(catalog, Path(tmp), "catalog.json")),
        ]
        result = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    messages = parse_messages(result.stdout)

    assert result.returncode == 0, result.stderr
    sites = [m["record"] for m in messages if m["type"] == "RECORD" and m["stream"] == "sites"]
    known = fast_sandbox.kameleoon.data.sites(0)
    assert sorted(site["id"] for site in sites) == sorted(site["id"] for site in known)
    assert all("code" not in site for site in sites)  # deselected: not emitted
    # ... but the tap still knows every site's code: the audience rows name it.
    audience = [m["record"] for m in messages if m["type"] == "RECORD" and m["stream"] == "audience_global_stats"]
    assert {row["siteCode"] for row in audience} == {site["code"] for site in known}
    # The same run without a catalog emits the codes.
    plain = run_tap(config)
    assert {site["code"] for site in plain.records("sites")} == {site["code"] for site in known}
