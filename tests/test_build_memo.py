"""build/memo.py: per-build parts memo and the memoised duration conversion."""
import pytest

from mesh_compile.build.memo import PartsMemo, proto_duration


class Block:
    """A stand-in for an unhashable model object."""
    __hash__ = None


def test_parts_are_made_once_per_object_and_tag():
    memo, calls = PartsMemo(), []
    a, b = Block(), Block()
    make = lambda obj: lambda: calls.append(obj) or {"for": id(obj)}  # noqa: E731
    first = memo.of(a, "x", make(a))
    assert memo.of(a, "x", make(a)) is first
    assert memo.of(a, "y", make(a)) is not first      # another tag: another part
    assert memo.of(b, "x", make(b)) is not first      # another object, even of equal content
    assert calls == [a, a, b]


def test_a_none_part_is_remembered_too():
    memo, calls = PartsMemo(), []
    assert memo.of(None, "t", lambda: calls.append(1)) is None
    assert memo.of(None, "t", lambda: calls.append(2)) is None
    assert calls == [1]


def test_key_objects_are_held_so_their_ids_are_not_reused():
    memo = PartsMemo()
    memo.of(Block(), "t", lambda: "first")    # the only reference to this object is the memo's
    assert all(memo.of(Block(), "t", lambda: "fresh") == "fresh" for _ in range(1000))


# protojson Duration text (facts: connectTimeout "10s", timeouts "0.500s"): whole seconds, or 3/6/9 digits
@pytest.mark.parametrize("text, expected", [("10s", "10s"), ("500ms", "0.500s"), ("1m30s", "90s"),
                                            ("1.5s", "1.500s"), ("1us", "0.000001s")])
def test_proto_duration(text, expected):
    assert proto_duration(text) == expected


def test_proto_duration_bad_value_raises_each_time():
    for _ in range(2):
        with pytest.raises(ValueError):
            proto_duration("ten seconds")
