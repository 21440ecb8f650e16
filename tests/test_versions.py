import pytest

from mesh_compile.versions import SUPPORTED, VersionError, behaviour_for, parse_version


def test_parse_accepts_patch_and_v_prefix():
    assert parse_version("1.17.8") == (1, 17)
    assert parse_version("v1.30") == (1, 30)


@pytest.mark.parametrize("text", ["1.16", "1.31", "2.0", "latest", "1"])
def test_unsupported_versions_list_the_supported_ones(text):
    with pytest.raises(VersionError) as exc:
        parse_version(text)
    assert "1.17" in str(exc.value) and "1.30" in str(exc.value)


def test_boundaries_from_the_fact_sheet():
    # istio-facts section 11: each switch flips at the release it names
    assert not behaviour_for((1, 23)).no_default_retry_503 and behaviour_for((1, 24)).no_default_retry_503
    assert not behaviour_for((1, 26)).absolute_fqdn_domain and behaviour_for((1, 27)).absolute_fqdn_domain
    assert not behaviour_for((1, 17)).no_total_weight and behaviour_for((1, 18)).no_total_weight
    assert not behaviour_for((1, 28)).no_track_remaining and behaviour_for((1, 29)).no_track_remaining
    assert behaviour_for((1, 23)).config_api_version == "v1alpha3"
    assert behaviour_for((1, 24)).config_api_version == "v1"


def test_every_supported_version_builds():
    assert SUPPORTED[0] == (1, 17) and SUPPORTED[-1] == (1, 30)
    for v in SUPPORTED:
        assert behaviour_for(v).version == v
