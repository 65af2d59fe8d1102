"""Write rawkube/testing/_facts.json: the API facts the fake cluster serves, from schemas/.

The fake cluster runs from an installed package, where ``schemas/`` is not; it needs the
served (GA) group-versions with their resources, and the definitions for strategic merge
patch keys and the OpenAPI documents. This copies exactly those facts, minified and sorted.
``tests/testing/test_facts.py`` fails when the copy is stale.

    python scripts/gen_fake_facts.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "rawkube" / "testing" / "_facts.json"


def facts() -> str:
    """The facts document, as the text written to ``_facts.json``."""
    schemas = ROOT / "schemas"
    resources = json.loads((schemas / "resources.json").read_text())
    definitions = json.loads((schemas / "definitions.json").read_text())
    definitions.update(json.loads((schemas / "meta_extra.json").read_text()))
    served = {api: gv for api, gv in resources.items() if gv["ga"]}
    document = {"resources": served, "definitions": definitions}
    return json.dumps(document, sort_keys=True, separators=(",", ":")) + "\n"


def main() -> int:
    OUT.write_text(facts())
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
