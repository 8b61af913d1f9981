"""Kill the target mid-run, resume from the state it emitted: nothing imported twice, nothing lost."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

from calltouch_helpers import canonical, flat_plan, flat_to_item, run_target, states, target_config, write_messages

ROWS, STATE_EVERY = 500, 100


def wait_for_third_import(sandbox, deadline: float = 30.0) -> None:
    """Until import 3 (the one that never finishes) has been created at the sandbox."""
    end = time.monotonic() + deadline
    while len(sandbox.calltouch.import_log()) < 3 and time.monotonic() < end:
        time.sleep(0.01)


def test_killed_run_resumes_from_the_last_state_it_emitted(sandbox_factory, tmp_path):
    sandbox = sandbox_factory(calltouch_import_seconds=0)
    sandbox.calltouch.configure(import_outcome="never", outcome_from=3)  # import 3 hangs until killed
    records = [flat_plan(n) for n in range(ROWS)]
    messages = write_messages(tmp_path / "all.singer", records, state_every=STATE_EVERY)
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(target_config(sandbox, max_imports_in_flight=1)), encoding="utf-8")

    command = [sys.executable, "-m", "target_calltouch_plans.target", "--config", str(config_path)]
    command += ["--input", str(messages)]
    emitted = []
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as process:
        assert process.stdout is not None
        for line in process.stdout:
            emitted.append(json.loads(line))
            if len(emitted) == 2:
                wait_for_third_import(sandbox)
                process.send_signal(signal.SIGKILL)
                break
        process.wait(timeout=30)
    assert emitted == [{"bookmarks": {"plans": {"rows": 100}}}, {"bookmarks": {"plans": {"rows": 200}}}]
    assert [(e["items"], e["status"]) for e in sandbox.calltouch.import_log()] == [
        (100, "success"),
        (100, "success"),
        (100, "in progress..."),
    ]

    # The tap resumes after its last committed state: rows 201-500.
    sandbox.calltouch.configure(import_outcome="success")
    done = emitted[-1]["bookmarks"]["plans"]["rows"]
    rest = write_messages(tmp_path / "rest.singer", records[done:], state_every=STATE_EVERY)
    second = run_target(target_config(sandbox), rest, tmp_path)
    assert second.returncode == 0, second.stderr
    assert states(second.stdout)[-1] == {"bookmarks": {"plans": {"rows": ROWS - done}}}

    assert canonical(sandbox.calltouch.imported_plans()) == canonical(flat_to_item(r) for r in records)
    finished = [job for job in sandbox.calltouch.imports.values() if job.applied]
    sent = [item["campaign"] for job in finished for item in job.items]
    assert len(sent) == len(set(sent)) == ROWS  # each plan imported exactly once
