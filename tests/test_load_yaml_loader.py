"""Scalar resolution: libyaml's YAML 1.1, except where Kubernetes (go-yaml) reads a string."""
from __future__ import annotations

import math

import pytest
import yaml

from mesh_compile.load.yaml_loader import Loader, PureLoader

LOADERS = [Loader, PureLoader]


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("text, value", [
    ("2024-01-01", "2024-01-01"),  # not a datetime.date
    ("2001-12-14t21:59:43.10-05:00", "2001-12-14t21:59:43.10-05:00"),
    ("=", "="),  # not the unconstructable `value` tag
    ("1:20", "1:20"),  # not base-60 80
    ("10:30:00", "10:30:00"),
    ("1:20.5", "1:20.5"),
    ("8080", 8080), ("-1", -1), ("0x1F", 31), ("017", 15), ("0b11", 3), ("1_000", 1000),
    ("1.5", 1.5), ("1.0e+3", 1000.0), (".inf", math.inf), ("-.Inf", -math.inf),
    ("yes", True), ("off", False), ("True", True), ("~", None), ("null", None), ("", None),
    ("'8080'", "8080"), ("reviews", "reviews"), ("1e3", "1e3"),
])
def test_scalar_resolution(loader, text, value):
    got = yaml.load(f"k: {text}\n", Loader=loader)["k"]
    assert got == value and type(got) is type(value)


def test_nan_still_resolves():
    assert math.isnan(yaml.load("k: .nan\n", Loader=Loader)["k"])


@pytest.mark.parametrize("loader", LOADERS)
def test_quoted_and_tagged_scalars_keep_their_type(loader):
    doc = yaml.load("a: '2024-01-01'\nb: !!int '7'\nc: !!str yes\n", Loader=loader)
    assert doc == {"a": "2024-01-01", "b": 7, "c": "yes"}


def test_stock_loaders_are_not_changed():
    import datetime

    assert isinstance(yaml.load("k: 2024-01-01", Loader=yaml.SafeLoader)["k"], datetime.date)
