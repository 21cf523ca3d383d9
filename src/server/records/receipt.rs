//! Receipts a third party can check: each decision is signed (Ed25519) over the canonical JSON
//! of `{"decision": …, "input": …, "policy_sha256": …}`, and the service publishes its public
//! key (`GET /v1/keys`, a JSON Web Key Set). `clausier verify` checks a receipt offline.
//!
//! The canonical JSON is the value's members sorted by key at every level, written without
//! whitespace (serde_json's compact form): for the strings, integers and decimals a decision
//! holds, the bytes RFC 8785 gives.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ed25519_dalek::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _};
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use sha2::Digest as _;

/// The only algorithm receipts are signed with.
pub const ALGORITHM: &str = "Ed25519";

/// The receipt a decision carries: who signed it, over which policy text, and the signature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Receipt {
    /// Always `Ed25519`.
    pub algorithm: String,
    /// The key that signed it: a `kid` of `GET /v1/keys`.
    pub key_id: String,
    /// The sha256 of the text of the version the decision was made under (its files).
    pub policy_sha256: String,
    /// The signature, in base64, of the canonical JSON of `{"decision": the decision without
    /// its receipt, "input": the candidate's record as sent, "policy_sha256": …}`.
    pub signature: String,
}

/// The key that signs receipts.
pub struct Signer {
    key: SigningKey,
    key_id: String,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signer({})", self.key_id)
    }
}

/// Why a key cannot be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The key file cannot be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The failure.
        source: std::io::Error,
    },
    /// The key file is not an Ed25519 private key in PKCS#8 PEM.
    #[error("{path}: not an Ed25519 private key in PKCS#8 PEM ({reason})")]
    Format {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// No randomness for a new key.
    #[error("no randomness for a new key: {0}")]
    Random(String),
}

/// The id of a public key: the first 16 hex digits of its sha256.
pub fn key_id(key: &VerifyingKey) -> String {
    let digest = sha2::Sha256::digest(key.as_bytes());
    hex::encode(digest).chars().take(16).collect()
}

impl Signer {
    /// The signer of `key`.
    pub fn new(key: SigningKey) -> Signer {
        let key_id = key_id(&key.verifying_key());
        Signer { key, key_id }
    }

    /// The key in `path` (PKCS#8 PEM); with `create`, a new one written there (readable by its
    /// owner only) when the file does not exist.
    pub fn from_file(path: &Path, create: bool) -> Result<Signer, KeyError> {
        let shown = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(pem) => SigningKey::from_pkcs8_pem(&pem)
                .map(Signer::new)
                .map_err(|e| KeyError::Format {
                    path: shown,
                    reason: e.to_string(),
                }),
            Err(e) if create && e.kind() == std::io::ErrorKind::NotFound => {
                let mut seed = [0u8; 32];
                getrandom::fill(&mut seed).map_err(|e| KeyError::Random(e.to_string()))?;
                let key = SigningKey::from_bytes(&seed);
                let pem = key
                    .to_pkcs8_pem(Default::default())
                    .map_err(|e| KeyError::Format {
                        path: shown.clone(),
                        reason: e.to_string(),
                    })?;
                match write_private(path, pem.as_bytes()) {
                    Ok(()) => Ok(Signer::new(key)),
                    // Another process (a replica on the same volume) made it first: use its key.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        Signer::from_file(path, false)
                    }
                    Err(source) => Err(KeyError::Io {
                        path: shown,
                        source,
                    }),
                }
            }
            Err(source) => Err(KeyError::Io {
                path: shown,
                source,
            }),
        }
    }

    /// The id of the key.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The public key as a JSON Web Key (RFC 8037).
    pub fn jwk(&self) -> Jwk {
        Jwk {
            kty: "OKP".into(),
            crv: ALGORITHM.into(),
            alg: "EdDSA".into(),
            kid: self.key_id.clone(),
            r#use: "sig".into(),
            x: URL_SAFE_NO_PAD.encode(self.key.verifying_key().as_bytes()),
        }
    }

    /// The receipt of `decision` (its JSON as answered, without a receipt) on `input` under
    /// the policy text `policy_sha256`.
    pub fn sign(&self, decision: &[u8], input: &Json, policy_sha256: &str) -> Option<Receipt> {
        let message = message(decision, input, policy_sha256)?;
        let signature = self.key.sign(&message);
        Some(Receipt {
            algorithm: ALGORITHM.into(),
            key_id: self.key_id.clone(),
            policy_sha256: policy_sha256.to_string(),
            signature: STANDARD.encode(signature.to_bytes()),
        })
    }
}

