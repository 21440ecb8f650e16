"""mesh-compile: Istio networking config in, the Envoy config istiod would push out."""
