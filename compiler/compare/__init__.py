"""Structural comparison of Envoy config: istioctl dumps, /config_dump and our output."""
