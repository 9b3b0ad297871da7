from tracegen.cli import main

raise SystemExit(main())
