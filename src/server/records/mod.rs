//! Decision records: every decision the service answers is kept in a database (SQLite by
//! default, PostgreSQL for replicas that share one), with the text of the policy version it
//! was made under, so that an appeal months later can be shown what was decided, on which
//! record, under which rules, and whether today's rules decide otherwise.
//!
//! Writing is batched by one writer, on a thread of its own: a decision's handler queues its
//! record (a bounded queue) and waits, at most [`RecordsOptions::wait`], for the transaction
//! that holds it to commit (a transaction of fewer than 16 records waits 1 ms for others to
//! join it), so that an answered decision is in the store unless the log said otherwise before
//! the answer.
//! When the queue is full, the record is lost; when the database is slow or down, the answer
//! goes without waiting longer and the record stays queued. Either way the decision is still
//! answered, the case counted in `/metrics` and logged with the decision's id (never with the
//! record's data).

pub mod db;
pub mod quotes;
pub mod receipt;
pub mod replay;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use prometheus::{IntCounter, IntCounterVec, IntGauge, Opts, Registry};
use serde_json::Value as Json;
use sha2::Digest as _;
use tokio::sync::{mpsc, oneshot};

use crate::prepared::Prepared;
use receipt::Receipt;

pub use db::Db;

/// How records are kept.
#[derive(Clone, Debug)]
pub struct RecordsOptions {
    /// The database: `sqlite://…` or `postgres://…`.
    pub url: String,
    /// Records waiting for the writer, at most.
    pub queue: usize,
    /// Longest wait of an answer for its record's commit.
    pub wait: Duration,
    /// Days a record is kept, by policy (`None`: every other policy).
    pub retention: Vec<(Option<String>, u32)>,
    /// Keep a salted hash of the input instead of the input (and of the candidate key).
    pub hashed: Option<Arc<[u8]>>,
    /// The file the salt was read from (none: the data folder's `input-salt`).
    pub salt_file: Option<std::path::PathBuf>,
    /// How often expired records are purged.
    pub purge_every: Duration,
    /// Longest wait of an erasure for the records queued before it to be written.
    pub erase_wait: Duration,
}

/// A decision to record.
#[derive(Debug)]
pub struct Record {
    /// The decision's id.
    pub id: String,
    /// When it was made, in microseconds since 1970-01-01 UTC.
    pub decided_at: i64,
    /// The version it was made under (its text is stored with the first record that uses it).
    pub policy: Arc<Prepared>,
    /// The value of the policy's record key, or its salted hash.
    pub candidate: Option<String>,
    /// Who asked: the client identified, else `X-Client-Id`.
    pub caller: Option<String>,
    /// The request as JSON: `{"input", "version"?, "as_of"?, "options"}`.
    pub request: String,
    /// The input's salted hash, when the input itself is not kept.
    pub input_hash: Option<String>,
    /// The decision as answered (without its receipt); stored without the clause texts it
    /// quotes when `full`.
    pub decision: String,
    /// Whether the decision quotes its clauses in full (the default form, not `citations=ids`).
    pub full: bool,
    /// Its receipt.
    pub receipt: Option<Receipt>,
}

/// A record as read back.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredRecord {
    /// The decision's id.
    pub id: String,
    /// When it was made, in microseconds since 1970-01-01 UTC.
    pub decided_at: i64,
    /// The policy id.
    pub policy: String,
    /// The version label.
    pub version: String,
    /// The sha256 of the version's text.
    pub policy_sha256: String,
    /// The record key's value (or its salted hash).
    pub candidate: Option<String>,
    /// Who asked.
    pub caller: Option<String>,
    /// The request, as JSON text.
    pub request: String,
    /// The input's salted hash, when the input is not kept.
    pub input_hash: Option<String>,
    /// The decision, as JSON text.
    pub decision: String,
    /// The key that signed the receipt.
    pub key_id: Option<String>,
    /// The receipt's signature.
    pub signature: Option<String>,
}

impl StoredRecord {
    /// Whether the decision quotes its clauses in full (stored without their texts).
    pub fn full(&self) -> bool {
        serde_json::from_str::<Json>(&self.request)
            .ok()
            .is_none_or(|r| r.pointer("/options/citations").is_none())
    }
}

