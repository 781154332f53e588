from vetgate.main import main

raise SystemExit(main())
