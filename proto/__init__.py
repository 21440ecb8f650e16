"""Everything that touches Envoy protobuf schemas (xds-protos): typed messages, validation, ADS.

Modules (import them directly; this package imports nothing so `import mesh_compile_xds` stays cheap):
* messages   - RESOURCE_TYPES, to_message, canonical_json, order_resource, config_dump (the public face)
* validate   - validate_resources (Python checks) and envoy_validate (the real `envoy --mode validate`)
* registry   - type URL -> message type, importing xds-protos modules on demand
* parse      - JSON -> message with JSON-path errors; opaque.py keeps Istio-only `Any` payloads
* canonical  - message -> istioctl's JSON (jsonpb rules); order.py does the key order alone, fast
* pgv, envoy_rules, crossref - the checks; codes - their Problem codes
* bootstrap, envoy_run - the self-contained bootstrap and the bounded Envoy run
"""
