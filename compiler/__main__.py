from mesh_compile.cli.main import main

raise SystemExit(main())
