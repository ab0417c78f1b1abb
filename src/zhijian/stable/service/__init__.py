"""稳定合格产品 use cases, one module per workflow: the policy (`policy`), rule sets, eligibility (evidence from other
rooms and evaluation), the committee, applications → review → decision, announcements, listings and their
re-examination (`flags`), certificates, published documents, the portal hooks and the console home (`overview`).
The API, the CLI, the pages, the demo and the event handler call these through this package, whose names are those
of the former single module (`zhijian.stable.service`); importing it registers the `spotcheck.verdict_final` handler.
"""

from __future__ import annotations

from zhijian.catalog import service as catalog  # tests and callers reach catalog.Product through this module
from zhijian.stable.service.announcements import (
    OUTCOME_ZH,
    announcement_items,
    announcement_label,
    get_announcement,
    get_published,
    list_announcements,
    listing_state,
    publish_announcement,
)
from zhijian.stable.service.applications import (
    add_comment,
    apply,
    comments,
    decide,
    get_application,
    list_applications,
    review,
    withdraw,
)
from zhijian.stable.service.certificates import (
    certificate_file,
    listing_by_certificate,
    verify_certificate,
    verify_url,
)
from zhijian.stable.service.committee import appoint_committee_member, list_committee
from zhijian.stable.service.eligibility import (
    ProductInfo,
    evaluate_product,
    gather_evidence,
    get_evaluation,
    inspection_records,
    latest_evaluation,
    product_info,
    propose_candidates,
)
from zhijian.stable.service.flags import clear_flag, flag_listings, on_verdict_final, reconcile_flags, revoke_listing
from zhijian.stable.service.listings import (
    RevokedListing,
    current_listing,
    get_listing,
    list_listings,
    listed_product_ids,
    revoked_listings,
)
from zhijian.stable.service.overview import StableCounts, dashboard, dashboard_cards
from zhijian.stable.service.policy import (
    CHINA,
    DEFAULT_VALID_YEARS,
    OPEN_STATUSES,
    STATUS_ZH,
    can_evaluate,
    can_read_all,
    can_read_application,
    in_division,
    is_committee_member,
    require_committee,
    require_staff,
    today,
)
from zhijian.stable.service.portal import latest_announcements, search_announcements
from zhijian.stable.service.publications import announcement_doc, announcement_file, announcement_url, atom_feed
from zhijian.stable.service.rulesets import (
    create_ruleset,
    ensure_default_ruleset,
    get_ruleset,
    list_rulesets,
    ruleset_for,
)

__all__ = [
    "CHINA",
    "DEFAULT_VALID_YEARS",
    "OPEN_STATUSES",
    "OUTCOME_ZH",
    "ProductInfo",
    "RevokedListing",
    "STATUS_ZH",
    "StableCounts",
    "add_comment",
    "announcement_doc",
    "announcement_file",
    "announcement_items",
    "announcement_label",
    "announcement_url",
    "apply",
    "appoint_committee_member",
    "atom_feed",
    "can_evaluate",
    "can_read_all",
    "can_read_application",
    "catalog",
    "certificate_file",
    "clear_flag",
    "comments",
    "create_ruleset",
    "current_listing",
    "dashboard",
    "dashboard_cards",
    "decide",
    "ensure_default_ruleset",
    "evaluate_product",
    "flag_listings",
    "gather_evidence",
    "get_announcement",
    "get_application",
    "get_evaluation",
    "get_listing",
    "get_published",
    "get_ruleset",
    "in_division",
    "inspection_records",
    "is_committee_member",
    "latest_announcements",
    "latest_evaluation",
    "list_announcements",
    "list_applications",
    "list_committee",
    "list_listings",
    "list_rulesets",
    "listed_product_ids",
    "revoked_listings",
    "listing_by_certificate",
    "listing_state",
    "on_verdict_final",
    "product_info",
    "propose_candidates",
    "publish_announcement",
    "reconcile_flags",
    "require_committee",
    "require_staff",
    "review",
    "revoke_listing",
    "ruleset_for",
    "search_announcements",
    "today",
    "verify_certificate",
    "verify_url",
    "withdraw",
]
