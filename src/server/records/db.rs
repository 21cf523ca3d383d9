//! The database of decision records: SQLite or PostgreSQL through one code path (sqlx's `Any`
//! driver), its schema made by the migrations checked in beside this file and run at start.

use std::borrow::Cow;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, AssertSqlSafe, Row, SqlSafeStr as _};

use super::{Filter, Record, StoredRecord};

/// The migrations, in order: the schema every replica and every version of the service agree on.
fn migrator() -> Migrator {
    Migrator::with_migrations(vec![
        Migration::new(
            1,
            Cow::Borrowed("decision records"),
            MigrationType::Simple,
            include_str!("migrations/0001_decision_records.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            2,
            Cow::Borrowed("quotes"),
            MigrationType::Simple,
            include_str!("migrations/0002_quotes.sql").into_sql_str(),
            false,
        ),
    ])
}

/// A connection pool to the records' database.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    sqlite: bool,
}

/// The columns of a stored record, in the order [`Db::read`] reads them.
const COLUMNS: &str = "d.id, d.decided_at, d.policy, d.version, d.policy_sha256, d.candidate, \
                       d.caller, d.request, d.input_hash, d.decision, d.key_id, d.signature";

/// How every SQLite connection is set: the write-ahead log with `synchronous = NORMAL` (a commit
/// survives a crash of the process; an fsync at each checkpoint only, so a power loss may lose
/// the last commits), foreign keys checked, a wait on a busy database, and a checkpoint every
/// 64 MB of log rather than 4 MB (each one an fsync).
const SQLITE_PRAGMAS: &[&str] = &[
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
    "PRAGMA wal_autocheckpoint = 16384",
];

/// Rows inserted by one statement: SQLite takes up to 32,766 parameters, PostgreSQL 65,535.
const ROWS_PER_INSERT: usize = 200;

