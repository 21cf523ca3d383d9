//! The database of decision records: SQLite or PostgreSQL through one code path (sqlx's `Any`
//! driver), its schema made by the migrations checked in beside this file and run at start.
//!
//! One step differs: the writer puts its batches into a SQLite *file* through a connection of
//! its own ([`SqliteWriter`], rusqlite over the same SQLite library), with the same statements
//! in the same transaction, because the pool's round trips (the writer, the records' runtime,
//! sqlx's thread for the connection) and its checkpoints cost about a tenth of the service's
//! throughput more (benches/README.md, "The writer on its own thread"). Reading, erasing,
//! purging and the schema go through the pool for both databases.

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
/// the last commits), foreign keys checked, a wait on a busy database, a checkpoint every
/// 64 MB of log rather than 4 MB (each one an fsync) by the connections that do not leave it to
/// [`SqliteWriter`]'s checkpointer, and deleted rows overwritten with zeros (`secure_delete`),
/// so that an erased candidate's record does not stay in the file's free space.
const SQLITE_PRAGMAS: &[&str] = &[
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
    "PRAGMA wal_autocheckpoint = 16384",
    "PRAGMA secure_delete = ON",
];

/// Stores a version's text, unless stored already.
const INSERT_TEXT: &str = "INSERT INTO policy_texts (sha256, policy, version, files, first_used, \
                           quotes) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (sha256) DO NOTHING";

/// Rows inserted by one statement: SQLite takes up to 32,766 parameters, PostgreSQL 65,535.
const ROWS_PER_INSERT: usize = 200;

impl Db {
    /// Connects to `url` (`sqlite://…` or `postgres://…`) and brings its schema up to date.
    pub async fn open(url: &str) -> Result<Db, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let sqlite = url.starts_with("sqlite:");
        if sqlite {
            private_file(url).map_err(sqlx::Error::Io)?;
        }
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
        texts: &[std::sync::Arc<super::VersionText>],
        records: &[Record],
    ) -> Result<(), sqlx::Error> {
        // A batch that one statement writes needs no transaction of its own: a statement is
        // atomic, and one round trip to the database costs less than three.
        if texts.is_empty() && records.len() <= ROWS_PER_INSERT {
            insert(records).execute(&self.pool).await?;
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        for t in texts {
            sqlx::query(INSERT_TEXT)
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
            insert(chunk).execute(&mut *tx).await?;
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
        // The caller bounds `limit` (a page, or one more than an export holds, so that a
        // selection too large for an export is refused rather than cut short).
        sql.push_str(&format!(" ORDER BY d.decided_at, d.id LIMIT {limit}"));
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

    /// After records were deleted: in SQLite, copies the write-ahead log into the file and
    /// empties it (`wal_checkpoint(TRUNCATE)`), so that the deleted rows do not stay in the
    /// log's old pages; the file's own pages were overwritten (`secure_delete`). PostgreSQL
    /// keeps deleted rows until its vacuum, which its own settings rule.
    pub async fn forget_deleted(&self) -> Result<(), sqlx::Error> {
        if !self.sqlite {
            return Ok(());
        }
        let row = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&self.pool)
            .await?;
        // A checkpoint that readers or a writer held up says so in its first column.
        let busy: i64 = row.try_get(0)?;
        if busy != 0 {
            tracing::warn!(
                "the decision store's log could not be emptied after a deletion (the store was busy): it will be at the next checkpoint that finds it idle"
            );
        }
        Ok(())
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

/// Creates the file of the SQLite database `url`, readable by its owner only, when `url` may
/// create it (`mode=rwc`) and it does not exist yet: SQLite would make it readable by all, and
/// makes its log and shared-memory files (`-wal`, `-shm`) as the database file is. An existing
/// file readable by others is kept as it is, with a warning.
fn private_file(url: &str) -> std::io::Result<()> {
    use std::str::FromStr as _;
    let Ok(options) = sqlx::sqlite::SqliteConnectOptions::from_str(url) else {
        return Ok(());
    };
    let path = options.get_filename();
    if path.as_os_str().is_empty()
        || path.to_string_lossy().contains(":memory:")
        || url.contains("mode=memory")
    {
        return Ok(());
    }
    #[cfg(unix)]
    if let Ok(meta) = std::fs::metadata(path) {
        use std::os::unix::fs::PermissionsExt as _;
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!(file = %path.display(), "the decision store is readable by others than its owner: `chmod 600` it (and its -wal and -shm files)");
        }
        return Ok(());
    }
    if !url.contains("mode=rwc") {
        return Ok(());
    }
    // Made empty, as the receipt key and the salt are made (SQLite then writes its header).
    match super::receipt::write_private(path, b"") {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(std::io::Error::new(
            e.kind(),
            format!("{}: {e}", path.display()),
        )),
    }
}

/// The statement that inserts `records` (at most [`ROWS_PER_INSERT`]), in one row each.
fn insert(records: &[Record]) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
    let mut query = sqlx::query(AssertSqlSafe(insert_sql(records.len())));
    for r in records {
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
    query
}

/// The statement that inserts `rows` records, their twelve columns numbered in order.
fn insert_sql(rows: usize) -> String {
    let mut sql = String::from(
        "INSERT INTO decisions (id, decided_at, policy, version, policy_sha256, candidate, \
         caller, request, input_hash, decision, key_id, signature) VALUES ",
    );
    for i in 0..rows {
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
    sql
}

/// The connection the writer keeps to a SQLite file: its own, on its own thread, so that a
/// batch is written without a pool, a runtime or a worker thread in between. The schema is the
/// one [`Db::open`] brought up to date, the statements are [`Db::write`]'s.
///
/// The writer does not checkpoint the write-ahead log itself: a checkpoint copies the log into
/// the database and waits for the disk twice (`fsync`), and answers waiting for a commit would
/// wait for it too. A thread of its own checkpoints instead, on a connection of its own, soon
/// after commits (a passive checkpoint, which never holds the writer up).
pub struct SqliteWriter {
    connection: rusqlite::Connection,
    /// Tells the checkpointer that the log grew.
    grew: std::sync::mpsc::SyncSender<()>,
}

/// How long the checkpointer lets commits gather before it copies them into the database.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// A connection to the SQLite file at `path`, set as every connection to the records is.
fn sqlite_connection(path: &std::path::Path) -> Result<rusqlite::Connection, String> {
    let connection = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| e.to_string())?;
    for pragma in SQLITE_PRAGMAS {
        // `journal_mode` answers with a row; the others with none.
        connection
            .query_row(pragma, [], |_| Ok(()))
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(()),
                e => Err(e),
            })
            .map_err(|e| e.to_string())?;
    }
    Ok(connection)
}

