"""parse_duration follows Go's time.ParseDuration; to_proto_duration prints protojson's form."""
import pytest
from hypothesis import given, strategies as st

from mesh_compile.model.duration import nanos_to_proto_duration, parse_duration, parse_duration_nanos, to_proto_duration


@pytest.mark.parametrize("text, seconds", [
    ("10s", 10.0), ("1.5s", 1.5), ("100ms", 0.1), ("1h", 3600.0), ("1h30m", 5400.0), ("0", 0.0),
    ("-2s", -2.0), (".5s", 0.5), ("1us", 1e-6), ("1\u00b5s", 1e-6), ("250ns", 2.5e-7), ("2m3s", 123.0),
])
def test_parses_go_durations(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "10", "s", "1x", "1..5s", "--1s", "5 s", "1s ", "one second", "1e3s"])
def test_rejects_bad_durations(text):
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration(text)


def test_rejects_non_string():
    with pytest.raises(ValueError):
        parse_duration(10)  # type: ignore[arg-type]


def test_fraction_is_exact_in_nanoseconds():
    assert parse_duration_nanos("1.000000001s") == 1_000_000_001
    assert parse_duration_nanos("0.1s") == 100_000_000


@pytest.mark.parametrize("seconds, text", [
    (0, "0s"), (10, "10s"), (1.5, "1.500s"), (0.1, "0.100s"), (0.000001, "0.000001s"),
    (1.000000001, "1.000000001s"), (3600, "3600s"), (-1.5, "-1.500s"), (0.0015, "0.001500s"),
])
def test_proto_duration_uses_0_3_6_or_9_digits(seconds, text):
    assert to_proto_duration(seconds) == text


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_proto_duration_round_trips(nanos):
    text = nanos_to_proto_duration(nanos)
    frac = text.rstrip("s").partition(".")[2]
    assert len(frac) in (0, 3, 6, 9)
    assert parse_duration_nanos(text) == nanos


def test_a_bad_duration_is_refused_every_time():
    """parse_duration_nanos caches results; an error must not turn into a cached value."""
    for _ in range(2):
        with pytest.raises(ValueError, match="invalid duration"):
            parse_duration_nanos("5 s")
    assert parse_duration_nanos("5s") == parse_duration_nanos("5s") == 5_000_000_000