/// Which records a listing selects.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Of this policy.
    pub policy: Option<String>,
    /// Of this version label.
    pub version: Option<String>,
    /// Of this candidate (the record key's value, hashed as stored).
    pub candidate: Option<String>,
    /// Made at or after (microseconds).
    pub from: Option<i64>,
    /// Made before (microseconds).
    pub to: Option<i64>,
}

/// What became of a record by the time its decision is answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Committed.
    Written,
    /// Still queued when the wait ran out (the database is slow or down).
    Unconfirmed,
    /// Not kept: the queue was full, or the database refused the batch.
    Lost,
}

/// A record to write, or (without one) a mark answered once everything before it is written.
struct Job {
    record: Option<Record>,
    done: oneshot::Sender<bool>,
}

/// The counters of the records.
#[derive(Clone)]
pub struct RecordMetrics {
    /// Records committed.
    pub written: IntCounter,
    /// Records lost, by reason (`queue_full`, `database`).
    pub lost: IntCounterVec,
    /// Decisions answered before their record was committed.
    pub unconfirmed: IntCounter,
    /// Records waiting for the writer.
    pub queued: IntGauge,
    /// Records deleted by the retention purge and by erasure requests, by reason.
    pub deleted: IntCounterVec,
}

impl RecordMetrics {
    /// Creates the counters in `registry`.
    pub fn new(registry: &Registry) -> Result<RecordMetrics, prometheus::Error> {
        let written = IntCounter::new(
            "clausier_records_written_total",
            "Decision records committed to the store",
        )?;
        let lost = IntCounterVec::new(
            Opts::new(
                "clausier_records_lost_total",
                "Decision records not kept, by reason (queue_full, database)",
            ),
            &["reason"],
        )?;
        let unconfirmed = IntCounter::new(
            "clausier_records_unconfirmed_total",
            "Decisions answered before their record was committed (the database slow or down)",
        )?;
        let queued = IntGauge::new(
            "clausier_records_queued",
            "Decision records waiting to be written",
        )?;
        let deleted = IntCounterVec::new(
            Opts::new(
                "clausier_records_deleted_total",
                "Decision records deleted, by reason (retention, erasure)",
            ),
            &["reason"],
        )?;
        registry.register(Box::new(written.clone()))?;
        registry.register(Box::new(lost.clone()))?;
        registry.register(Box::new(unconfirmed.clone()))?;
        registry.register(Box::new(queued.clone()))?;
        registry.register(Box::new(deleted.clone()))?;
        Ok(RecordMetrics {
            written,
            lost,
            unconfirmed,
            queued,
            deleted,
        })
    }
}

/// The store of decision records, as the handlers use it.
pub struct Records {
    db: Db,
    tx: mpsc::Sender<Job>,
    /// The runtime the database work runs on (its own threads, whatever serves HTTP).
    runtime: tokio::runtime::Handle,
    _runtime: Arc<Background>,
    /// Set while the last write failed: answers then go without waiting.
    down: Arc<AtomicBool>,
    wait: Duration,
    /// Longest wait of an erasure for the records queued before it.
    erase_wait: Duration,
    hashed: Option<Arc<[u8]>>,
    metrics: RecordMetrics,
}

impl std::fmt::Debug for Records {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Records")
            .field("sqlite", &self.db.is_sqlite())
            .finish_non_exhaustive()
    }
}

/// Microseconds since 1970-01-01 UTC, now.
pub fn now_micros() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