/// Writes a file only its owner can read, whole or not at all: written aside, then linked in
/// place (failing with `AlreadyExists` when another process linked its own first).
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let aside = path.with_extension(format!("new-{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let written = options.open(&aside).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    let linked = written.and_then(|()| std::fs::hard_link(&aside, path));
    let _ = std::fs::remove_file(&aside);
    linked
}

/// A public key as a JSON Web Key (RFC 8037, `OKP` / `Ed25519`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Jwk {
    /// `OKP`.
    pub kty: String,
    /// `Ed25519`.
    pub crv: String,
    /// `EdDSA`.
    pub alg: String,
    /// The key id receipts name (`key_id`).
    pub kid: String,
    /// `sig`.
    pub r#use: String,
    /// The public key, in base64url without padding.
    pub x: String,
}

/// The service's public keys (`GET /v1/keys`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct KeySet {
    /// The keys.
    pub keys: Vec<Jwk>,
}

/// The keys of the key set in `path` (as `GET /v1/keys` gives it): each an Ed25519 public key
/// whose id is its own (a key set edited by hand must not name a key by another's id).
pub fn retired_keys(path: &Path) -> Result<Vec<Jwk>, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{shown}: {e}"))?;
    let set: KeySet = serde_json::from_str(&text)
        .map_err(|e| format!("{shown}: not a key set as GET /v1/keys gives it ({e})"))?;
    for jwk in &set.keys {
        let key = URL_SAFE_NO_PAD
            .decode(&jwk.x)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .and_then(|b| VerifyingKey::from_bytes(&b).ok())
            .filter(|_| jwk.kty == "OKP" && jwk.crv == ALGORITHM)
            .ok_or_else(|| format!("{shown}: `{}` is not an Ed25519 public key", jwk.kid))?;
        if key_id(&key) != jwk.kid {
            return Err(format!(
                "{shown}: the key named `{}` has the id `{}`",
                jwk.kid,
                key_id(&key)
            ));
        }
    }
    Ok(set.keys)
}

/// The canonical JSON of `value`: members sorted by key at every level, no whitespace.
pub fn canonical(value: &Json) -> Vec<u8> {
    let mut sorted = value.clone();
    sort(&mut sorted);
    serde_json::to_vec(&sorted).unwrap_or_default()
}

fn sort(value: &mut Json) {
    match value {
        Json::Object(map) => {
            map.sort_keys();
            map.values_mut().for_each(sort);
        }
        Json::Array(items) => items.iter_mut().for_each(sort),
        _ => {}
    }
}

/// The signed bytes: the canonical JSON of the decision (without its receipt), the input and
/// the policy text's sha256. None when `decision` is not JSON.
pub fn message(decision: &[u8], input: &Json, policy_sha256: &str) -> Option<Vec<u8>> {
    let mut decision: Json = serde_json::from_slice(decision).ok()?;
    if let Json::Object(map) = &mut decision {
        map.remove("receipt");
    }
    sort(&mut decision);
    let mut input = input.clone();
    sort(&mut input);
    // `{"decision": …, "input": …, "policy_sha256": …}`, its members in order, written without
    // gathering them in one more value.
    let mut out = Vec::with_capacity(16 << 10);
    out.extend_from_slice(b"{\"decision\":");
    serde_json::to_writer(&mut out, &decision).ok()?;
    out.extend_from_slice(b",\"input\":");
    serde_json::to_writer(&mut out, &input).ok()?;
    out.extend_from_slice(b",\"policy_sha256\":");
    serde_json::to_writer(&mut out, policy_sha256).ok()?;
    out.push(b'}');
    Some(out)
}

/// Why a receipt does not verify.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum VerifyError {
    /// The receipt names a key the key set does not hold.
    #[error("the receipt is signed by key `{0}`, which the key set does not hold")]
    UnknownKey(String),
    /// The key or signature is not well formed.
    #[error("malformed {0}")]
    Malformed(&'static str),
    /// The signature does not match: the decision, the input or the policy hash was changed.
    #[error(
        "the signature does not match: the decision, the input or the policy hash is not what was signed"
    )]
    Mismatch,
}

