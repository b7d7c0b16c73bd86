#!/usr/bin/env python3
"""Where a first-time name search's time goes in SQLite, phase by phase: the capped count, the
page (the trigram index walked to its 51st match, each match joined to its row), the walk alone,
and the walk to the count's cap. Random four-digit searches (as bench/data_scale.sh's
agents-search-cold), each asked once, on a database seeded by bench/data_scale.sh
(SEED_CACHE=DIR keeps them), read-only.
Usage: search_phases.py DATABASE [--searches 3000] [--mmap-mb 0]
"""
import argparse, random, sqlite3, time

ap = argparse.ArgumentParser()
ap.add_argument("database")
ap.add_argument("--searches", type=int, default=3000)
ap.add_argument("--mmap-mb", type=int, default=0)
a = ap.parse_args()
db = sqlite3.connect(f"file:{a.database}?mode=ro", uri=True)
db.execute(f"PRAGMA mmap_size = {a.mmap_mb * 1024 * 1024}")
PHASES = [
    ("count (capped at 1,000)",
     "SELECT count(*) FROM (SELECT 1 FROM agents_fts WHERE agents_fts MATCH ? LIMIT 1000)"),
    ("page (51 matches and their rows)",
     "SELECT agents.* FROM agents_fts JOIN agents ON agents.id = agents_fts.rowid"
     " WHERE agents_fts MATCH ? ORDER BY agents_fts.rowid LIMIT 51"),
    ("the walk to the 51st match",
     "SELECT rowid FROM agents_fts WHERE agents_fts MATCH ? ORDER BY rowid LIMIT 51"),
    ("the walk to the cap",
     "SELECT rowid FROM agents_fts WHERE agents_fts MATCH ? ORDER BY rowid LIMIT 1000"),
]
print("agents:", db.execute("SELECT count(*) FROM agents").fetchone()[0])
for label, sql in PHASES:
    # Each phase its own random searches, so that none finds the pages of the one before.
    values = ['"%04d"' % random.randint(1, 9999) for _ in range(a.searches)]
    t0 = time.perf_counter()
    for v in values:
        db.execute(sql, (v,)).fetchall()
    print(f"{label}: {(time.perf_counter() - t0) / len(values) * 1e6:.1f} us a search")
