"""model.ParseSubsetKey and istioctl's cluster order (compiler/emit/subset_keys.py; istio-facts section 0)."""
from __future__ import annotations

from mesh_compile.emit.subset_keys import parse_subset_key, sort_clusters

V117, V130 = (1, 17), (1, 30)


def test_parse_subset_key_versions() -> None:
    assert parse_subset_key("outbound|9080|v1|reviews.default.svc.cluster.local") == \
        ("outbound", "v1", "reviews.default.svc.cluster.local", 9080)
    assert parse_subset_key("inbound|9080||") == ("inbound", "", "", 9080)
    assert parse_subset_key("outbound|80||a|b", V130) == ("outbound", "", "", 80)   # 1.21+: extra `|`
    assert parse_subset_key("outbound|80||a|b", V117) == ("outbound", "", "a", 80)
    assert parse_subset_key("outbound_.80_.v1_.x.svc", V117) == ("outbound", "v1", "x.svc", 80)
    assert parse_subset_key("outbound_.80_.v1_.x.svc", V130) == ("outbound", "v1", "x.svc", 80)
    assert parse_subset_key("outbound|80|v1", V130) == ("outbound", "", "", 80)
    assert parse_subset_key("BlackHoleCluster") == ("", "", "", 0)


def test_cluster_order_facts_0() -> None:
    names = ["outbound|9080||reviews.default.svc.cluster.local", "BlackHoleCluster", "agent",
             "inbound|9080||", "outbound|9080|v2|reviews.default.svc.cluster.local",
             "outbound|80||reviews.default.svc.cluster.local", "PassthroughCluster",
             "outbound|9080|v1|reviews.default.svc.cluster.local"]
    got = [c["name"] for c in sort_clusters([{"name": n} for n in names])]
    assert got == ["inbound|9080||", "BlackHoleCluster", "PassthroughCluster", "agent",
                   "outbound|80||reviews.default.svc.cluster.local",
                   "outbound|9080||reviews.default.svc.cluster.local",
                   "outbound|9080|v1|reviews.default.svc.cluster.local",
                   "outbound|9080|v2|reviews.default.svc.cluster.local"]
