//! Bearer tokens from the académie's identity provider (JWT, RFC 7519, signed as RFC 7515
//! says): `--jwt-issuer`, `--jwt-audience` and the provider's public keys (`--jwt-jwks`, a
//! JWKS file read again when it changes, or a URL fetched again every few minutes and when a
//! token names a key not yet known). A token is accepted when its signature is one of those
//! keys', with an algorithm that key is for, when it comes from the issuer, is meant for the
//! audience, has not expired and is already valid (both within `--jwt-leeway-seconds` of this
//! machine's clock); the claim `--jwt-claim` (`sub` by default) then names the client, as its
//! `jwt_subject` in the clients file.
//!
//! Only public keys verify: a symmetric key (`oct`) in the set, or a token signed with an
//! HMAC algorithm or `none`, is never used, so that no one holding the set can make a token.

use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use jsonwebtoken::jwk::{
    AlgorithmParameters, EllipticCurve, Jwk, JwkSet, KeyAlgorithm, PublicKeyUse,
};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, errors::ErrorKind};

use crate::server::reread::Reread;

/// Where the provider's public keys are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeysAt {
    /// A JWKS file, read again when it changes.
    File(PathBuf),
    /// A JWKS URL (`http://` or `https://`), fetched at start, again every `refresh`, and
    /// when a token names a key not yet known (at most every [`REFETCH_AT_MOST`]).
    Url {
        /// The URL.
        url: String,
        /// The authorities (PEM) its certificate must come from; none: the web's usual roots.
        ca: Option<PathBuf>,
        /// How often the keys are fetched again.
        refresh: Duration,
    },
}

/// What a token must be (`clausier serve --jwt-*`).
#[derive(Debug, Clone)]
pub struct JwtOptions {
    /// The issuer (`iss`) tokens must name.
    pub issuer: String,
    /// The audience (`aud`) tokens must be meant for: this service.
    pub audience: String,
    /// The provider's public keys.
    pub keys: KeysAt,
    /// The claim that names the client (`sub`, `azp`, `client_id`…).
    pub claim: String,
    /// How far this machine's clock and the provider's may differ.
    pub leeway: Duration,
}

/// A public key of the set, with the algorithms it verifies.
struct Key {
    kid: Option<String>,
    key: DecodingKey,
    algorithms: Vec<Algorithm>,
}

/// The provider's public keys, as the set last read gives them.
#[derive(Default)]
pub struct KeySet {
    keys: Vec<Key>,
}

impl std::fmt::Debug for KeySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.keys.iter().map(|k| (&k.kid, &k.algorithms)))
            .finish()
    }
}

/// The algorithms a public key of the set verifies: the one it names, else those of its
/// kind; none for a key that is not public, not for signatures, or of a curve not supported.
fn algorithms_of(jwk: &Jwk) -> Vec<Algorithm> {
    use Algorithm::{ES256, ES384, EdDSA, PS256, PS384, PS512, RS256, RS384, RS512};
    if matches!(jwk.common.public_key_use, Some(ref u) if *u != PublicKeyUse::Signature) {
        return Vec::new();
    }
    let of_kind: Vec<Algorithm> = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => vec![RS256, RS384, RS512, PS256, PS384, PS512],
        AlgorithmParameters::EllipticCurve(ec) => match ec.curve {
            EllipticCurve::P256 => vec![ES256],
            EllipticCurve::P384 => vec![ES384],
            _ => Vec::new(),
        },
        AlgorithmParameters::OctetKeyPair(okp) if okp.curve == EllipticCurve::Ed25519 => {
            vec![EdDSA]
        }
        // A shared secret (`oct`) or a kind this service does not know.
        _ => Vec::new(),
    };
    match jwk.common.key_algorithm {
        None => of_kind,
        Some(named) => of_kind
            .into_iter()
            .filter(|alg| KeyAlgorithm::from(*alg) == named)
            .collect(),
    }
}

impl KeySet {
    /// Reads a JWKS document (`{"keys": [...]}`), keeping the public signing keys: a set
    /// with none is refused, as it would refuse every token.
    pub fn parse(text: &str) -> Result<KeySet, String> {
        let set: JwkSet = serde_json::from_str(text).map_err(|e| format!("not a JWKS: {e}"))?;
        let mut keys = Vec::with_capacity(set.keys.len());
        for jwk in &set.keys {
            let algorithms = algorithms_of(jwk);
            if algorithms.is_empty() {
                continue;
            }
            let key = DecodingKey::from_jwk(jwk).map_err(|e| {
                let kid = jwk.common.key_id.as_deref().unwrap_or("(no kid)");
                format!("key `{kid}`: {e}")
            })?;
            keys.push(Key {
                kid: jwk.common.key_id.clone(),
                key,
                algorithms,
            });
        }
        if keys.is_empty() {
            return Err(
                "the set has no public key for signatures (RSA, EC P-256 or P-384, Ed25519)".into(),
            );
        }
        Ok(KeySet { keys })
    }

