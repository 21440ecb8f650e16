"""The file access log istiod puts on connection managers and tcp_proxy filters when MeshConfig
`accessLogFile` is set and no Telemetry object configures logging (accesslog.go setHTTPAccessLog /
setTCPAccessLog fall back to model/telemetry_logging.go FileAccessLogFromMeshConfig; 1.17.8 and 1.30.3).

The default profile leaves `accessLogFile` empty (no access log); the demo profile sets `/dev/stdout`.
"""
from __future__ import annotations

import json
from typing import Any

from mesh_compile.versions import Behaviour

FILE_ACCESS_LOG = "envoy.access_loggers.file"
FILE_ACCESS_LOG_TYPE = "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog"
REQ_WITHOUT_QUERY = "%REQ_WITHOUT_QUERY"
_REQ_WITHOUT_QUERY_FORMATTER = {
    "name": "envoy.formatter.req_without_query",
    "typedConfig": {"@type": "type.googleapis.com/envoy.extensions.formatter.req_without_query.v3.ReqWithoutQuery"},
}


def text_format(b: Behaviour) -> str:
    """EnvoyTextLogFormat; %UPSTREAM_CLUSTER_RAW% (the cluster name without the ';' stat delimiter) from 1.23."""
    cluster = "%UPSTREAM_CLUSTER_RAW%" if b.access_log_upstream_cluster_raw else "%UPSTREAM_CLUSTER%"
    return ("[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\" %RESPONSE_CODE% "
            "%RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% "
            "\"%UPSTREAM_TRANSPORT_FAILURE_REASON%\" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% "
            "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% \"%REQ(X-FORWARDED-FOR)%\" \"%REQ(USER-AGENT)%\" "
            "\"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\" "
            f"{cluster} %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% "
            "%DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%\n")


def json_format(b: Behaviour) -> dict[str, str]:
    """EnvoyJSONLogFormatIstio, keys sorted as a Struct prints; upstream_cluster RAW from 1.25."""
    cluster = "%UPSTREAM_CLUSTER_RAW%" if b.access_log_json_upstream_cluster_raw else "%UPSTREAM_CLUSTER%"
    fields = {
        "start_time": "%START_TIME%", "route_name": "%ROUTE_NAME%", "method": "%REQ(:METHOD)%",
        "path": "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%", "protocol": "%PROTOCOL%", "response_code": "%RESPONSE_CODE%",
        "response_flags": "%RESPONSE_FLAGS%", "response_code_details": "%RESPONSE_CODE_DETAILS%",
        "connection_termination_details": "%CONNECTION_TERMINATION_DETAILS%", "bytes_received": "%BYTES_RECEIVED%",
        "bytes_sent": "%BYTES_SENT%", "duration": "%DURATION%",
        "upstream_service_time": "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%",
        "x_forwarded_for": "%REQ(X-FORWARDED-FOR)%", "user_agent": "%REQ(USER-AGENT)%",
        "request_id": "%REQ(X-REQUEST-ID)%", "authority": "%REQ(:AUTHORITY)%", "upstream_host": "%UPSTREAM_HOST%",
        "upstream_cluster": cluster, "upstream_local_address": "%UPSTREAM_LOCAL_ADDRESS%",
        "downstream_local_address": "%DOWNSTREAM_LOCAL_ADDRESS%",
        "downstream_remote_address": "%DOWNSTREAM_REMOTE_ADDRESS%",
        "requested_server_name": "%REQUESTED_SERVER_NAME%",
        "upstream_transport_failure_reason": "%UPSTREAM_TRANSPORT_FAILURE_REASON%",
    }
    return dict(sorted(fields.items()))


def _text_log_format(fmt: str, b: Behaviour) -> dict:
    # fileAccessLogFormat: a given format gets a trailing newline when it has none
    text = (fmt if fmt.endswith("\n") else fmt + "\n") if fmt else text_format(b)
    out: dict[str, Any] = {"textFormatSource": {"inlineString": text}}
    if REQ_WITHOUT_QUERY in text:
        out["formatters"] = [dict(_REQ_WITHOUT_QUERY_FORMATTER)]
    return out


def _json_log_format(fmt: str, b: Behaviour) -> dict:
    struct: Any = json_format(b)
    if fmt:
        try:
            struct = json.loads(fmt)     # a format that does not parse keeps the default (istiod logs an error)
        except ValueError:
            pass
        if not isinstance(struct, dict):
            struct = json_format(b)
    out: dict[str, Any] = {"jsonFormat": _sorted(struct)}
    if any(isinstance(v, str) and REQ_WITHOUT_QUERY in v for v in struct.values()):
        out["formatters"] = [dict(_REQ_WITHOUT_QUERY_FORMATTER)]
    if b.access_log_json_unsorted:
        out["jsonFormatOptions"] = {}             # sortProperties false, the default, on a message that is set
    elif b.access_log_json_sort_option:
        out["jsonFormatOptions"] = {"sortProperties": True}
    return out


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def file_access_log(path: str, encoding: str, fmt: str, b: Behaviour) -> dict | None:
    """The AccessLog entry for `accessLogFile: path`, or None when no file is set."""
    if not path:
        return None
    log_format = _json_log_format(fmt, b) if encoding == "JSON" else _text_log_format(fmt, b)
    return {"name": FILE_ACCESS_LOG,
            "typedConfig": {"@type": FILE_ACCESS_LOG_TYPE, "path": path, "logFormat": log_format}}
