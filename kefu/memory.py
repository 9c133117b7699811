"""How a web process's garbage collector is set, once everything is loaded.

CPython's defaults (thresholds 700, 10, 10) start a full collection whenever the long-lived
heap has grown by a quarter, and a full collection walks every live object with the whole
process stopped: the event loop and the database thread alike. A chat server holding 1,000
sockets spent 100–270 ms in each of about 35 such passes over a three-minute run, and those
pauses were its p99. Three settings:

- ``gc.freeze()`` after start-up moves what loading Django and Kefu created (modules, classes,
  URL patterns, translations: never garbage) out of the collector's sight for good;
- full collections as rare as they were with a young generation of 50,000 objects (one per
  100 million net allocations), so that a steady chat load seldom triggers one at all;
- a young generation of 10,000 objects, and a middle collection every 10 young ones. Each
  collection stops the whole process for as long as it walks its generation and frees what it
  found. While 1,000 chats were being routed (a quarter of what a young collection found was
  garbage in reference cycles, left by Django's ORM and by uvicorn's connections), 50,000 and
  20 gave young collections of 18–104 ms (10,000 and 20: middle ones up to 105 ms), and the
  slowest messages of a run were sent during them; 10,000 and 10 gave 5–35 ms and 23–93 ms.

Cycles still get collected: young ones at every young collection, old ones at the rarer full
ones. The pauses were measured with ``gc.callbacks`` and an event-loop heartbeat in both chat
servers during ``kefu bench chat --sessions 1000 --mode scaled``.
"""

from __future__ import annotations

import gc

YOUNG_OBJECTS = 10_000
YOUNG_PER_MIDDLE = 10
MIDDLE_PER_FULL = 1000


def settle_after_start_up() -> None:
    gc.collect()  # what start-up left behind goes now, not into the frozen set
    gc.freeze()
    gc.set_threshold(YOUNG_OBJECTS, YOUNG_PER_MIDDLE, MIDDLE_PER_FULL)
