"""Work done by push, pull and browse, counted so that a busy machine cannot blur it (issue 8).

    .venv/bin/python bench/refactor_compare.py TREE [postgresql-url]

TREE is a checkout of Fieldnotes (this one, or another commit's: `git worktree add /tmp/before <rev>`).
Prints JSON: push, the CPU seconds to push 1,000 new notes in batches of 200 (process time, still
noisy on a loaded machine); pull and browse, the number of Python function calls cProfile counts
for pulling those notes in pages of 500 and for 20 browse pages: deterministic, so two trees
compare exactly in one run whatever else the machine does.
"""
import cProfile, json, pstats, sys, tempfile, time, uuid
from datetime import UTC, datetime, timedelta
tree = sys.argv[1]
sys.path.insert(0, tree)
from fieldnotes import create_app
from fieldnotes.extensions import db
from tests.factories import PASSWORD, make_study, make_user, note_mutation

url = sys.argv[2] if len(sys.argv) > 2 else f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"
app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
with app.app_context():
    db.drop_all(); db.create_all()
    user = make_user("bench@example.org"); study = make_study(user); study_id = study.id
start = datetime(2026, 3, 1, 9, tzinfo=UTC)
N, B = 1000, 200
muts = [note_mutation(study_id, text=f"Re-keys order {i} from the PDF into the ERP by hand.",
                      captured_at=(start + timedelta(seconds=i)).isoformat()) for i in range(N)]
client = app.test_client()
client.post("/login", data={"email": "bench@example.org", "password": PASSWORD})
device = str(uuid.uuid4())
t0 = time.process_time()
for i in range(0, N, B):
    r = client.post("/api/sync/push", json={"device_id": device, "mutations": muts[i:i + B]})
    assert r.status_code == 200 and all(x["status"] == "applied" for x in r.json["results"]), r.json
push = time.process_time() - t0
prof = cProfile.Profile(); prof.enable()
cursor = ""
while True:
    r = client.get(f"/api/sync/pull?study_id={study_id}&limit=500&cursor={cursor}")
    assert r.status_code == 200
    cursor = r.json["cursor"]
    if not r.json.get("more"):
        break
prof.disable(); pull = pstats.Stats(prof).total_calls
prof = cProfile.Profile(); prof.enable()
for _ in range(20):
    r = client.get(f"/studies/{study_id}/notes")
    assert r.status_code == 200
prof.disable(); browse = pstats.Stats(prof).total_calls
print(json.dumps({"push": round(push, 3), "pull": round(pull, 3), "browse": round(browse, 3)}))