impl Records {
    /// Opens the store (creating its schema), and starts its writer and its purge.
    pub fn open(options: &RecordsOptions, metrics: RecordMetrics) -> Result<Records, String> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("clausier-records")
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let db = runtime
            .block_on(Db::open(&options.url))
            .map_err(|e| format!("the decision store `{}`: {e}", shown(&options.url)))?;
        let (tx, rx) = mpsc::channel(options.queue.max(1));
        let down = Arc::new(AtomicBool::new(false));
        let writer = match db.is_sqlite() {
            true => db::SqliteWriter::open(&options.url)?,
            false => None,
        };
        let sink = match writer {
            Some(writer) => Sink::Sqlite(writer),
            None => Sink::Pool(db.clone(), runtime.handle().clone()),
        };
        let dropped = Arc::new(AtomicU64::new(0));
        let (writer_down, writer_metrics) = (Arc::clone(&down), metrics.clone());
        let writer_dropped = Arc::clone(&dropped);
        std::thread::Builder::new()
            .name("clausier-records-writer".into())
            .spawn(move || write_behind(sink, rx, &writer_down, &writer_dropped, &writer_metrics))
            .map_err(|e| e.to_string())?;
        runtime.spawn(purge(db.clone(), options.clone(), dropped, metrics.clone()));
        Ok(Records {
            db,
            tx,
            runtime: runtime.handle().clone(),
            _runtime: Arc::new(Background(Some(runtime))),
            down,
            wait: options.wait,
            erase_wait: options.erase_wait,
            hashed: options.hashed.clone(),
            metrics,
        })
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Runs `work` on the store's runtime.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl std::future::Future<Output = T> + Send + 'static,
    ) -> Option<T> {
        self.runtime.spawn(work).await.ok()
    }

    /// The salted hash of `text` when records are kept hashed, else `text`.
    pub fn key_of(&self, text: &str) -> String {
        match &self.hashed {
            Some(salt) => salted(salt, text.as_bytes()),
            None => text.to_string(),
        }
    }

    /// The salted hash of `input` as a record keeps it when inputs are kept hashed (empty
    /// otherwise).
    pub fn input_hash(&self, input: &Json) -> String {
        self.hashed
            .as_ref()
            .map(|salt| hash_input(salt, input))
            .unwrap_or_default()
    }

    /// Whether inputs are kept as a salted hash only.
    pub fn hashed(&self) -> bool {
        self.hashed.is_some()
    }

    /// The request and input hash to store for `input` (and the rest of the request).
    pub fn request_of(
        &self,
        input: &Json,
        mut rest: serde_json::Map<String, Json>,
    ) -> (String, Option<String>) {
        match &self.hashed {
            Some(salt) => {
                let hash = hash_input(salt, input);
                rest.insert("input_sha256".into(), Json::String(hash.clone()));
                (Json::Object(rest).to_string(), Some(hash))
            }
            None => {
                rest.insert("input".into(), input.clone());
                (Json::Object(rest).to_string(), None)
            }
        }
    }

    /// Queues `record`; the answer to wait for before answering its decision.
    pub fn submit(&self, record: Record) -> Pending {
        let id = record.id.clone();
        let (done, confirmed) = oneshot::channel();
        match self.tx.try_send(Job {
            record: Some(record),
            done,
        }) {
            Ok(()) => {
                self.metrics.queued.inc();
                Pending {
                    id,
                    confirmed: Some(confirmed),
                    wait: if self.down.load(Ordering::Relaxed) {
                        Duration::ZERO
                    } else {
                        self.wait
                    },
                    metrics: self.metrics.clone(),
                    runtime: self.runtime.clone(),
                }
            }
            Err(_) => {
                self.metrics.lost.with_label_values(&["queue_full"]).inc();
                tracing::warn!(decision_id = %id, "decision record lost: the record queue is full");
                Pending {
                    id,
                    confirmed: None,
                    wait: Duration::ZERO,
                    metrics: self.metrics.clone(),
                    runtime: self.runtime.clone(),
                }
            }
        }
    }
}

