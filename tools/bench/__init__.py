"""The mesh-compile benchmark (issue 5): `python -m tools.bench` from the repository root.

generate.py  seeded meshes of N services shaped like istiod's benchmark inputs
runner.py    compile each mesh for a sidecar and the gateway in a child process, against the floor
floor.py     libyaml load + orjson write of the same input and output, in a child process
measure.py   one child process: wall time and its peak memory (with what it forks)
ads_push.py  serve --watch + a real Envoy: time from a VirtualService edit to the accepted RDS update
report.py    the table; targets.py the issue's targets; hotspots.py summarises py-spy profiles
"""
