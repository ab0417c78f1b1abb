"""Consumer pages: the public complaint form and tracking, certificate verification, enterprise-standard
declarations and comparative-test reports; the console for complaints, credit, certificates, declarations
and comparative tests. Every page calls the same service functions as the API and the CLI.

One module per workflow, all on the one `router` of `pages.common` (imported here in the order the routes were
declared before the split, so path matching is unchanged).
"""

from __future__ import annotations

from zhijian.consumer.pages import (  # noqa: F401  (importing a module adds its routes)
    certificates,
    comparative,
    complaint_console,
    complaints,
    credit,
    declarations,
)
from zhijian.consumer.pages.common import router

__all__ = ["router"]