impl Db {
    /// Connects to `url` (`sqlite://…` or `postgres://…`) and brings its schema up to date.
    pub async fn open(url: &str) -> Result<Db, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let sqlite = url.starts_with("sqlite:");
        let pool = AnyPoolOptions::new()
            .max_connections(if sqlite { 4 } else { 8 })
            .acquire_timeout(Duration::from_secs(2))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if sqlite {
                        for pragma in SQLITE_PRAGMAS {
                            sqlx::query(*pragma).execute(&mut *conn).await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await?;
        migrator().run(&pool).await?;
        Ok(Db { pool, sqlite })
    }

    /// Whether the database is SQLite.
    pub fn is_sqlite(&self) -> bool {
        self.sqlite
    }

    /// Writes `records` in one transaction, with the policy texts in `texts` not stored yet:
    /// all of them, or none.
    pub async fn write(
        &self,
        texts: &[super::VersionText],
        records: &[Record],
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        for t in texts {
            sqlx::query(
                "INSERT INTO policy_texts (sha256, policy, version, files, first_used, quotes) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (sha256) DO NOTHING",
            )
            .bind(t.sha256.clone())
            .bind(t.policy.clone())
            .bind(t.version.clone())
            .bind(t.files.clone())
            .bind(super::now_micros())
            .bind(t.quotes.to_json())
            .execute(&mut *tx)
            .await?;
        }
        for chunk in records.chunks(ROWS_PER_INSERT) {
            let mut sql = String::from(
                "INSERT INTO decisions (id, decided_at, policy, version, policy_sha256, candidate, \
                 caller, request, input_hash, decision, key_id, signature) VALUES ",
            );
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push(',');
                }
                sql.push('(');
                for c in 0..12 {
                    if c > 0 {
                        sql.push(',');
                    }
                    sql.push_str(&format!("${}", i * 12 + c + 1));
                }
                sql.push(')');
            }
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for r in chunk {
                query = query
                    .bind(r.id.clone())
                    .bind(r.decided_at)
                    .bind(r.policy.id.to_string())
                    .bind(r.policy.version.to_string())
                    .bind(r.policy.sha256.clone())
                    .bind(r.candidate.clone())
                    .bind(r.caller.clone())
                    .bind(r.request.clone())
                    .bind(r.input_hash.clone())
                    .bind(r.decision.clone())
                    .bind(r.receipt.as_ref().map(|s| s.key_id.clone()))
                    .bind(r.receipt.as_ref().map(|s| s.signature.clone()));
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await
    }

    /// The record of decision `id`, its decision whole (see [`Db::restore`]).
    pub async fn get(&self, id: &str) -> Result<Option<StoredRecord>, sqlx::Error> {
        let sql = format!("SELECT {COLUMNS} FROM decisions d WHERE d.id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        let Some(record) = row.map(|r| read(&r)).transpose()? else {
            return Ok(None);
        };
        Ok(self.restore(vec![record]).await?.into_iter().next())
    }

    /// `records` with the clause texts their decisions quote put back (they are stored without,
    /// see [`super::quotes`]).
    async fn restore(
        &self,
        mut records: Vec<StoredRecord>,
    ) -> Result<Vec<StoredRecord>, sqlx::Error> {
        let mut quotes: std::collections::HashMap<String, Option<super::quotes::Quotes>> =
            std::collections::HashMap::new();
        for record in &mut records {
            if !record.full() {
                continue;
            }
            if !quotes.contains_key(&record.policy_sha256) {
                let q = self.quotes(&record.policy_sha256).await?;
                quotes.insert(record.policy_sha256.clone(), q);
            }
            if let Some(Some(q)) = quotes.get(&record.policy_sha256) {
                record.decision = q.restore(&record.decision);
            }
        }
        Ok(records)
    }

    /// The records `filter` selects, oldest first, from the one after `after` (its time and
    /// id), at most `limit`.
    pub async fn list(
        &self,
        filter: &Filter,
        after: Option<(i64, String)>,
        limit: usize,
    ) -> Result<Vec<StoredRecord>, sqlx::Error> {
        let mut sql = format!("SELECT {COLUMNS} FROM decisions d WHERE 1 = 1");
        let mut n = 0;
        let mut next = |sql: &mut String, clause: &str| {
            n += 1;
            sql.push_str(&clause.replace('?', &format!("${n}")));
        };
        if filter.policy.is_some() {
            next(&mut sql, " AND d.policy = ?");
        }
        if filter.version.is_some() {
            next(&mut sql, " AND d.version = ?");
        }
        if filter.candidate.is_some() {
            next(&mut sql, " AND d.candidate = ?");
        }
        if filter.from.is_some() {
            next(&mut sql, " AND d.decided_at >= ?");
        }
        if filter.to.is_some() {
            next(&mut sql, " AND d.decided_at < ?");
        }
        if after.is_some() {
            next(&mut sql, " AND (d.decided_at > ?");
            next(&mut sql, " OR (d.decided_at = ?");
            next(&mut sql, " AND d.id > ?))");
        }
        sql.push_str(&format!(
            " ORDER BY d.decided_at, d.id LIMIT {}",
            limit.min(10_000)
        ));
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for text in [&filter.policy, &filter.version, &filter.candidate]
            .into_iter()
            .flatten()
        {
            query = query.bind(text.clone());
        }
        for time in [filter.from, filter.to].into_iter().flatten() {
            query = query.bind(time);
        }
        if let Some((at, id)) = after {
            query = query.bind(at).bind(at).bind(id);
        }
        let rows = query.fetch_all(&self.pool).await?;
        let records = rows.iter().map(read).collect::<Result<Vec<_>, _>>()?;
        self.restore(records).await
    }

    /// The files of the policy version whose sha256 is `sha256`, as JSON.
    pub async fn text(
        &self,
        sha256: &str,
    ) -> Result<Option<(String, String, String)>, sqlx::Error> {
        let row = sqlx::query("SELECT policy, version, files FROM policy_texts WHERE sha256 = $1")
            .bind(sha256.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .transpose()
    }

    /// The quotes of the version whose sha256 is `sha256` (see [`super::quotes`]).
    pub async fn quotes(&self, sha256: &str) -> Result<Option<super::quotes::Quotes>, sqlx::Error> {
        let row = sqlx::query("SELECT quotes FROM policy_texts WHERE sha256 = $1")
            .bind(sha256.to_string())
            .fetch_optional(&self.pool)
            .await?;
        let text: Option<String> = match row {
            Some(r) => r.try_get(0)?,
            None => None,
        };
        Ok(text.and_then(|t| super::quotes::Quotes::from_json(&t)))
    }

    /// Deletes the records of `candidate` (of `policy` when given): how many.
    pub async fn erase(&self, candidate: &str, policy: Option<&str>) -> Result<u64, sqlx::Error> {
        let done = match policy {
            Some(policy) => {
                sqlx::query("DELETE FROM decisions WHERE candidate = $1 AND policy = $2")
                    .bind(candidate.to_string())
                    .bind(policy.to_string())
                    .execute(&self.pool)
                    .await?
            }
            None => {
                sqlx::query("DELETE FROM decisions WHERE candidate = $1")
                    .bind(candidate.to_string())
                    .execute(&self.pool)
                    .await?
            }
        };
        Ok(done.rows_affected())
    }

    /// Deletes the records of `policy` (of every policy but `others_than` when none) made
    /// before `before` (microseconds): how many.
    pub async fn purge(
        &self,
        policy: Option<&str>,
        others_than: &[String],
        before: i64,
    ) -> Result<u64, sqlx::Error> {
        let done = match policy {
            Some(policy) => {
                sqlx::query("DELETE FROM decisions WHERE policy = $1 AND decided_at < $2")
                    .bind(policy.to_string())
                    .bind(before)
                    .execute(&self.pool)
                    .await?
            }
            None => {
                let mut sql = String::from("DELETE FROM decisions WHERE decided_at < $1");
                for i in 0..others_than.len() {
                    sql.push_str(&format!(" AND policy <> ${}", i + 2));
                }
                let mut query = sqlx::query(AssertSqlSafe(sql)).bind(before);
                for other in others_than {
                    query = query.bind(other.clone());
                }
                query.execute(&self.pool).await?
            }
        };
        Ok(done.rows_affected())
    }

    /// Deletes the policy texts no record refers to any more.
    pub async fn drop_unused_texts(&self) -> Result<u64, sqlx::Error> {
        let done = sqlx::query(
            "DELETE FROM policy_texts WHERE NOT EXISTS \
             (SELECT 1 FROM decisions d WHERE d.policy_sha256 = policy_texts.sha256)",
        )
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// How many records are stored.
    pub async fn count(&self) -> Result<i64, sqlx::Error> {
        let row = sqlx::query("SELECT COUNT(*) FROM decisions")
            .fetch_one(&self.pool)
            .await?;
        row.try_get(0)
    }
}

fn read(row: &AnyRow) -> Result<StoredRecord, sqlx::Error> {
    Ok(StoredRecord {
        id: row.try_get(0)?,
        decided_at: row.try_get(1)?,
        policy: row.try_get(2)?,
        version: row.try_get(3)?,
        policy_sha256: row.try_get(4)?,
        candidate: row.try_get(5)?,
        caller: row.try_get(6)?,
        request: row.try_get(7)?,
        input_hash: row.try_get(8)?,
        decision: row.try_get(9)?,
        key_id: row.try_get(10)?,
        signature: row.try_get(11)?,
    })
}
