from mesh_compile.cli.main import entry

entry()