/// The records' runtime, shut down without waiting when the last handle goes (which may be on
/// a thread of another runtime, where waiting is not allowed).
struct Background(Option<tokio::runtime::Runtime>);

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// The database URL as logs may show it: without its password.
pub fn shown(url: &str) -> String {
    let (Some(scheme), Some(at)) = (url.find("://"), url.rfind('@')) else {
        return url.to_string();
    };
    match url.get(scheme + 3..at).and_then(|c| c.split_once(':')) {
        Some((user, _password)) if at > scheme => {
            format!("{}{user}:…@{}", &url[..scheme + 3], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

/// The fewest bytes a salt of hashed inputs holds: fewer would let the hashes of the
/// candidates' keys, which are short and guessable, be found by trying them all.
pub const SALT_MIN: usize = 16;

/// The salt of hashed inputs in `path`: at least [`SALT_MIN`] bytes in hex, as
/// [`salt_in`] writes it.
pub fn read_salt(path: &std::path::Path) -> std::io::Result<Arc<[u8]>> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| std::io::Error::new(e.kind(), format!("{shown}: {e}")))?;
    let salt = hex::decode(text.trim()).map_err(|e| {
        std::io::Error::other(format!(
            "{shown}: the salt is not hex ({e}): make one with `openssl rand -hex 32`"
        ))
    })?;
    if salt.len() < SALT_MIN {
        return Err(std::io::Error::other(format!(
            "{shown}: the salt holds {} bytes, fewer than {SALT_MIN}: make one with `openssl rand -hex 32`",
            salt.len()
        )));
    }
    Ok(Arc::from(salt))
}

/// The salt of hashed inputs, in `input-salt` in the data folder `data`: made at first use
/// (readable by its owner only, and once even when replicas share the folder).
pub fn salt_in(data: &std::path::Path) -> std::io::Result<Arc<[u8]>> {
    let path = data.join("input-salt");
    match read_salt(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            private_dir(data)?;
            let mut salt = [0u8; 32];
            getrandom::fill(&mut salt).map_err(|e| std::io::Error::other(e.to_string()))?;
            match receipt::write_private(&path, hex::encode(salt).as_bytes()) {
                Ok(()) => Ok(Arc::from(&salt[..])),
                // Another process sharing the folder made it first: use its salt.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read_salt(&path),
                Err(e) => Err(std::io::Error::new(
                    e.kind(),
                    format!("{}: {e}", path.display()),
                )),
            }
        }
        read => read,
    }
}

/// Creates the folder `dir` (and those above it) when missing, readable by its owner only:
/// it holds the records, the receipt key and the salt.
pub fn private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// The value at the dotted `path` of `input` (`candidate.id`), if any.
pub fn at_path<'j>(input: &'j Json, path: &str) -> Option<&'j Json> {
    path.split('.')
        .try_fold(input, |value, field| value.get(field))
}

/// The salted hash a record keeps of `input` (`--keep-inputs hashed`): of its canonical JSON,
/// so that the same record written otherwise hashes the same.
pub fn hash_input(salt: &[u8], input: &Json) -> String {
    salted(salt, &receipt::canonical(input))
}

/// The hex sha256 of `salt` then `bytes`.
pub fn salted(salt: &[u8], bytes: &[u8]) -> String {
    let mut hasher = sha2::Sha256::new();
    hasher.update(salt);
    hasher.update(bytes);
    hex::encode(hasher.finalize())
}

impl Records {
    /// Waits, at most `within`, until every record queued so far is written (or given up):
    /// what a graceful stop does before the process exits. True when they all were.
    pub async fn flush(&self, within: Duration) -> bool {
        self.caught_up(within).await == Some(true)
    }

    /// Waits, at most `within`, until the writer has dealt with every record queued so far:
    /// whether the last batch it wrote was committed; none when the wait ran out (the store is
    /// slow or down, and those records may still be written).
    pub async fn caught_up(&self, within: Duration) -> Option<bool> {
        let (done, written) = oneshot::channel();
        let marked = async {
            self.tx.send(Job { record: None, done }).await.ok()?;
            written.await.ok()
        };
        tokio::time::timeout(within, marked).await.ok().flatten()
    }

    /// Deletes the records of `candidate` (its key, hashed when inputs are), of `policy` only
    /// when given: how many. The records queued before are dealt with first (written, or given
    /// up), at most [`RecordsOptions::erase_wait`], so that none of them is written after the
    /// erasure; the deleted rows are then wiped from the database's log (see
    /// [`Db::forget_deleted`]).
    pub async fn erase(&self, candidate: &str, policy: Option<String>) -> Result<u64, EraseError> {
        self.caught_up(self.erase_wait)
            .await
            .ok_or(EraseError::Pending)?;
        let (db, key) = (self.db.clone(), self.key_of(candidate));
        self.run(async move {
            let deleted = db.erase(&key, policy.as_deref()).await?;
            if deleted > 0 {
                db.forget_deleted().await?;
            }
            Ok(deleted)
        })
        .await
        .unwrap_or(Err(sqlx::Error::PoolClosed))
        .map_err(EraseError::Store)
    }
}

/// Why an erasure did not happen.
#[derive(Debug)]
pub enum EraseError {
    /// Records queued before it were not dealt with in time (the store is slow or down).
    Pending,
    /// The store failed.
    Store(sqlx::Error),
}