    /// How many keys the set has.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether it has none.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The keys that may have signed a token with `kid` and `alg`: the key of that id, or
    /// every key for `alg` when the token names none.
    fn candidates<'a>(
        &'a self,
        kid: Option<&'a str>,
        alg: Algorithm,
    ) -> impl Iterator<Item = &'a Key> + 'a {
        self.keys.iter().filter(move |k| {
            k.algorithms.contains(&alg) && (kid.is_none() || k.kid.as_deref() == kid)
        })
    }
}

/// Why a token is refused. Its text is for the caller: it names no key and no claim's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    /// Not a JWT, or claims that do not read.
    Malformed,
    /// Signed with an algorithm this service never accepts (HMAC, `none`).
    Algorithm,
    /// Its key (`kid`) is not among the provider's keys.
    UnknownKey,
    /// The signature is not that of the key.
    Signature,
    /// Past its `exp`.
    Expired,
    /// Before its `nbf`.
    NotYetValid,
    /// Another issuer's.
    Issuer,
    /// Meant for another audience.
    Audience,
    /// Without `exp`, `iss` or `aud`.
    MissingClaim,
    /// Without the claim that names the client.
    NoSubject,
}

impl Invalid {
    /// The reason, in French and in English.
    pub fn said(self, claim: &str) -> (String, String) {
        let (fr, en) = match self {
            Invalid::Malformed => (
                "le jeton n'est pas un JWT lisible",
                "the token is not a readable JWT",
            ),
            Invalid::Algorithm => (
                "le jeton est signé par un algorithme que le service n'accepte pas",
                "the token is signed with an algorithm the service does not accept",
            ),
            Invalid::UnknownKey => (
                "le jeton est signé par une clé que le fournisseur d'identité ne publie pas",
                "the token is signed by a key the identity provider does not publish",
            ),
            Invalid::Signature => (
                "la signature du jeton n'est pas valide",
                "the token's signature is not valid",
            ),
            Invalid::Expired => ("le jeton a expiré", "the token has expired"),
            Invalid::NotYetValid => (
                "le jeton n'est pas encore valide",
                "the token is not valid yet",
            ),
            Invalid::Issuer => (
                "le jeton vient d'un autre émetteur",
                "the token comes from another issuer",
            ),
            Invalid::Audience => (
                "le jeton est destiné à un autre service",
                "the token is meant for another audience",
            ),
            Invalid::MissingClaim => (
                "le jeton n'a pas `exp`, `iss` ou `aud`",
                "the token lacks `exp`, `iss` or `aud`",
            ),
            Invalid::NoSubject => {
                return (
                    format!("le jeton n'a pas la revendication `{claim}` qui nomme le client"),
                    format!("the token lacks the claim `{claim}` that names the client"),
                );
            }
        };
        (fr.to_string(), en.to_string())
    }

    /// The outcome's label in the metrics.
    pub fn label(self) -> &'static str {
        match self {
            Invalid::Expired | Invalid::NotYetValid => "token_expired",
            _ => "token_invalid",
        }
    }
}

