"""``python -m rawkube``: the rawkube command."""

from rawkube.cli import main

raise SystemExit(main())