/// Checkpoints the log of `connection` each time the writer says it grew (at most every
/// [`CHECKPOINT_EVERY`]), and once more when the writer is gone.
fn checkpoint(connection: &rusqlite::Connection, grew: &std::sync::mpsc::Receiver<()>) {
    let run = || {
        if let Err(e) = connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!(error = %e, "the decision store's checkpoint failed");
        }
    };
    while grew.recv().is_ok() {
        std::thread::sleep(CHECKPOINT_EVERY);
        while grew.try_recv().is_ok() {}
        run();
    }
    run();
}

impl SqliteWriter {
    /// A connection of its own to the file of the SQLite database `url` (none for a database in
    /// memory, which only the pool's connections share).
    pub fn open(url: &str) -> Result<Option<SqliteWriter>, String> {
        use std::str::FromStr as _;
        let options =
            sqlx::sqlite::SqliteConnectOptions::from_str(url).map_err(|e| e.to_string())?;
        let path = options.get_filename();
        if path.as_os_str().is_empty()
            || path.to_string_lossy().contains(":memory:")
            || url.contains("mode=memory")
        {
            return Ok(None);
        }
        let connection = sqlite_connection(path)?;
        connection
            .pragma_update(None, "wal_autocheckpoint", 0)
            .map_err(|e| e.to_string())?;
        let checkpointer = sqlite_connection(path)?;
        let (grew, growth) = std::sync::mpsc::sync_channel(1);
        std::thread::Builder::new()
            .name("clausier-records-checkpoint".into())
            .spawn(move || checkpoint(&checkpointer, &growth))
            .map_err(|e| e.to_string())?;
        Ok(Some(SqliteWriter { connection, grew }))
    }

    /// As [`Db::write`]: `records` in one transaction, with the texts not stored yet.
    pub fn write(
        &mut self,
        texts: &[std::sync::Arc<super::VersionText>],
        records: &[Record],
    ) -> Result<(), rusqlite::Error> {
        let tx = self.connection.transaction()?;
        for t in texts {
            tx.prepare_cached(INSERT_TEXT)?.execute(rusqlite::params![
                t.sha256,
                t.policy,
                t.version,
                t.files,
                super::now_micros(),
                t.quotes.to_json(),
            ])?;
        }
        {
            let mut insert = tx.prepare_cached(&insert_sql(1))?;
            for r in records {
                insert.execute(rusqlite::params![
                    r.id,
                    r.decided_at,
                    &*r.policy.id,
                    &*r.policy.version,
                    &*r.policy.sha256,
                    r.candidate,
                    r.caller,
                    r.request,
                    r.input_hash,
                    r.decision,
                    r.receipt.as_ref().map(|s| s.key_id.as_str()),
                    r.receipt.as_ref().map(|s| s.signature.as_str()),
                ])?;
            }
        }
        tx.commit()?;
        // Full: the checkpointer has yet to run, and will see this commit.
        let _ = self.grew.try_send(());
        Ok(())
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