/// A record queued, whose commit an answer waits for.
#[must_use]
pub struct Pending {
    id: String,
    confirmed: Option<oneshot::Receiver<bool>>,
    wait: Duration,
    metrics: RecordMetrics,
    runtime: tokio::runtime::Handle,
}

impl Pending {
    /// Waits for the commit, at most the store's wait: what became of the record.
    pub async fn settle(mut self) -> Outcome {
        let Some(confirmed) = self.confirmed.take() else {
            return Outcome::Lost;
        };
        let outcome = match tokio::time::timeout(self.wait, confirmed).await {
            Ok(Ok(true)) => Outcome::Written,
            Ok(_) => Outcome::Lost,
            Err(_) => Outcome::Unconfirmed,
        };
        self.said(outcome)
    }

    /// As [`Pending::settle`], from a thread that may block (a batch's).
    pub fn settle_blocking(self) -> Outcome {
        let runtime = self.runtime.clone();
        runtime.block_on(self.settle())
    }

    fn said(self, outcome: Outcome) -> Outcome {
        if outcome == Outcome::Unconfirmed {
            self.metrics.unconfirmed.inc();
            tracing::warn!(
                decision_id = %self.id,
                "decision answered before its record was written (the store is slow or down): the record stays queued"
            );
        }
        outcome
    }
}

/// Records written by one transaction, at most.
const BATCH: usize = 512;

/// Records enough for a transaction not to wait for more.
const GATHERED: usize = 16;

/// How long fewer records than [`GATHERED`] wait for others before their transaction.
const GATHER: Duration = Duration::from_millis(1);

/// Where the writer puts its batches.
enum Sink {
    /// A SQLite file, through a connection the writer's thread owns.
    Sqlite(db::SqliteWriter),
    /// Any other database (PostgreSQL, or SQLite in memory), through the pool on the records'
    /// runtime.
    Pool(Db, tokio::runtime::Handle),
}

impl Sink {
    /// Writes one batch in one transaction.
    fn write(&mut self, texts: &[Arc<VersionText>], records: &[Record]) -> Result<(), String> {
        match self {
            Sink::Sqlite(writer) => writer.write(texts, records).map_err(|e| e.to_string()),
            Sink::Pool(db, runtime) => runtime
                .block_on(db.write(texts, records))
                .map_err(|e| e.to_string()),
        }
    }
}

/// What the writer knows of a version its records were made under.
struct Known {
    /// Its clauses as its decisions quote them.
    quotes: Arc<quotes::Quotes>,
    /// Its text, as the store keeps it.
    text: Arc<VersionText>,
    /// Whether the text is stored, as far as the writer knows: a purge may delete it since
    /// (this service's, which says so through `dropped`, or another replica's, which does not).
    stored: bool,
}

/// One batch to write: its records, the texts of the versions the writer does not know to be
/// stored, and the texts of every version its records use.
struct Batch {
    records: Vec<Record>,
    unstored: Vec<Arc<VersionText>>,
    used: Vec<Arc<VersionText>>,
}

