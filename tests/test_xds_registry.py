"""mesh_compile_xds.registry: finding message types from type URLs."""
from __future__ import annotations

import importlib

from mesh_compile_xds import registry


def test_types_outside_the_eager_list_are_imported_on_demand():
    # Lua is not in the eager list; its package folder is imported when the name is asked for.
    desc = registry.find_descriptor("envoy.extensions.filters.http.lua.v3.Lua")
    assert desc is not None and desc.full_name == "envoy.extensions.filters.http.lua.v3.Lua"


def test_nested_types_are_found_through_their_outer_package():
    desc = registry.find_descriptor("envoy.extensions.filters.http.ext_proc.v3.ProcessingMode")
    assert desc is not None
    nested = registry.find_descriptor("envoy.config.cluster.v3.Cluster.CommonLbConfig")
    assert nested is not None and nested.containing_type.name == "Cluster"


def test_unknown_types_give_none():
    assert registry.find_descriptor("envoy.tcp.metadataexchange.config.MetadataExchange") is None
    assert registry.message_class("stats.PluginConfig") is None


def test_only_proto_packages_are_ever_imported(monkeypatch):
    imported = []
    real = importlib.import_module
    monkeypatch.setattr(importlib, "import_module", lambda name, *a: imported.append(name) or real(name, *a))
    assert registry.find_descriptor("subprocess.Popen.Anything") is None
    assert registry.find_descriptor("json.decoder.JSONDecoder") is None
    assert not [m for m in imported if not m.startswith(("envoy.", "google.", "udpa.", "xds."))]


def test_type_url_helpers():
    assert registry.full_name_of("type.googleapis.com/envoy.config.cluster.v3.Cluster") == "envoy.config.cluster.v3.Cluster"
    assert registry.new_message("envoy.config.cluster.v3.Cluster").DESCRIPTOR.name == "Cluster"