/// Whether `credential` is shaped as a JWT (three base64url parts), not as an API key.
pub fn looks_like_jwt(credential: &str) -> bool {
    credential.split('.').count() == 3
        && credential
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

/// Where the keys are kept while the service runs.
enum Source {
    File(Reread<KeySet>),
    Url(Arc<Fetched>),
}

/// Bearer tokens of an identity provider: the options and the provider's keys.
pub struct Jwt {
    options: JwtOptions,
    source: Source,
}

impl std::fmt::Debug for Jwt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jwt")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// How often a JWKS file is looked at, at most.
const CHECK_EVERY: Duration = Duration::from_secs(1);

/// The shortest time between two fetches of a JWKS URL, whatever tokens arrive: a flood of
/// tokens naming unknown keys does not become a flood on the provider.
pub const REFETCH_AT_MOST: Duration = Duration::from_secs(10);

impl Jwt {
    /// Reads the provider's keys a first time (a failure stops the service at start) and,
    /// for a URL, starts fetching them again in the background.
    pub fn open(options: JwtOptions) -> Result<Jwt, String> {
        let source = match &options.keys {
            KeysAt::File(path) => Source::File(Reread::open(
                "the JWKS file",
                vec![path.clone()],
                CHECK_EVERY,
                Box::new(|paths| match paths {
                    [path] => std::fs::read_to_string(path)
                        .map_err(|e| e.to_string())
                        .and_then(|text| KeySet::parse(&text))
                        .map_err(|e| format!("{}: {e}", path.display())),
                    _ => Err("one JWKS file is read".into()),
                }),
            )?),
            KeysAt::Url { url, ca, refresh } => {
                Source::Url(Fetched::start(url.clone(), ca.as_deref(), *refresh)?)
            }
        };
        Ok(Jwt { options, source })
    }

    /// The options it was opened with.
    pub fn options(&self) -> &JwtOptions {
        &self.options
    }

    /// The keys in force.
    pub fn keys(&self) -> Arc<KeySet> {
        match &self.source {
            Source::File(reread) => reread.get(),
            Source::Url(fetched) => fetched.current.load_full(),
        }
    }

    /// The name the token gives its client (the value of the claim `--jwt-claim`), if the
    /// token is valid.
    pub fn verify(&self, token: &str) -> Result<String, Invalid> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| Invalid::Malformed)?;
        let keys = self.keys();
        let mut candidates = keys
            .candidates(header.kid.as_deref(), header.alg)
            .peekable();
        if candidates.peek().is_none() {
            if matches!(
                header.alg,
                Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
            ) {
                return Err(Invalid::Algorithm);
            }
            if let Source::Url(fetched) = &self.source {
                fetched.wake();
            }
            return Err(Invalid::UnknownKey);
        }
        let mut validation = Validation::new(header.alg);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.leeway = self.options.leeway.as_secs();
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.options.issuer]);
        validation.set_audience(&[&self.options.audience]);
        let mut refused = Invalid::Signature;
        for key in candidates {
            match jsonwebtoken::decode::<serde_json::Map<String, serde_json::Value>>(
                token,
                &key.key,
                &validation,
            ) {
                Ok(data) => {
                    return match data.claims.get(&self.options.claim) {
                        Some(serde_json::Value::String(name)) if !name.is_empty() => {
                            Ok(name.clone())
                        }
                        _ => Err(Invalid::NoSubject),
                    };
                }
                Err(e) => {
                    refused = match e.kind() {
                        ErrorKind::InvalidSignature => Invalid::Signature,
                        ErrorKind::ExpiredSignature => return Err(Invalid::Expired),
                        ErrorKind::ImmatureSignature => return Err(Invalid::NotYetValid),
                        ErrorKind::InvalidIssuer => return Err(Invalid::Issuer),
                        ErrorKind::InvalidAudience => return Err(Invalid::Audience),
                        ErrorKind::MissingRequiredClaim(_) => return Err(Invalid::MissingClaim),
                        ErrorKind::InvalidAlgorithm => Invalid::Algorithm,
                        _ => Invalid::Malformed,
                    }
                }
            }
        }
        Err(refused)
    }
}

/// The keys of a JWKS URL, and the thread that fetches them again.
struct Fetched {
    url: String,
    agent: ureq::Agent,
    current: ArcSwap<KeySet>,
    /// Set when a token named a key not yet known; the condition wakes the fetcher.
    asked: Mutex<bool>,
    woken: Condvar,
}

/// The most a JWKS may weigh.
const MOST_BYTES: u64 = 1 << 20;

impl Fetched {
    /// Fetches the keys a first time (a failure stops the service at start), then starts the
    /// thread that fetches them again every `refresh` and when woken. The thread ends when
    /// the service drops the keys.
    fn start(
        url: String,
        ca: Option<&std::path::Path>,
        refresh: Duration,
    ) -> Result<Arc<Fetched>, String> {
        let agent = agent(ca)?;
        let keys = fetch(&agent, &url)?;
        tracing::info!(url = %url, keys = keys.len(), "identity provider's keys fetched");
        let fetched = Arc::new(Fetched {
            url,
            agent,
            current: ArcSwap::from_pointee(keys),
            asked: Mutex::new(false),
            woken: Condvar::new(),
        });
        let weak = Arc::downgrade(&fetched);
        std::thread::Builder::new()
            .name("jwks-fetch".into())
            .spawn(move || refetch(&weak, refresh))
            .map_err(|e| e.to_string())?;
        Ok(fetched)
    }

    /// Asks the fetcher to fetch the keys again now (or as soon as [`REFETCH_AT_MOST`] allows).
    fn wake(&self) {
        *self.asked.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.woken.notify_one();
    }
}

