"""Model stage: typed pydantic models of the inputs, and istiod-style validation of them."""
from .duration import parse_duration, to_proto_duration
from .kinds import (KINDS, ConfigMap, Deployment, DestinationRule, EndpointSlice, Endpoints, Gateway, Pod,
                    Service, ServiceEntry, Sidecar, VirtualService)
from .mesh_config import MeshConfig, mesh_config_from_objects, parse_mesh_config
from .meta import ObjectMeta
from .objects import ConfigObject, parse_object

__all__ = [
    "KINDS", "ConfigMap", "ConfigObject", "Deployment", "DestinationRule", "EndpointSlice", "Endpoints",
    "Gateway", "MeshConfig", "ObjectMeta", "Pod", "Service", "ServiceEntry", "Sidecar", "VirtualService",
    "mesh_config_from_objects", "parse_duration", "parse_mesh_config", "parse_object", "to_proto_duration",
]
