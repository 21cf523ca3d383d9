"""Writes the start of a wrk Lua script that POSTs BTS decisions: one request body per example
input of the BTS policy, under session-2027, sent in turn by `request`. benches/http-load.sh
and benches/replicas.sh append their own `response` and `done`.

    python3 benches/wrk-bodies.py OUT.lua
"""

import glob
import json
import sys

bodies = []
for path in sorted(glob.glob("policies/bts-metiers-de-la-mesure/tests/*.json")):
    for example in json.load(open(path)):
        bodies.append(json.dumps({"input": example["input"], "version": "session-2027"}, ensure_ascii=False))
with open(sys.argv[1], "w") as f:
    f.write("bodies = {\n")
    for b in bodies:
        f.write("  [==[" + b + "]==],\n")
    f.write("}\n")
    f.write(
        """local i = 0
request = function()
  i = i % #bodies + 1
  return wrk.format("POST", "/v1/policies/bts-metiers-de-la-mesure/decisions",
    { ["Content-Type"] = "application/json" }, bodies[i])
end
"""
    )
print(f"{len(bodies)} candidate bodies", file=sys.stderr)
