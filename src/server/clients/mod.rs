//! Who may ask: the clients file (`--clients-file`), each client a name, the sha256 of its API
//! key, the common name of its TLS client certificate (`--tls-client-ca`) and/or the name an
//! identity provider's tokens give it (`--jwt-issuer`, see [`jwt`]), the policies
//! it may decide under and the routes it may call. Off unless the file is
//! given. The file is read again when it changes (see [`crate::server::reread`]): a key
//! revoked by an edit is refused within a second, and an edit that does not read keeps the
//! last good table (logged).
//!
//! The file holds no key, only each key's sha256: a copy of the file (a backup, a ConfigMap
//! read by too many) gives no one the means to call. A key presented is hashed and compared
//! with every client's hash in constant time.

mod doc;
pub mod gate;
pub mod jwt;
pub mod limits;

pub use doc::document;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use crate::server::clients::limits::ClientLimits;
use crate::server::reread::Reread;

/// The routes a client may be allowed, by family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Route {
    /// `POST /v1/policies/{id}/decisions`: one decision.
    Decisions,
    /// `POST /v1/policies/{id}/decisions/batch`: a cohort.
    Batch,
    /// `POST /v1/policies/{id}/interview`: the guided interview.
    Interview,
    /// `POST /v1/policies/{id}/impact`: a change replayed on candidates' records.
    Impact,
    /// The decision records: read one, list, replay, a policy text by its hash.
    Records,
    /// Administration: upload or delete a version, reload, erase records.
    Admin,
}

impl Route {
    /// The route's name in the clients file, the logs and the metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Route::Decisions => "decisions",
            Route::Batch => "batch",
            Route::Interview => "interview",
            Route::Impact => "impact",
            Route::Records => "records",
            Route::Admin => "admin",
        }
    }

    /// Whether the route reaches every policy at once (records, administration), so that a
    /// client allowed it must be allowed every policy: the file never promises a restriction
    /// the service does not keep.
    fn spans_policies(self) -> bool {
        matches!(self, Route::Records | Route::Admin)
    }
}

/// A client as the file gives it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    key_sha256: Option<String>,
    /// The common name of the subject of the client's certificate (`--tls-client-ca`).
    certificate_cn: Option<String>,
    /// The value of the claim `--jwt-claim` in the identity provider's tokens for it.
    jwt_subject: Option<String>,
    /// When the client stops being served: a date (through that day, UTC) or an RFC 3339
    /// instant.
    expires: Option<String>,
    policies: Vec<String>,
    routes: Vec<Route>,
    /// Requests per second (none: no limit).
    rate: Option<f64>,
    /// Requests at once above the rate.
    burst: Option<u32>,
    /// Batches at once (none: no limit).
    batches: Option<u32>,
}

/// The clients file: `[[clients]]` tables in TOML, or `{"clients": [...]}` in JSON.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    clients: Vec<Entry>,
}

/// A client of the service.
#[derive(Debug, Clone)]
pub struct Client {
    /// Its name: in the logs, the metrics and the decision records.
    pub name: Arc<str>,
    key_sha256: Option<[u8; 32]>,
    certificate_cn: Option<String>,
    jwt_subject: Option<String>,
    /// From when it is refused, whatever credential it presents.
    expires: Option<chrono::DateTime<chrono::Utc>>,
    /// The policies it may use; none: all (`*`).
    policies: Option<Vec<String>>,
    routes: Vec<Route>,
    /// Its limits.
    pub limits: ClientLimits,
}

impl Client {
    /// Whether the client may call `route`.
    pub fn may_call(&self, route: Route) -> bool {
        self.routes.contains(&route)
    }

    /// When the client expired, if it has by `now`.
    pub fn expired(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        self.expires.filter(|at| *at <= now)
    }

    /// Whether the client may use policy `id`.
    pub fn may_use(&self, id: &str) -> bool {
        self.policies
            .as_ref()
            .is_none_or(|allowed| allowed.iter().any(|p| p == id))
    }
}

/// The clients of the service, as the file last read gives them.
#[derive(Debug, Default)]
pub struct Clients {
    list: Vec<Client>,
}

/// A client name: what a log field and a metrics label can hold as they are.
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && name.len() <= 64
}

