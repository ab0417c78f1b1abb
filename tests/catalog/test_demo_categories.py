"""The demo's category table (catalog.demo.CATEGORIES): the tree it stood for before it was one flat table."""

from zhijian.catalog.demo import CATEGORIES


def test_every_category_follows_its_parent_and_the_tree_is_the_same():
    seen: set[str] = set()
    for code, _name, _en, _ccc in CATEGORIES:
        parent = code.rpartition("-")[0]
        assert not parent or parent in seen, code
        assert code not in seen
        seen.add(code)
    roots = [c for c, *_ in CATEGORIES if "-" not in c]
    assert roots == ["FOOD", "DRUG", "SE", "IND"]
    assert len(CATEGORIES) == 41
    assert [c for c, _n, _e, ccc in CATEGORIES if ccc] == [
        "IND-APPL", "IND-APPL-KETTLE", "IND-APPL-FRIDGE", "IND-APPL-DRYER", "IND-CABLE", "IND-PLUG", "IND-CHILD-TOY",
        "IND-CHILD-CART", "IND-EBIKE"]
