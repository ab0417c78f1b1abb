"""Old import path of `zhijian.trace.epcis.service` (the CLI, tests, other rooms' tests and `bench/bench_trace.py` import it).

The very module object, not a copy: `sys.modules` maps this name to it, so assigning one of its attributes here
(the capture bench times `insert_rows` that way) reaches the code that uses it.
"""

from __future__ import annotations

import sys

from zhijian.trace.epcis import service as _module
from zhijian.trace.epcis.service import *  # noqa: F403  (what type checkers see; at run time the alias below replaces this module)

sys.modules[__name__] = _module