/// The sha256 of an API key.
pub fn key_sha256(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

impl Clients {
    /// Reads the clients file: JSON when its name ends in `.json`, TOML otherwise.
    pub fn read(path: &Path) -> Result<Clients, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let json = path.extension().is_some_and(|e| e == "json");
        Clients::parse(&text, json).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Reads the text of a clients file, refusing anything it could mean otherwise than
    /// written: an unknown field, a name used twice, a key shared by two clients, a policy
    /// restriction on a route that spans every policy.
    pub fn parse(text: &str, json: bool) -> Result<Clients, String> {
        let file: File = if json {
            serde_json::from_str(text).map_err(|e| e.to_string())?
        } else {
            toml::from_str(text).map_err(|e| e.to_string())?
        };
        let mut list: Vec<Client> = Vec::with_capacity(file.clients.len());
        for entry in file.clients {
            let client = client_of(entry)?;
            if list.iter().any(|c| c.name == client.name) {
                return Err(format!("client `{}` is named twice", client.name));
            }
            if client.key_sha256.is_some() && list.iter().any(|c| c.key_sha256 == client.key_sha256)
            {
                return Err(format!(
                    "client `{}` has the key of another client: give each its own",
                    client.name
                ));
            }
            if client.certificate_cn.is_some()
                && list
                    .iter()
                    .any(|c| c.certificate_cn == client.certificate_cn)
            {
                return Err(format!(
                    "client `{}` has the certificate name of another client",
                    client.name
                ));
            }
            if client.jwt_subject.is_some()
                && list.iter().any(|c| c.jwt_subject == client.jwt_subject)
            {
                return Err(format!(
                    "client `{}` has the `jwt_subject` of another client",
                    client.name
                ));
            }
            list.push(client);
        }
        Ok(Clients { list })
    }

    /// How many clients there are.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The client whose key is `key`, if any. Every client's hash is compared, in constant
    /// time, whichever matches.
    pub fn identify(&self, key: &str) -> Option<&Client> {
        let given = key_sha256(key);
        let mut found = None;
        for client in &self.list {
            if let Some(hash) = &client.key_sha256
                && constant_time_eq::constant_time_eq_32(&given, hash)
            {
                found = Some(client);
            }
        }
        found
    }

    /// The client whose certificate's subject has the common name `cn`, if any.
    pub fn by_certificate(&self, cn: &str) -> Option<&Client> {
        self.list
            .iter()
            .find(|c| c.certificate_cn.as_deref() == Some(cn))
    }

    /// The client an identity provider's token names `subject` (its `jwt_subject`), if any.
    pub fn by_jwt_subject(&self, subject: &str) -> Option<&Client> {
        self.list
            .iter()
            .find(|c| c.jwt_subject.as_deref() == Some(subject))
    }
}

/// The instant `text` names: an RFC 3339 instant, or a date meaning the end of that day (UTC).
fn expiry_of(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(at.to_utc());
    }
    let day = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    Some(day.succ_opt()?.and_time(chrono::NaiveTime::MIN).and_utc())
}