/// Checks `receipt` for `decision` on `input` against the keys of `keys`.
pub fn verify(
    decision: &[u8],
    input: &Json,
    receipt: &Receipt,
    keys: &KeySet,
) -> Result<(), VerifyError> {
    if receipt.algorithm != ALGORITHM {
        return Err(VerifyError::Malformed("algorithm"));
    }
    let jwk = keys
        .keys
        .iter()
        .find(|k| k.kid == receipt.key_id)
        .ok_or_else(|| VerifyError::UnknownKey(receipt.key_id.clone()))?;
    let bytes: [u8; 32] = URL_SAFE_NO_PAD
        .decode(&jwk.x)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(VerifyError::Malformed("public key"))?;
    let key = VerifyingKey::from_bytes(&bytes).map_err(|_| VerifyError::Malformed("public key"))?;
    let signature: [u8; 64] = STANDARD
        .decode(&receipt.signature)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(VerifyError::Malformed("signature"))?;
    let message = message(decision, input, &receipt.policy_sha256)
        .ok_or(VerifyError::Malformed("decision"))?;
    key.verify(&message, &Signature::from_bytes(&signature))
        .map_err(|_| VerifyError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> Signer {
        Signer::new(SigningKey::from_bytes(&[7u8; 32]))
    }

    #[test]
    fn a_receipt_verifies_and_any_change_breaks_it() {
        let signer = signer();
        let keys = KeySet {
            keys: vec![signer.jwk()],
        };
        let decision = br#"{"decision_id":"d1","conclusions":{"a":{"value":1}}}"#;
        let input = serde_json::json!({"candidate": {"pathway": "scolaire"}});
        let receipt = signer
            .sign(decision, &input, "abc")
            .unwrap_or_else(|| unreachable!());
        assert_eq!(verify(decision, &input, &receipt, &keys), Ok(()));
        // The same JSON written otherwise (spaces, member order) verifies: it is the same value.
        let reordered = br#"{ "conclusions": {"a": {"value": 1}}, "decision_id": "d1" }"#;
        assert_eq!(verify(reordered, &input, &receipt, &keys), Ok(()));
        let changed = br#"{"decision_id":"d1","conclusions":{"a":{"value":2}}}"#;
        assert_eq!(
            verify(changed, &input, &receipt, &keys),
            Err(VerifyError::Mismatch)
        );
        let other_input = serde_json::json!({"candidate": {"pathway": "apprentissage"}});
        assert_eq!(
            verify(decision, &other_input, &receipt, &keys),
            Err(VerifyError::Mismatch)
        );
        let mut other_policy = receipt.clone();
        other_policy.policy_sha256 = "abd".into();
        assert_eq!(
            verify(decision, &input, &other_policy, &keys),
            Err(VerifyError::Mismatch)
        );
        let stranger = Signer::new(SigningKey::from_bytes(&[8u8; 32]));
        let keys = KeySet {
            keys: vec![stranger.jwk()],
        };
        assert_eq!(
            verify(decision, &input, &receipt, &keys),
            Err(VerifyError::UnknownKey(receipt.key_id.clone()))
        );
    }

    #[test]
    fn canonical_json_sorts_members_at_every_level() {
        let value = serde_json::json!({"b": [{"z": 1, "a": "é"}], "a": null});
        assert_eq!(
            String::from_utf8(canonical(&value)).unwrap_or_default(),
            r#"{"a":null,"b":[{"a":"é","z":1}]}"#
        );
    }

    #[test]
    fn a_key_is_created_once_then_read_back() {
        let dir = tempfile::tempdir().unwrap_or_else(|_| unreachable!());
        let path = dir.path().join("receipts.pem");
        let first = Signer::from_file(&path, true).unwrap_or_else(|e| unreachable!("{e}"));
        let again = Signer::from_file(&path, false).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(first.key_id(), again.key_id());
        std::fs::write(&path, "not a key").unwrap_or_else(|_| unreachable!());
        assert!(matches!(
            Signer::from_file(&path, true),
            Err(KeyError::Format { .. })
        ));
    }
}
