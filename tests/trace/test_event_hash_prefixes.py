"""Event hash: prefixes of the standard EPCIS 2.0 context count even when a document names only its URL
(issue #16: "`cbvmda:` keys in ILMD are not expanded to `urn:epcglobal:cbv:mda:` (lot/expiry events of food
and pharma get IDs that other repositories will not reproduce)").

Expected pre-hash fragment: the GS1 EPCIS Event Hash Generator's vector epcisDocWithVariousEventTypes
(github RalphTro/epcis-event-hash-generator, tests/examples, commit 5d2f1c3) writes the ILMD field
`cbvmda:bestBeforeDate` as `{urn:epcglobal:cbv:mda:}bestBeforeDate=2019-10-21`; the generator loads the
standard context, whose `cbvmda` prefix is `urn:epcglobal:cbv:mda:`.
"""

from __future__ import annotations

from zhijian.trace import epcis as E
from zhijian.trace import event_hash as H

EVENT = {"type": "ObjectEvent", "eventTime": "2019-10-21T11:00:30.000+01:00", "eventTimeZoneOffset": "+01:00",
         "epcList": ["urn:epc:id:sgtin:4012345.011111.9876"], "action": "ADD", "bizStep": "commissioning",
         "ilmd": {"cbvmda:bestBeforeDate": "2019-10-21"}}


def test_cbvmda_expanded_from_the_standard_context() -> None:
    only_url = H.prehash_string(EVENT, [E.EPCIS_CONTEXT])
    assert "ilmd{urn:epcglobal:cbv:mda:}bestBeforeDate=2019-10-21" in only_url
    inline = H.prehash_string(EVENT, [E.EPCIS_CONTEXT, {"cbvmda": "urn:epcglobal:cbv:mda:"}])
    assert only_url == inline
    assert H.event_hash_id(EVENT, [E.EPCIS_CONTEXT]) == H.event_hash_id(
        EVENT, [E.EPCIS_CONTEXT, {"cbvmda": "urn:epcglobal:cbv:mda:"}])