/// Checks one entry of the file.
fn client_of(entry: Entry) -> Result<Client, String> {
    let name = entry.name;
    if !valid_name(&name) {
        return Err(format!(
            "`{name}` is not a valid client name: 1 to 64 ASCII letters, digits, `.`, `_` or `-`, \
             beginning with a letter or a digit"
        ));
    }
    let hash = match &entry.key_sha256 {
        Some(hash) => Some(
            hex::decode(hash.trim())
                .ok()
                .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
                .ok_or_else(|| {
                    format!(
                        "client `{name}`: `key_sha256` is not a sha256 in hexadecimal (64 digits): \
                         `printf %s \"$KEY\" | sha256sum` gives it"
                    )
                })?,
        ),
        None => None,
    };
    let named = |field: &Option<String>| field.as_deref().is_some_and(|v| !v.is_empty());
    if hash.is_none() && !named(&entry.certificate_cn) && !named(&entry.jwt_subject) {
        return Err(format!(
            "client `{name}` has none of `key_sha256`, `certificate_cn`, `jwt_subject`: it could never be identified"
        ));
    }
    if entry.policies.is_empty() || entry.routes.is_empty() {
        return Err(format!(
            "client `{name}` may use no policy or no route: remove it, or name what it may use"
        ));
    }
    let all = entry.policies.iter().any(|p| p == "*");
    if let Some(route) = entry.routes.iter().find(|r| r.spans_policies())
        && !all
    {
        return Err(format!(
            "client `{name}`: the `{}` route reaches every policy, so its `policies` must be [\"*\"]",
            route.as_str()
        ));
    }
    let expires = match entry.expires.as_deref() {
        Some(text) => Some(expiry_of(text.trim()).ok_or_else(|| {
            format!(
                "client `{name}`: `expires` is `{text}`, neither a date (`2027-08-31`) nor an \
                 RFC 3339 instant (`2027-08-31T18:00:00+02:00`)"
            )
        })?),
        None => None,
    };
    let limits = ClientLimits {
        rate: entry.rate,
        burst: entry.burst,
        batches: entry.batches,
    };
    limits
        .check()
        .map_err(|e| format!("client `{name}`: {e}"))?;
    Ok(Client {
        name: Arc::from(name),
        key_sha256: hash,
        certificate_cn: entry.certificate_cn.filter(|cn| !cn.is_empty()),
        jwt_subject: entry.jwt_subject.filter(|s| !s.is_empty()),
        expires,
        policies: (!all).then_some(entry.policies),
        routes: entry.routes,
        limits,
    })
}

