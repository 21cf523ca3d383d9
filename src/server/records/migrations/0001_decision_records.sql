-- The decision records: one row per decision answered, and the text of every policy version a
-- decision was made under, kept once per sha256. Written for SQLite and PostgreSQL alike.

CREATE TABLE policy_texts (
    sha256      TEXT PRIMARY KEY,
    policy      TEXT NOT NULL,
    version     TEXT NOT NULL,
    -- {"files": [{"name": ..., "text": ...}]}: the version's files, its root layer first.
    files       TEXT NOT NULL,
    first_used  BIGINT NOT NULL
);

CREATE TABLE decisions (
    id             TEXT PRIMARY KEY,
    -- Microseconds since 1970-01-01 UTC.
    decided_at     BIGINT NOT NULL,
    policy         TEXT NOT NULL,
    version        TEXT NOT NULL,
    policy_sha256  TEXT NOT NULL REFERENCES policy_texts (sha256),
    -- The value of the policy's record key (`record key candidate.id`), or its salted hash.
    candidate      TEXT,
    caller         TEXT,
    -- {"input": ..., "version"?, "as_of"?, "options": {...}}; the input replaced by its salted
    -- hash when records are kept hashed.
    request        TEXT NOT NULL,
    -- The salted sha256 of the input, when only that is kept.
    input_hash     TEXT,
    -- The decision as answered, and its receipt's signature (base64, none without a key).
    decision       TEXT NOT NULL,
    key_id         TEXT,
    signature      TEXT
);

CREATE INDEX decisions_by_time ON decisions (decided_at, id);
CREATE INDEX decisions_by_policy ON decisions (policy, version, decided_at);
CREATE INDEX decisions_by_candidate ON decisions (candidate, decided_at);
