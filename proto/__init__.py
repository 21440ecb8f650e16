"""Everything that touches Envoy protobuf schemas (xds-protos): typed messages, validation, ADS."""