/// The fetcher's loop: waits for `refresh` or a wake, fetches, swaps the keys in when they
/// read and keeps the last good ones (logged) when they do not.
fn refetch(fetched: &Weak<Fetched>, refresh: Duration) {
    let mut last = Instant::now();
    loop {
        {
            let Some(this) = fetched.upgrade() else {
                return;
            };
            // Wakes at least every second to notice that the service dropped the keys.
            let mut asked = this.asked.lock().unwrap_or_else(PoisonError::into_inner);
            let due = last.elapsed() >= refresh || (*asked && last.elapsed() >= REFETCH_AT_MOST);
            if !due {
                let (guard, _) = this
                    .woken
                    .wait_timeout(asked, Duration::from_secs(1))
                    .unwrap_or_else(PoisonError::into_inner);
                drop(guard);
                continue;
            }
            *asked = false;
        }
        let Some(this) = fetched.upgrade() else {
            return;
        };
        last = Instant::now();
        match fetch(&this.agent, &this.url) {
            Ok(keys) => {
                tracing::debug!(url = %this.url, keys = keys.len(), "identity provider's keys fetched again");
                this.current.store(Arc::new(keys));
            }
            Err(e) => {
                tracing::error!(url = %this.url, error = %e, "the identity provider's keys could not be fetched again: the last ones are kept");
            }
        }
    }
}

/// The HTTP client of the JWKS URL: certificates checked against `ca` when given, a bounded
/// wait, an error for any status but 2xx.
fn agent(ca: Option<&std::path::Path>) -> Result<ureq::Agent, String> {
    use ureq::tls::{PemItem, RootCerts, TlsConfig};
    let roots = match ca {
        None => RootCerts::WebPki,
        Some(path) => {
            let pem = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let mut certs = Vec::new();
            for item in ureq::tls::parse_pem(&pem) {
                if let PemItem::Certificate(cert) =
                    item.map_err(|e| format!("{}: {e}", path.display()))?
                {
                    certs.push(cert);
                }
            }
            if certs.is_empty() {
                return Err(format!("{}: no certificate", path.display()));
            }
            RootCerts::Specific(Arc::new(certs))
        }
    };
    let config = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(10)))
        .http_status_as_error(true)
        .tls_config(TlsConfig::builder().root_certs(roots).build())
        .build();
    Ok(config.into())
}

/// Fetches and reads the JWKS at `url`.
fn fetch(agent: &ureq::Agent, url: &str) -> Result<KeySet, String> {
    let text = agent
        .get(url)
        .call()
        .and_then(|mut response| {
            response
                .body_mut()
                .with_config()
                .limit(MOST_BYTES)
                .read_to_string()
        })
        .map_err(|e| format!("{url}: {e}"))?;
    KeySet::parse(&text).map_err(|e| format!("{url}: {e}"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests assert by panicking")]
    use super::*;

    /// An Ed25519 public key (RFC 8037's example), in a JWK with `extra` fields.
    fn okp(kid: &str, extra: &str) -> String {
        format!(
            r#"{{"kty": "OKP", "crv": "Ed25519", "kid": "{kid}", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"{extra}}}"#
        )
    }

    #[test]
    fn only_public_signing_keys_are_kept_each_for_its_algorithms() {
        let set = KeySet::parse(&format!(
            r#"{{"keys": [{}, {}, {}, {}, {{"kty": "oct", "kid": "secret", "k": "c2VjcmV0"}}]}}"#,
            okp("sig", ""),
            okp("enc", r#", "use": "enc""#),
            okp("named", r#", "alg": "EdDSA""#),
            okp("misnamed", r#", "alg": "ES256""#),
        ))
        .unwrap();
        let kept: Vec<_> = set.keys.iter().map(|k| k.kid.as_deref().unwrap()).collect();
        assert_eq!(kept, ["sig", "named"]);
        assert_eq!(set.candidates(Some("named"), Algorithm::EdDSA).count(), 1);
        assert_eq!(set.candidates(None, Algorithm::EdDSA).count(), 2);
        assert_eq!(set.candidates(Some("sig"), Algorithm::ES256).count(), 0);
        assert_eq!(set.candidates(Some("secret"), Algorithm::HS256).count(), 0);
    }

    #[test]
    fn a_set_without_a_usable_key_or_that_is_not_a_set_is_refused() {
        let none = KeySet::parse(r#"{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}"#).unwrap_err();
        assert!(none.contains("no public key for signatures"), "{none}");
        let not = KeySet::parse(r#"{"key": []}"#).unwrap_err();
        assert!(not.starts_with("not a JWKS"), "{not}");
    }

    #[test]
    fn a_jwt_is_told_from_an_api_key_by_its_shape() {
        assert!(looks_like_jwt("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"));
        assert!(looks_like_jwt("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."));
        assert!(!looks_like_jwt("lyon-key-5f1c0a9e7d3b2c14"));
        assert!(!looks_like_jwt("a.b.c.d"));
        assert!(!looks_like_jwt("a.b/c.d"));
    }
}
