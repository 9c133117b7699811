"""A web process hides its start-up objects from the garbage collector (kefu/memory.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from kefu.memory import YOUNG_OBJECTS


def test_a_web_process_freezes_what_start_up_loaded_and_collects_rarely(tmp_path) -> None:
    probe = (
        "import gc, json, kefu.asgi; print(json.dumps([gc.get_freeze_count(), gc.get_threshold()]))"
    )
    env = {**os.environ, "KEFU_DATA_DIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    ).stdout
    frozen, threshold = json.loads(out.strip().splitlines()[-1])
    assert frozen > 100_000  # Django, Channels and Kefu, loaded once
    assert threshold[0] == YOUNG_OBJECTS
