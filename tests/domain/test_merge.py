"""The three-way merge of DESIGN.md, field by field."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from synq_desktop.domain.merge import merge_fields

BASE = {"title": "Shirt", "description": "Cotton", "status": "ACTIVE"}


def test_one_side_changed_takes_that_side() -> None:
    result = merge_fields(BASE, {**BASE, "title": "Mine"}, {**BASE, "status": "ARCHIVED"})
    assert result.merged == {"title": "Mine", "description": "Cotton", "status": "ARCHIVED"}
    assert result.conflicts == []
    assert result.kept_mine == ["title"] and result.taken_theirs == ["status"]


def test_same_new_value_on_both_sides_is_no_conflict() -> None:
    result = merge_fields(BASE, {**BASE, "title": "New"}, {**BASE, "title": "New"})
    assert result.clean and result.merged is not None and result.merged["title"] == "New"
    assert result.same_change == ["title"]


def test_different_new_values_conflict_and_keep_mine_meanwhile() -> None:
    result = merge_fields(BASE, {**BASE, "title": "A"}, {**BASE, "title": "B", "description": "Silk"})
    assert result.conflicts == ["title"]
    assert result.merged == {"title": "A", "description": "Silk", "status": "ACTIVE"}


def test_edit_against_remote_delete_conflicts() -> None:
    result = merge_fields(BASE, {**BASE, "title": "A"}, None)
    assert result.deleted_remotely and result.conflicts == ["title"]


def test_remote_delete_without_local_edit_deletes() -> None:
    result = merge_fields(BASE, dict(BASE), None)
    assert result.merged is None and result.clean


def test_local_delete_against_remote_edit_conflicts() -> None:
    result = merge_fields(BASE, None, {**BASE, "status": "DRAFT"})
    assert result.deleted_locally and result.conflicts == ["status"]


def test_clearing_a_field_is_a_change() -> None:
    result = merge_fields(BASE, {**BASE, "description": None}, dict(BASE))
    assert result.merged is not None and result.merged["description"] is None


values = st.one_of(st.none(), st.sampled_from(["a", "b", "c"]))


@given(values, values, values)
def test_merge_rule_table(base: str | None, mine: str | None, theirs: str | None) -> None:
    result = merge_fields({"f": base}, {"f": mine}, {"f": theirs})
    assert result.merged is not None
    if mine != base and theirs != base and mine != theirs:
        assert result.conflicts == ["f"]
    else:
        assert result.conflicts == []
        expected = mine if mine != base else theirs
        assert result.merged["f"] == expected