/// The writer, on a thread of its own: takes what is queued, up to [`BATCH`] records, writes
/// them in one transaction (with the policy texts not stored yet), and says to each waiting
/// answer whether it was committed. A failed batch is tried again three times, then counted
/// lost. It stops when the store is dropped and the queue is empty.
///
/// `dropped` counts the purges of this service that deleted policy texts: the writer then
/// stores again, with their next record, the texts it thought stored.
fn write_behind(
    mut sink: Sink,
    mut rx: mpsc::Receiver<Job>,
    down: &AtomicBool,
    dropped: &AtomicU64,
    metrics: &RecordMetrics,
) {
    let mut known: HashMap<Arc<str>, Known> = HashMap::new();
    let mut purges_seen = dropped.load(Ordering::Acquire);
    let mut jobs: Vec<Job> = Vec::with_capacity(BATCH);
    loop {
        if rx.blocking_recv_many(&mut jobs, BATCH) == 0 {
            return;
        }
        // A commit costs about the same for one record as for a dozen (the log's pages of the
        // table's end and of each index are written whatever their number): a few records
        // are given a moment to gather with the others coming.
        if jobs.len() < GATHERED {
            std::thread::sleep(GATHER);
            while jobs.len() < BATCH
                && let Ok(job) = rx.try_recv()
            {
                jobs.push(job);
            }
        }
        let mut records = Vec::with_capacity(jobs.len());
        let mut dones = Vec::with_capacity(jobs.len());
        for job in jobs.drain(..) {
            records.extend(job.record);
            dones.push(job.done);
        }
        metrics.queued.sub(records.len() as i64);
        let purges = dropped.load(Ordering::Acquire);
        if purges != purges_seen {
            purges_seen = purges;
            known.values_mut().for_each(|k| k.stored = false);
        }
        let batch = gather(records, &mut known);
        let written = batch.records.is_empty() || write(&mut sink, &batch, down);
        let Batch { records, used, .. } = batch;
        for text in &used {
            if let Some(k) = known.get_mut(text.sha256.as_str()) {
                // A failed write may have failed for a text deleted since: the next record of
                // that version stores it again (a text already there is left as it is).
                k.stored = written;
            }
        }
        forget_unused(&mut known, &used);
        if written {
            metrics.written.inc_by(records.len() as u64);
        } else {
            metrics
                .lost
                .with_label_values(&["database"])
                .inc_by(records.len() as u64);
            for r in &records {
                tracing::error!(decision_id = %r.id, "decision record lost: the store refused it four times");
            }
        }
        for done in dones {
            let _ = done.send(written);
        }
    }
}

/// The most versions the writer remembers (their quotes and text): a service that runs for
/// years serves versions without end, edited or uploaded, and each is remembered only to save
/// work on its next records.
const KNOWN_MAX: usize = 64;

/// Past [`KNOWN_MAX`] versions remembered, forgets all but those of the batch just written: a
/// version forgotten costs its quotes made again and its text sent again with its next record
/// (and left as it is when already stored).
fn forget_unused(known: &mut HashMap<Arc<str>, Known>, used: &[Arc<VersionText>]) {
    if known.len() > KNOWN_MAX {
        known.retain(|sha256, _| used.iter().any(|t| *t.sha256 == **sha256));
    }
}

/// `records` as one batch: each decision without the clause texts it quotes, and the texts of
/// their versions.
fn gather(mut records: Vec<Record>, known: &mut HashMap<Arc<str>, Known>) -> Batch {
    let mut unstored: Vec<Arc<VersionText>> = Vec::new();
    let mut used: Vec<Arc<VersionText>> = Vec::new();
    for record in &mut records {
        let policy = Arc::clone(&record.policy);
        let k = known
            .entry(Arc::from(policy.sha256.as_str()))
            .or_insert_with(|| {
                let quotes = Arc::new(quotes::Quotes::of(&policy));
                Known {
                    text: Arc::new(VersionText {
                        sha256: policy.sha256.to_string(),
                        policy: policy.id.to_string(),
                        version: policy.version.to_string(),
                        files: files_json(&policy),
                        quotes: Arc::clone(&quotes),
                    }),
                    quotes,
                    stored: false,
                }
            });
        if !used.iter().any(|t| Arc::ptr_eq(t, &k.text)) {
            used.push(Arc::clone(&k.text));
            if !k.stored {
                unstored.push(Arc::clone(&k.text));
            }
        }
        if record.full {
            record.decision = k.quotes.elide(&record.decision);
        }
    }
    Batch {
        records,
        unstored,
        used,
    }
}

/// Writes one batch, tried four times (0.25, 0.5 then 1 s apart), `down` set while it fails.
/// A batch written without some of its versions' texts (thought stored) that fails is written
/// again at once with all of them, outside the four tries: a purge, this service's or another
/// replica's, may have deleted a text no record used any more.
fn write(sink: &mut Sink, batch: &Batch, down: &AtomicBool) -> bool {
    let mut texts = &batch.unstored;
    let mut attempt = 0u32;
    while attempt < 4 {
        match sink.write(texts, &batch.records) {
            Ok(()) => {
                down.store(false, Ordering::Relaxed);
                return true;
            }
            Err(e) if texts.len() < batch.used.len() => {
                tracing::info!(error = %e, records = batch.records.len(), "the decision store refused a batch written without some policy texts (a purge may have deleted them): written again with them");
                texts = &batch.used;
            }
            Err(e) => {
                down.store(true, Ordering::Relaxed);
                tracing::warn!(error = %e, attempt, records = batch.records.len(), "the decision store refused a batch");
                if attempt < 3 {
                    std::thread::sleep(Duration::from_millis(250 << attempt));
                }
                attempt += 1;
            }
        }
    }
    false
}

