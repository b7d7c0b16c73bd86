-- Seeds a migrated controlcenterd database with 100 projects and @n agents in one transaction:
--   sqlite3 STATE/controlcenter.db -cmd '.parameter set @n 1000000' <bench/data_scale_seed.sql
-- Run against a database the daemon has migrated (schema version 4) and that it is not
-- serving. The triggers of migration 4 keep row_counts and the FTS5 name indexes right, as
-- for any insert through the API. Values are deterministic (a multiplicative hash of the id),
-- so every run seeds the same rows, apart from the timestamps, which are relative to now.
--
-- Agents: name agent-000123-eu (id zero-padded to six digits, region eu/us/ap/sa/af/me);
-- level L1 50%, L2 30%, L3 20%; status idle 40%, active 30%, busy 15%, offline 15%; role one of
-- a dozen; a third without project, the others spread over the 100 projects; metadata a small
-- JSON object; heartbeats spread over the last 30 minutes (offline agents: hours old, or none);
-- created over the last N minutes in id order.
PRAGMA synchronous = OFF;
PRAGMA cache_size = -1048576;
BEGIN IMMEDIATE;

INSERT INTO projects (id, name, description, status, path, created_at, updated_at)
WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq WHERE x < 100),
words(i, w) AS (VALUES (0, 'apollo'), (1, 'orion'), (2, 'vega'), (3, 'atlas'), (4, 'hermes'),
  (5, 'nova'), (6, 'lyra'), (7, 'draco'), (8, 'cygnus'), (9, 'pegasus'), (10, 'phoenix'),
  (11, 'hydra'), (12, 'aquila'), (13, 'corvus'), (14, 'gemini'), (15, 'perseus'),
  (16, 'sirius'), (17, 'titan'), (18, 'zephyr'), (19, 'kepler'))
SELECT x, printf('proj-%03d-%s', x, w), 'data-scale bench project ' || x,
       CASE WHEN x % 5 = 0 THEN 'archived' ELSE 'active' END,
       printf('/srv/%s-%03d', w, x),
       CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) - (200 - x) * 3600000,
       CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) - (200 - x) * 3600000
FROM seq JOIN words ON words.i = x % 20;

INSERT INTO agents (id, name, level, role, status, project_id, metadata, last_heartbeat,
                    created_at, updated_at)
WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq WHERE x < @n),
-- Four independent 16-bit draws per id (Knuth's multiplicative hash, high half of 32 bits).
h(x, u1, u2, u3, u4, now_ms) AS (
  SELECT x,
         ((x * 2654435761) % 4294967296) >> 16,
         (((x + 104729) * 2246822519) % 4294967296) >> 16,
         (((x + 224737) * 3266489917) % 4294967296) >> 16,
         (((x + 350377) * 668265263) % 4294967296) >> 16,
         CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
  FROM seq),
v(x, region, level, role, status, project_id, u3, u4, now_ms, u1, u2) AS (
  SELECT x,
         CASE u2 % 6 WHEN 0 THEN 'eu' WHEN 1 THEN 'us' WHEN 2 THEN 'ap' WHEN 3 THEN 'sa'
                     WHEN 4 THEN 'af' ELSE 'me' END,
         CASE WHEN (u1 / 100) % 10 < 5 THEN 'L1' WHEN (u1 / 100) % 10 < 8 THEN 'L2' ELSE 'L3' END,
         CASE (u2 / 6) % 12 WHEN 0 THEN 'builder' WHEN 1 THEN 'tester' WHEN 2 THEN 'reviewer'
                            WHEN 3 THEN 'deployer' WHEN 4 THEN 'monitor' WHEN 5 THEN 'scheduler'
                            WHEN 6 THEN 'indexer' WHEN 7 THEN 'crawler' WHEN 8 THEN 'analyzer'
                            WHEN 9 THEN 'reporter' WHEN 10 THEN 'planner' ELSE 'archiver' END,
         CASE WHEN u1 % 100 < 40 THEN 'idle' WHEN u1 % 100 < 70 THEN 'active'
              WHEN u1 % 100 < 85 THEN 'busy' ELSE 'offline' END,
         CASE WHEN u3 % 3 = 0 THEN NULL ELSE 1 + (u3 / 3) % 100 END,
         u3, u4, now_ms, u1, u2
  FROM h)
SELECT x,
       printf('agent-%06d-%s', x, region),
       level, role, status, project_id,
       json_object('zone', region, 'rack', u3 % 40, 'version',
                   printf('1.%d.%d', u1 % 9, u2 % 20)),
       CASE WHEN status <> 'offline' THEN now_ms - u4 * 1800000 / 65536
            WHEN u4 % 2 = 0 THEN now_ms - 3600000 - u4 * 1000
            ELSE NULL END,
       now_ms - (@n - x) * 60000 - 3600000,
       now_ms - (@n - x) * 60000 - 3600000
FROM v;

COMMIT;
