"""Consumer pages: the public complaint form and tracking, certificate verification, enterprise-standard
declarations and comparative-test reports; the console for complaints, credit, certificates, declarations
and comparative tests. Every page calls the same service functions as the API and the CLI.

One module per workflow, all on the one `router` of `pages.common` (imported here in the order the routes were
declared before the split, so path matching is unchanged).
"""

from __future__ import annotations

# isort: off
# the workflows in the order their routes were declared before the split (path matching unchanged)
from zhijian.consumer.pages import complaints  # noqa: F401  (importing a module adds its routes)
from zhijian.consumer.pages import certificates  # noqa: F401
from zhijian.consumer.pages import standard_declarations  # noqa: F401
from zhijian.consumer.pages import comparative  # noqa: F401
from zhijian.consumer.pages import complaint_console  # noqa: F401
from zhijian.consumer.pages import credit  # noqa: F401
# isort: on
from zhijian.consumer.pages.certificates import (
    CERT_FIELDS,
    certificate_qr,
    certificate_verify,
    console_certificate_create,
    console_certificate_new,
    console_certificate_status,
    console_certificates,
    console_certificates_import,
)
from zhijian.consumer.pages.common import (
    IND_COLS,
    IND_ROWS,
    REQ_KINDS,
    router,
)
from zhijian.consumer.pages.comparative import (
    CMP_DIRECTIONS,
    CMP_FIELDS,
    CMP_ITEM_COLS,
    CMP_ITEM_ROWS,
    CMP_REQ_KINDS,
    comparative_index,
    comparative_page,
    console_comparative,
    console_comparative_create,
    console_comparative_new,
    console_comparative_publish,
)
from zhijian.consumer.pages.complaint_console import (
    console_complaint,
    console_complaint_action,
    console_complaints,
)
from zhijian.consumer.pages.complaints import (
    CONTACT_COOKIE,
    complaint_form,
    complaint_submit,
    console_inbox,
    console_inbox_read,
    contact_verify,
    contact_verify_form,
    my_complaints_page,
    track_form,
    track_respond,
    track_submit,
)
from zhijian.consumer.pages.credit import (
    console_add_penalty,
    console_credit,
    console_credit_detail,
    console_credit_recompute,
    console_satisfaction,
)
from zhijian.consumer.pages.standard_declarations import (
    DECL_FIELDS,
    console_declaration_action,
    console_declaration_create,
    console_declaration_new,
    console_declarations,
    declaration,
    declarations,
)

__all__ = [
    "CERT_FIELDS",
    "CMP_DIRECTIONS",
    "CMP_FIELDS",
    "CMP_ITEM_COLS",
    "CMP_ITEM_ROWS",
    "CMP_REQ_KINDS",
    "CONTACT_COOKIE",
    "DECL_FIELDS",
    "IND_COLS",
    "IND_ROWS",
    "REQ_KINDS",
    "certificate_qr",
    "certificate_verify",
    "comparative_index",
    "comparative_page",
    "complaint_form",
    "complaint_submit",
    "console_add_penalty",
    "console_certificate_create",
    "console_certificate_new",
    "console_certificate_status",
    "console_certificates",
    "console_certificates_import",
    "console_comparative",
    "console_comparative_create",
    "console_comparative_new",
    "console_comparative_publish",
    "console_complaint",
    "console_complaint_action",
    "console_complaints",
    "console_credit",
    "console_credit_detail",
    "console_credit_recompute",
    "console_declaration_action",
    "console_declaration_create",
    "console_declaration_new",
    "console_declarations",
    "console_inbox",
    "console_inbox_read",
    "console_satisfaction",
    "contact_verify",
    "contact_verify_form",
    "declaration",
    "declarations",
    "my_complaints_page",
    "router",
    "track_form",
    "track_respond",
    "track_submit",
]
