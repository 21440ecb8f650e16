"""ServiceEntry spec."""
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from .common import WorkloadSelector
from .scalars import ISTIO_CONFIG, UInt32, empty_list, new_list

PortNumber = Annotated[int, Field(ge=1, le=65535)]


class ServicePort(BaseModel):
    model_config = ISTIO_CONFIG
    number: PortNumber
    protocol: str | None = Field(default=None, max_length=256)
    name: str = Field(max_length=256)
    targetPort: PortNumber | None = None


class WorkloadEntry(BaseModel):
    """An inline endpoint of a ServiceEntry."""

    model_config = ISTIO_CONFIG
    address: str | None = Field(default=None, max_length=256)
    ports: dict[str, PortNumber] = Field(default_factory=dict, max_length=128)
    labels: dict[str, str] = Field(default_factory=dict, max_length=256)
    network: str | None = Field(default=None, max_length=2048)
    locality: str | None = Field(default=None, max_length=2048)
    weight: UInt32 | None = None
    serviceAccount: str | None = Field(default=None, max_length=253)

    @model_validator(mode="after")
    def _address_or_network(self) -> "WorkloadEntry":
        # CEL: has(self.address) || has(self.network)
        if self.address is None and self.network is None:
            raise ValueError("endpoint: address is required (or network)")
        if (self.address or "").startswith("unix://") and self.ports:
            raise ValueError("endpoint: a unix:// address cannot have ports")
        return self


class ServiceEntrySpec(BaseModel):
    model_config = ISTIO_CONFIG
    hosts: list[str] = Field(max_length=256)
    addresses: list[Annotated[str, Field(max_length=64)]] = Field(default_factory=new_list, max_length=256)
    ports: list[ServicePort] = Field(default_factory=new_list, max_length=256)
    location: Literal["MESH_EXTERNAL", "MESH_INTERNAL"] | None = None
    resolution: Literal["NONE", "STATIC", "DNS", "DNS_ROUND_ROBIN", "DYNAMIC_DNS"] | None = None
    endpoints: list[WorkloadEntry] = Field(default_factory=new_list, max_length=4096)
    workloadSelector: WorkloadSelector | None = None
    exportTo: list[str] = empty_list()
    subjectAltNames: list[str] = empty_list()


__all__ = ["ServiceEntrySpec", "ServicePort", "WorkloadEntry"]