/// A version's text, as the store keeps it once per sha256.
#[derive(Debug)]
pub struct VersionText {
    /// Its sha256.
    pub sha256: String,
    /// The policy id.
    pub policy: String,
    /// The version label.
    pub version: String,
    /// Its files, as JSON (see [`files_json`]).
    pub files: String,
    /// Its clauses as its decisions quote them.
    pub quotes: Arc<quotes::Quotes>,
}

/// The files of `policy`'s version, its root layer first, as JSON.
pub fn files_json(policy: &Prepared) -> String {
    let files: Vec<Json> = policy
        .layer_files
        .iter()
        .filter_map(|f| policy.sources.get(*f))
        .map(|f| serde_json::json!({"name": f.name, "text": f.text}))
        .collect();
    serde_json::json!({ "files": files }).to_string()
}

/// Deletes the records past their policy's retention, at start and then every
/// `purge_every`, and the policy texts no record refers to any more (counted in `dropped`, so
/// that the writer stores them again with their next record).
async fn purge(db: Db, options: RecordsOptions, dropped: Arc<AtomicU64>, metrics: RecordMetrics) {
    let named: Vec<String> = options
        .retention
        .iter()
        .filter_map(|(p, _)| p.clone())
        .collect();
    loop {
        let now = now_micros();
        let mut deleted = 0;
        for (policy, days) in &options.retention {
            let before = now - i64::from(*days) * 86_400_000_000;
            match db.purge(policy.as_deref(), &named, before).await {
                Ok(n) => deleted += n,
                Err(e) => tracing::warn!(error = %e, "the retention purge failed"),
            }
        }
        if deleted > 0 {
            metrics
                .deleted
                .with_label_values(&["retention"])
                .inc_by(deleted);
            tracing::info!(
                records = deleted,
                "decision records past their retention deleted"
            );
            match db.drop_unused_texts().await {
                Ok(0) => {}
                Ok(_) => {
                    dropped.fetch_add(1, Ordering::Release);
                }
                Err(e) => tracing::warn!(error = %e, "the retention purge failed"),
            }
            if let Err(e) = db.forget_deleted().await {
                tracing::warn!(error = %e, "the retention purge failed");
            }
        }
        tokio::time::sleep(options.purge_every).await;
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::indexing_slicing,
        reason = "tests assert by panicking"
    )]
    use super::*;

    fn text(sha256: &str) -> Arc<VersionText> {
        Arc::new(VersionText {
            sha256: sha256.into(),
            policy: "p".into(),
            version: sha256.into(),
            files: String::new(),
            quotes: Arc::default(),
        })
    }

    fn remember(known: &mut HashMap<Arc<str>, Known>, t: &Arc<VersionText>) {
        let k = Known {
            quotes: Arc::default(),
            text: Arc::clone(t),
            stored: true,
        };
        known.insert(Arc::from(t.sha256.as_str()), k);
    }

    /// The writer remembers at most `KNOWN_MAX` versions: past them, only those of the batch
    /// it has just written stay.
    #[test]
    fn the_writer_forgets_the_versions_past_its_bound_but_those_in_use() {
        let mut known = HashMap::new();
        let texts: Vec<_> = (0..=KNOWN_MAX).map(|i| text(&format!("v{i}"))).collect();
        for t in &texts[..KNOWN_MAX] {
            remember(&mut known, t);
        }
        forget_unused(&mut known, &texts[..1]);
        assert_eq!(
            known.len(),
            KNOWN_MAX,
            "within the bound, nothing is forgotten"
        );
        remember(&mut known, &texts[KNOWN_MAX]);
        let used = [Arc::clone(&texts[3]), Arc::clone(&texts[KNOWN_MAX])];
        forget_unused(&mut known, &used);
        let mut left: Vec<&str> = known.keys().map(|k| &**k).collect();
        left.sort_unstable();
        assert_eq!(left, ["v3", format!("v{KNOWN_MAX}").as_str()]);
    }
}
