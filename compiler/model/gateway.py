"""Gateway spec."""
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from .scalars import ISTIO_CONFIG, UInt32, empty_dict, empty_list, new_list

TLSProtocol = Literal["TLS_AUTO", "TLSV1_0", "TLSV1_1", "TLSV1_2", "TLSV1_3"]
ServerTLSMode = Literal["PASSTHROUGH", "SIMPLE", "MUTUAL", "AUTO_PASSTHROUGH", "ISTIO_MUTUAL", "OPTIONAL_MUTUAL"]


class ServerPort(BaseModel):
    """Gateway server port: the CRD requires number, protocol and name."""

    model_config = ISTIO_CONFIG
    number: UInt32
    protocol: str
    name: str
    targetPort: UInt32 | None = None


class TLSCertificate(BaseModel):
    model_config = ISTIO_CONFIG
    serverCertificate: str | None = None
    privateKey: str | None = None
    caCertificates: str | None = None


class ServerTLSSettings(BaseModel):
    model_config = ISTIO_CONFIG
    httpsRedirect: bool | None = None
    mode: ServerTLSMode | None = None
    serverCertificate: str | None = None
    privateKey: str | None = None
    caCertificates: str | None = None
    tlsCertificates: list[TLSCertificate] = Field(default_factory=new_list, max_length=2)
    credentialName: str | None = None
    credentialNames: list[str] = Field(default_factory=new_list, max_length=2)
    caCertCredentialName: str | None = None
    subjectAltNames: list[str] = empty_list()
    verifyCertificateSpki: list[str] = empty_list()
    verifyCertificateHash: list[str] = empty_list()
    minProtocolVersion: TLSProtocol | None = None
    maxProtocolVersion: TLSProtocol | None = None
    cipherSuites: list[str] = empty_list()
    caCrl: str | None = None

    @model_validator(mode="after")
    def _exclusive_certificates(self) -> "ServerTLSSettings":
        # The CRD's CEL rules: credentialNames excludes tlsCertificates and credentialName.
        if self.credentialNames and (self.tlsCertificates or self.credentialName is not None):
            raise ValueError("tls: credentialNames cannot be combined with credentialName or tlsCertificates")
        return self


class Server(BaseModel):
    model_config = ISTIO_CONFIG
    port: ServerPort
    bind: str | None = None
    hosts: list[str]
    tls: ServerTLSSettings | None = None
    defaultEndpoint: str | None = None
    name: str | None = None


class GatewaySpec(BaseModel):
    model_config = ISTIO_CONFIG
    servers: list[Server] = empty_list()
    selector: dict[str, str] = empty_dict()


__all__ = ["GatewaySpec", "Server", "ServerPort", "ServerTLSSettings", "TLSCertificate"]
