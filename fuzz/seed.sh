#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seeds from the project's own policies and examples.
set -euo pipefail
cd "$(dirname "$0")"
python3 - <<'PY'
import glob, hashlib, json, os
for target in ("policy_text", "decision_json", "request_body"):
    os.makedirs(f"corpus/{target}", exist_ok=True)
def put(target, data: bytes):
    name = hashlib.sha1(data).hexdigest()
    with open(f"corpus/{target}/{name}", "wb") as f:
        f.write(data)
policies = glob.glob("../policies/**/*.policy", recursive=True) + glob.glob("../tests/**/*.policy", recursive=True)
for path in policies:
    put("policy_text", open(path, "rb").read())
records = []
for path in glob.glob("../policies/*/tests/*.json"):
    records += [e["input"] for e in json.load(open(path))]
for path in glob.glob("../tests/cases/*/*.json"):
    case = json.load(open(path))
    records.append(case.get("input", case))
for i, record in enumerate(records):
    put("decision_json", json.dumps(record, ensure_ascii=False).encode())
    request = {"input": record, "version": "session-2027", "explain": i % 2 == 0}
    put("request_body", json.dumps(request, ensure_ascii=False).encode())
print(f"{len(policies)} policy seeds, {len(records)} JSON seeds")
PY
