"""Serving compiled config to a real Envoy: the gRPC Aggregated Discovery Service and its helpers.

Nothing heavy is imported here, so `import mesh_compile_xds.ads.node` (say) stays cheap; grpc and
the xds-protos messages are imported by the modules that use them (server, snapshot, sotw, delta).

Modules:
  typeurls   the four resource types, their order, which are wildcard
  node       Envoy node id -> the proxy it names
  local      serve-only rewrites so a stock Envoy on one machine can run the config
  snapshot   resource dicts -> versioned protobuf resources
  store      compiled snapshots per proxy, recompiles, NACK parking, change notification
  sotw       state-of-the-world (StreamAggregatedResources) stream logic
  delta      incremental (DeltaAggregatedResources) stream logic
  nack       which resources a NACK rejected; error_detail on one line
  status     per-stream counters and ACKed versions, wait_for() for tests and the demo
  server     the gRPC servicer, TLS, start/stop
  watch      input-file polling for --watch
  bootstrap  an Envoy bootstrap pointing at the server
  log        the server's one-line-per-event log
  envoy_process, workloads, traffic, ports, localmesh   running Envoy, local workloads, requests
"""
