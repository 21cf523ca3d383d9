//! `clausier verify` (a decision's receipt, offline) and `clausier replay` (a recorded
//! decision decided again under today's rules).

use std::path::PathBuf;

use crate::cli::{FINDINGS, OK, TROUBLE};

/// Arguments of `clausier verify`.
#[derive(clap::Args, Debug)]
pub(crate) struct VerifyArgs {
    /// The receipt: a recorded decision as `GET /v1/decisions/{id}` gives it, or a decision as
    /// answered (with its `receipt`; then `--input` gives the record decided).
    receipt: PathBuf,
    /// The service's public keys, as `GET /v1/keys` gives them.
    #[arg(long)]
    keys: PathBuf,
    /// The candidate's record that was decided (JSON), when the receipt file does not hold it.
    #[arg(long)]
    input: Option<PathBuf>,
}

/// Arguments of `clausier replay`.
#[derive(clap::Args, Debug)]
pub(crate) struct ReplayArgs {
    /// The decision's id.
    id: String,
    /// The decision store: a URL `sqlite:///path/decisions.db` or `postgres://…`.
    #[arg(long, env = "CLAUSIER_STORE")]
    store: String,
    /// The folder of policies whose version decides again (one subfolder per policy).
    #[arg(long, default_value = "policies")]
    policies: PathBuf,
    /// The version label to decide under (default: the version in force on `--as-of`).
    #[arg(long, conflicts_with = "as_of")]
    version: Option<String>,
    /// The date whose version in force decides again (YYYY-MM-DD); default: today.
    #[arg(long)]
    as_of: Option<chrono::NaiveDate>,
    /// The date taken as today when neither a version nor `--as-of` is given (YYYY-MM-DD);
    /// default: this machine's clock.
    #[arg(long, env = "CLAUSIER_TODAY", value_name = "YYYY-MM-DD")]
    today: Option<chrono::NaiveDate>,
    /// Decide again under the version named although it is a draft (never in force).
    #[arg(long)]
    draft: bool,
    /// The candidate's record (JSON), when the store keeps only its hash.
    #[arg(long)]
    input: Option<PathBuf>,
    /// The data folder holding the salt of hashed inputs (`input-salt`), when the store keeps
    /// inputs hashed (never made here: a new salt would match no record).
    #[arg(long, conflicts_with = "input_salt_file")]
    data_dir: Option<PathBuf>,
    /// The salt of hashed inputs, as the service was given it (`--input-salt-file`).
    #[arg(long)]
    input_salt_file: Option<PathBuf>,
}

fn read_json(path: &PathBuf) -> Result<serde_json::Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(feature = "server")]
pub(crate) fn verify(args: &VerifyArgs) -> u8 {
    use clausier::server::records::receipt::{self, KeySet, Receipt};
    let read = || -> Result<(serde_json::Value, serde_json::Value, Receipt, KeySet), String> {
        let file = read_json(&args.receipt)?;
        let keys: KeySet = serde_json::from_value(read_json(&args.keys)?)
            .map_err(|e| format!("{}: not a key set ({e})", args.keys.display()))?;
        // A recorded decision holds the decision and the request; an answer is the decision.
        let (decision, kept_input) = match file.get("decision") {
            Some(decision) if decision.is_object() => {
                (decision.clone(), file.pointer("/request/input").cloned())
            }
            _ => (file.clone(), None),
        };
        let receipt: Receipt = file
            .get("receipt")
            .cloned()
            .and_then(|r| serde_json::from_value(r).ok())
            .ok_or_else(|| format!("{}: holds no receipt", args.receipt.display()))?;
        let input = match (&args.input, kept_input) {
            (Some(path), _) => read_json(path)?,
            (None, Some(input)) => input,
            (None, None) => {
                return Err(format!(
                    "{}: holds no input: give the record decided with --input",
                    args.receipt.display()
                ));
            }
        };
        Ok((decision, input, receipt, keys))
    };
    let (decision, input, receipt, keys) = match read() {
        Ok(read) => read,
        Err(e) => {
            eprintln!("error: {e}");
            return TROUBLE;
        }
    };
    let bytes = serde_json::to_vec(&decision).unwrap_or_default();
    match receipt::verify(&bytes, &input, &receipt, &keys) {
        Ok(()) => {
            let id = decision
                .get("decision_id")
                .and_then(|v| v.as_str())
                .unwrap_or("?");
            outln!(
                "valid: decision {id}, on this input, under the policy text {}, signed by key {}",
                receipt.policy_sha256,
                receipt.key_id
            );
            OK
        }
        Err(e) => {
            outln!("NOT valid: {e}");
            FINDINGS
        }
    }
}

