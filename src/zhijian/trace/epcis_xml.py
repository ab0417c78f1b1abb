"""Old import path of `zhijian.trace.epcis.xml` (tests and callers import it).

The very module object, not a copy: `sys.modules` maps this name to it, so assigning one of its attributes here
(a test's monkeypatch) reaches the code that uses it.
"""

from __future__ import annotations

import sys

from zhijian.trace.epcis import xml as _module
from zhijian.trace.epcis.xml import *  # noqa: F403  (what type checkers see; at run time the alias below replaces this module)

sys.modules[__name__] = _module