/// How often the clients file is looked at, at most (on a request that needs it).
pub const CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// The clients, read from their file and read again when it changes.
pub fn watched(path: PathBuf) -> Result<Reread<Clients>, String> {
    Reread::open(
        "the clients file",
        vec![path],
        CHECK_EVERY,
        Box::new(|paths| match paths {
            [path] => Clients::read(path),
            _ => Err("one clients file is read".into()),
        }),
    )
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::indexing_slicing,
        reason = "tests assert by panicking"
    )]
    use super::*;

    fn hash(key: &str) -> String {
        hex::encode(key_sha256(key))
    }

    fn toml_of(name: &str, key: &str, policies: &str, routes: &str) -> String {
        format!(
            "[[clients]]\nname = \"{name}\"\nkey_sha256 = \"{}\"\npolicies = {policies}\nroutes = {routes}\n",
            hash(key)
        )
    }

    #[test]
    fn a_key_identifies_its_client_and_no_other() {
        let text = toml_of("lyon", "key-of-lyon-0001", r#"["bts"]"#, r#"["decisions"]"#)
            + &toml_of(
                "admin",
                "key-of-admin-001",
                r#"["*"]"#,
                r#"["admin", "batch"]"#,
            );
        let clients = Clients::parse(&text, false).unwrap();
        let lyon = clients.identify("key-of-lyon-0001").unwrap();
        assert_eq!(&*lyon.name, "lyon");
        assert!(lyon.may_use("bts") && !lyon.may_use("other"));
        assert!(lyon.may_call(Route::Decisions) && !lyon.may_call(Route::Batch));
        let admin = clients.identify("key-of-admin-001").unwrap();
        assert!(admin.may_use("anything") && admin.may_call(Route::Admin));
        assert!(clients.identify("key-of-lyon-0002").is_none());
        assert!(clients.identify("").is_none());
    }

    /// The README's example reads (its second key made real), with its limits.
    #[test]
    fn the_readme_example_reads() {
        let readme = include_str!("../../../README.md");
        let security = &readme[readme.find("## Security").unwrap()..];
        let start = security.find("```toml\n").unwrap() + "```toml\n".len();
        let example = &security[start..start + security[start..].find("```").unwrap()];
        let clients = Clients::parse(&example.replace('…', &hash("k")), false).unwrap();
        assert_eq!(clients.len(), 2);
        let lyon = &clients.list[0];
        assert_eq!(lyon.limits.rate, Some(50.0));
        assert_eq!(
            (lyon.limits.burst, lyon.limits.batches),
            (Some(100), Some(2))
        );
        assert!(clients.identify("k").unwrap().may_call(Route::Records));
    }

    #[test]
    fn a_client_expires_at_the_end_of_its_day_or_at_its_instant() {
        let at = |text: &str| {
            let toml =
                toml_of("a", "k", r#"["*"]"#, r#"["batch"]"#) + &format!("expires = \"{text}\"\n");
            Clients::parse(&toml, false).map(|c| c.list[0].expires.unwrap())
        };
        let utc = |text: &str| chrono::DateTime::parse_from_rfc3339(text).unwrap().to_utc();
        assert_eq!(at("2027-08-31"), Ok(utc("2027-09-01T00:00:00Z")));
        assert_eq!(
            at("2027-08-31T18:00:00+02:00"),
            Ok(utc("2027-08-31T16:00:00Z"))
        );
        let client = Clients::parse(
            &(toml_of("a", "k", r#"["*"]"#, r#"["batch"]"#) + "expires = \"2027-08-31\"\n"),
            false,
        )
        .unwrap();
        let a = client.identify("k").unwrap();
        assert_eq!(a.expired(utc("2027-08-31T23:59:59Z")), None);
        assert!(a.expired(utc("2027-09-01T00:00:00Z")).is_some());
        assert!(at("31/08/2027").unwrap_err().contains("neither a date"));
    }

    #[test]
    fn the_json_form_reads_the_same() {
        let json = format!(
            r#"{{"clients": [{{"name": "lyon", "key_sha256": "{}", "policies": ["*"], "routes": ["batch"]}}]}}"#,
            hash("k")
        );
        let clients = Clients::parse(&json, true).unwrap();
        assert!(clients.identify("k").unwrap().may_call(Route::Batch));
    }

    #[test]
    fn a_file_that_could_mean_something_else_is_refused() {
        let refused = |text: String, why: &str| {
            let err = Clients::parse(&text, false).unwrap_err();
            assert!(err.contains(why), "{err}");
        };
        let ok = toml_of("a", "k1", r#"["*"]"#, r#"["decisions"]"#);
        refused(ok.clone() + "rate_limit = 5\n", "unknown field");
        refused(
            toml_of("a", "k1", r#"["*"]"#, r#"["decide"]"#),
            "unknown variant",
        );
        refused(
            ok.clone() + &toml_of("a", "k2", r#"["*"]"#, r#"["batch"]"#),
            "named twice",
        );
        refused(
            ok + &toml_of("b", "k1", r#"["*"]"#, r#"["batch"]"#),
            "key of another",
        );
        refused(
            toml_of("a b", "k", r#"["*"]"#, r#"["batch"]"#),
            "not a valid client name",
        );
        refused(
            toml_of("a", "k", r#"["bts"]"#, r#"["records"]"#),
            "must be [\"*\"]",
        );
        refused(
            toml_of("a", "k", "[]", r#"["batch"]"#),
            "no policy or no route",
        );
        refused(
            "[[clients]]\nname = \"a\"\npolicies = [\"*\"]\nroutes = [\"batch\"]\n".into(),
            "none of `key_sha256`, `certificate_cn`, `jwt_subject`",
        );
        refused(
            toml_of("a", "k1", r#"["*"]"#, r#"["batch"]"#)
                .replace("routes", "certificate_cn = \"x\"\nroutes")
                + &toml_of("b", "k2", r#"["*"]"#, r#"["batch"]"#)
                    .replace("routes", "certificate_cn = \"x\"\nroutes"),
            "certificate name of another client",
        );
        refused(
            "[[clients]]\nname = \"a\"\njwt_subject = \"s\"\npolicies = [\"*\"]\nroutes = [\"batch\"]\n\
             [[clients]]\nname = \"b\"\njwt_subject = \"s\"\npolicies = [\"*\"]\nroutes = [\"batch\"]\n"
                .into(),
            "`jwt_subject` of another client",
        );
        refused(
            toml_of("a", "k", r#"["*"]"#, r#"["batch"]"#) + "batches = 0\n",
            "client `a`: `burst` and `batches` must be at least 1",
        );
        refused(
            "[[clients]]\nname = \"a\"\nkey_sha256 = \"k\"\npolicies = [\"*\"]\nroutes = [\"batch\"]\n".into(),
            "not a sha256",
        );
    }
}