#[cfg(feature = "server")]
pub(crate) fn replay(args: &ReplayArgs) -> u8 {
    use clausier::server::records::{Db, replay};
    let run = || -> Result<replay::Replay, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let (record, files) = runtime.block_on(async {
            let db = Db::open(&args.store).await.map_err(|e| e.to_string())?;
            let record = db
                .get(&args.id)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("no decision `{}` is recorded", args.id))?;
            let (_, _, files) = db
                .text(&record.policy_sha256)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("the text of `{}` is not stored", record.policy_sha256))?;
            Ok::<_, String>((record, files))
        })?;
        let folder = clausier::load::load_folder(&args.policies.join(&record.policy))
            .map_err(|e| e.to_string())?;
        let today = args
            .today
            .unwrap_or_else(|| chrono::Local::now().date_naive());
        let now = clausier::load::select(
            folder.compiled(),
            args.version.as_deref(),
            args.as_of.unwrap_or(today),
        )
        .ok_or_else(|| format!("no version of `{}` to decide under", record.policy))?;
        if now.draft && !args.draft {
            return Err(format!(
                "version `{}` is a draft, not in force: add --draft to decide under it",
                now.version
            ));
        }
        let input = args.input.as_ref().map(read_json).transpose()?;
        let salt_file = match (&args.input_salt_file, &args.data_dir) {
            (Some(file), _) => Some(file.clone()),
            (None, Some(data)) => Some(data.join("input-salt")),
            (None, None) => None,
        };
        let salt = match salt_file {
            Some(file) => Some(clausier::server::records::read_salt(&file).map_err(|e| {
                match e.kind() {
                    std::io::ErrorKind::NotFound => format!(
                        "{}: no salt of hashed inputs there: give the service's (--data-dir its data folder, or --input-salt-file)",
                        file.display()
                    ),
                    _ => e.to_string(),
                }
            })?),
            None if record.input_hash.is_some() && input.is_some() => {
                return Err(
                    "the store keeps this input hashed: give the salt it was hashed with (--data-dir or --input-salt-file)"
                        .into(),
                );
            }
            None => None,
        };
        let hash = |i: &serde_json::Value| {
            salt.as_ref()
                .map_or_else(String::new, |s| clausier::server::records::hash_input(s, i))
        };
        replay::replay(&record, &files, now, input, hash, Default::default()).map_err(|e| match e {
            replay::ReplayError::InputNotKept => {
                "only the input's hash is kept: give it with --input (and the salt: --data-dir or --input-salt-file)"
                    .to_string()
            }
            replay::ReplayError::InputMismatch => {
                "the input given is not the one of the recorded decision".to_string()
            }
            replay::ReplayError::Rebuild => "the stored text does not check any more".to_string(),
            replay::ReplayError::Unreadable => {
                "the recorded decision does not read back as a decision".to_string()
            }
        })
    };
    match run() {
        Ok(replay) => {
            outln!(
                "{}",
                serde_json::to_string_pretty(&replay).unwrap_or_default()
            );
            if replay.changed || !replay.reproduced {
                FINDINGS
            } else {
                OK
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            TROUBLE
        }
    }
}

#[cfg(not(feature = "server"))]
pub(crate) fn verify(_: &VerifyArgs) -> u8 {
    eprintln!("clausier verify: this binary was built without the `server` feature");
    TROUBLE
}

#[cfg(not(feature = "server"))]
pub(crate) fn replay(_: &ReplayArgs) -> u8 {
    eprintln!("clausier replay: this binary was built without the `server` feature");
    TROUBLE
}
