"""Writes the examples of the OpenAPI document again from a running service's answers (the
administration examples, `put.*`, `delete.*` and `reload.*`, and `problem.json` are kept). The
service records decisions and reads them with the records token given as RECORDS_TOKEN, and
erases them with the administration token given as ADMIN_TOKEN:

    cargo run -- serve --data-dir /tmp/examples --records-token-file R --admin-token-file A &
    RECORDS_TOKEN=… ADMIN_TOKEN=… python3 openapi/examples/regenerate.py http://127.0.0.1:8080
    cargo run -- openapi > openapi/openapi.json

A decision's examples leave its receipt out (the in-process service of the tests signs
nothing); the recorded decision's example shows one.

`tests/integration/examples.rs` fails when an example no longer shows what the service answers.
"""

import json
import os
import sys
import urllib.request

B = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080"
BTS = "bts-metiers-de-la-mesure"
OUT = os.path.dirname(os.path.abspath(__file__))
def req(method, path, body=None, ct="application/json", raw=False, token=None):
    data=None
    if body is not None:
        data = body if isinstance(body,bytes) else json.dumps(body).encode()
    headers={"content-type":ct, "x-client-id": "scolarite-academie"}
    if token: headers["authorization"]="Bearer "+token
    r=urllib.request.Request(B+path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(r) as resp:
        t=resp.read().decode()
        return t if raw else json.loads(t)
def save(name, value):
    with open(f"{OUT}/{name}", "w") as f:
        if isinstance(value,str): f.write(value)
        else: f.write(json.dumps(value, ensure_ascii=False, indent=2)+"\n")
cand={"candidate":{"pathway":"scolaire"},"internship":{"periods":[{"start":"2026-05-04","end":"2026-07-24","agreement_signed":True}],"certificate_provided":True},"report":{"submitted_on":"2027-04-10","pages":40,"parts":["presentation_entreprise","analyse_juridique","activites","conclusion","resume_anglais","demarche_qsse"],"legal_analysis_pages":3,"activities_analysed":2,"qsse_pages":3,"endorsed_by_host":True}}
short={"candidate":{"pathway":"scolaire"},"internship":{"periods":[{"start":"2026-05-04","end":"2026-06-12","agreement_signed":True}],"certificate_provided":True}}
keep=["presence_proof","e61_admission","report_conformity"]
def trim(d, names=keep):
    d["conclusions"]={k:d["conclusions"][k] for k in names if k in d["conclusions"]}
    d["decision_id"]="0190f7c2-7b1e-4c55-9d0e-2a4b6c8d0e1f"
    d.pop("receipt", None)
    return d
dec_req={"input":cand,"version":"session-2027"}
save("decide.request.json", dec_req)
# With `required_weeks` too: a quantity with its unit, and a clause cited through a parameter;
# and `completed_weeks`, whose value rests on an interpretation (the week count).
save("decide.response.json", trim(req("POST",f"/v1/policies/{BTS}/decisions",dec_req),
    ["presence_proof","required_weeks","completed_weeks","e61_admission","report_conformity"]))
b_req={"inputs":[cand, short],"version":"session-2027"}
save("batch.request.json", b_req)
b=req("POST",f"/v1/policies/{BTS}/decisions/batch",b_req)
b["decisions"]=[trim(x,["e61_admission"]) for x in b["decisions"]]
save("batch.response.json", b)
nd="\n".join(json.dumps(x, ensure_ascii=False) for x in [cand, {"candidate":{"pathway":"scolair"}}])+"\n"
save("batch.request.ndjson", nd)
lines=req("POST",f"/v1/policies/{BTS}/decisions/batch?version=session-2027",nd.encode(),"application/x-ndjson",raw=True).splitlines()
out=[]
for l in lines:
    x=json.loads(l)
    if "conclusions" in x: x=trim(x,["e61_admission"])
    out.append(json.dumps(x, ensure_ascii=False))
save("batch.response.ndjson", "\n".join(out)+"\n")
i_req={"input":{"candidate":{"pathway":"scolaire"}},"conclusions":["e61_admission"],"version":"session-2027"}
save("interview.request.json", i_req)
iv=req("POST",f"/v1/policies/{BTS}/interview",i_req)
iv["questions"]=iv["questions"][:2]
iv["decision"]["decision_id"]="0190f7c2-7b1e-4c55-9d0e-2a4b6c8d0e1f"
save("interview.response.json", iv)
save("policies.response.json", req("GET","/v1/policies"))
v=req("GET",f"/v1/policies/{BTS}/versions/session-2027")
for k in list(v.keys()):
    if isinstance(v[k], list) and len(v[k])>1: v[k]=v[k][:1] if k!="clauses" else v[k][:2]
v["sources"][0]["text"]=v["sources"][0]["text"][:400].rsplit("\n",1)[0]+"\n…\n"
v["conclusions"][0]["rules"]=v["conclusions"][0]["rules"][:2]
save("version.response.json", v)
s=req("GET",f"/v1/policies/{BTS}/versions/session-2027/schema")
s["properties"]={"candidate": s["properties"]["candidate"]}
save("schema.response.json", s)
ds=req("GET",f"/v1/policies/{BTS}/versions/session-2027/decision-schema")
c=ds["allOf"][1]["properties"]["conclusions"]
# An enum-valued conclusion, and a quantity whose unit is a constant.
c["properties"]={k: c["properties"][k] for k in ["required_weeks", "e61_admission"]}
c["required"]=["required_weeks", "e61_admission"]
ds["$defs"]={"Decision": {"description": "the Decision and ConclusionResult schemas of this document, …"}, "ConclusionResult": {}}
save("decision-schema.response.json", ds)
save("diff.response.json", req("GET",f"/v1/policies/{BTS}/diff?from=session-2026&to=session-2027"))
save("diff.response.txt", req("GET",f"/v1/policies/{BTS}/diff?from=session-2026&to=session-2027&format=text",raw=True))
save("diff.response.md", req("GET",f"/v1/policies/{BTS}/diff?from=session-2026&to=session-2027&format=markdown",raw=True))
im_req={"from":"session-2026","to":"session-2027","cases":[{"name":"dossier remis le 10 avril","input":cand}]}
save("impact.request.json", im_req)
save("impact.response.json", req("POST",f"/v1/policies/{BTS}/impact",im_req))
save("impact.response.txt", req("POST",f"/v1/policies/{BTS}/impact?format=text",im_req,raw=True))
save("impact.response.md", req("POST",f"/v1/policies/{BTS}/impact?format=markdown",im_req,raw=True))
save("healthz.response.json", req("GET","/healthz"))
save("readyz.response.json", req("GET","/readyz"))

# The decision records: one decision of candidate C-0042, read back, listed, exported, replayed,
# the text of its rules, the keys of the receipts, an erasure.
RT=os.environ["RECORDS_TOKEN"]
rec_in=dict(cand, candidate={"id":"C-0042","pathway":"scolaire"})
one=req("POST",f"/v1/policies/{BTS}/decisions",{"input":rec_in,"version":"session-2027"})
rid=one["decision_id"]
def trim_stored(r):
    r["decision"]["conclusions"]={k:r["decision"]["conclusions"][k] for k in ["e61_admission","report_conformity"]}
    return r
stored=req("GET",f"/v1/decisions/{rid}",token=RT)
save("record.response.json", trim_stored(dict(stored)))
page=req("GET",f"/v1/decisions?candidate=C-0042&limit=1",token=RT)
page["decisions"]=[trim_stored(r) for r in page["decisions"]]
save("records.response.json", page)
lines=req("GET",f"/v1/decisions?candidate=C-0042&format=ndjson",token=RT,raw=True).splitlines()
save("records.response.ndjson", "".join(json.dumps(trim_stored(json.loads(l)), ensure_ascii=False)+"\n" for l in lines))
save("records.response.csv", req("GET",f"/v1/decisions?candidate=C-0042&format=csv",token=RT,raw=True))
save("replay.request.json", {"version":"session-2026"})
save("replay.response.json", req("POST",f"/v1/decisions/{rid}/replay",{"version":"session-2026"},token=RT))
text=req("GET",stored["policy_text"],token=RT)
for f in text["files"]:
    f["text"]=f["text"][:300].rsplit("\n",1)[0]+"\n…\n"
save("policy-text.response.json", text)
save("keys.response.json", req("GET","/v1/keys"))
save("erase.response.json", req("DELETE",f"/v1/decisions?candidate=C-0042",token=os.environ["ADMIN_TOKEN"]))
