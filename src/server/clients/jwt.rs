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
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use jsonwebtoken::jwk::{
    AlgorithmParameters, EllipticCurve, Jwk, JwkSet, KeyAlgorithm, PublicKeyUse,
};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, errors::ErrorKind};

use crate::model::Said;
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
    /// Reads a JWKS document (`{"keys": [...]}`), keeping the public signing keys; a key that
    /// does not read is left out (logged). An empty set (`{"keys": []}`) is read as the
    /// provider withdrawing every key: every token is refused until keys come back. A set
    /// with keys of which none can verify is refused, as a mistake.
    pub fn parse(text: &str) -> Result<KeySet, String> {
        let set: JwkSet = serde_json::from_str(text).map_err(|e| format!("not a JWKS: {e}"))?;
        let mut keys = Vec::with_capacity(set.keys.len());
        for jwk in &set.keys {
            let algorithms = algorithms_of(jwk);
            if algorithms.is_empty() {
                continue;
            }
            match DecodingKey::from_jwk(jwk) {
                Ok(key) => keys.push(Key {
                    kid: jwk.common.key_id.clone(),
                    key,
                    algorithms,
                }),
                Err(e) => {
                    let kid = jwk.common.key_id.as_deref().unwrap_or("(no kid)");
                    tracing::warn!(kid, error = %e, "a key of the identity provider's set does not read: left out");
                }
            }
        }
        if keys.is_empty() && !set.keys.is_empty() {
            return Err(
                "the set has no public key for signatures (RSA, EC P-256 or P-384, Ed25519)".into(),
            );
        }
        if keys.is_empty() {
            tracing::warn!("the identity provider's key set is empty: every token is refused");
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
    pub fn said(self, claim: &str) -> Said {
        let (fr, en) = match self {
            Invalid::Malformed => (
                "le jeton n'est pas un JWT lisible (ou dit l'algorithme `none`)",
                "the token is not a readable JWT (or names the algorithm `none`)",
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
                return Said::new(
                    format!("le jeton n'a pas la revendication `{claim}` qui nomme le client"),
                    format!("the token lacks the claim `{claim}` that names the client"),
                );
            }
        };
        Said::new(fr.to_string(), en.to_string())
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
        // Fails here, at start, rather than on the first token, if the build has no
        // cryptography for tokens (or two).
        jsonwebtoken::crypto::CryptoProvider::try_get_default()
            .ok_or("no cryptography for tokens in this build")?;
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
                over_https_or_here(url)?;
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

    /// For a token naming a key not known: fetches the keys again now, on this thread, when
    /// they come from a URL and were not fetched in the last [`REFETCH_AT_MOST`]; whether it
    /// did. A provider rotating its keys is followed at its first token of the new key.
    pub fn refetch_if_due(&self) -> bool {
        match &self.source {
            Source::Url(fetched) => fetched.fetch_if_older_than(REFETCH_AT_MOST),
            Source::File(_) => false,
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

/// The keys of a JWKS URL, and when they were last fetched.
struct Fetched {
    url: String,
    agent: ureq::Agent,
    current: ArcSwap<KeySet>,
    /// When the last fetch began.
    last: Mutex<Instant>,
}

/// The most a JWKS may weigh.
const MOST_BYTES: u64 = 1 << 20;

impl Fetched {
    /// Fetches the keys a first time (a failure stops the service at start), then starts the
    /// thread that fetches them again every `refresh`. The thread ends when the service drops
    /// the keys.
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
            last: Mutex::new(Instant::now()),
        });
        let weak = Arc::downgrade(&fetched);
        std::thread::Builder::new()
            .name("jwks-fetch".into())
            .spawn(move || refresh_every(&weak, refresh))
            .map_err(|e| e.to_string())?;
        Ok(fetched)
    }

    /// Fetches the keys now if the last fetch began at least `gap` ago, on this thread;
    /// whether it did. Whoever comes first fetches; the others go on with the keys they have.
    fn fetch_if_older_than(&self, gap: Duration) -> bool {
        {
            let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
            if last.elapsed() < gap {
                return false;
            }
            *last = Instant::now();
        }
        match fetch(&self.agent, &self.url) {
            Ok(keys) => {
                tracing::info!(url = %self.url, keys = keys.len(), "identity provider's keys fetched again");
                self.current.store(Arc::new(keys));
            }
            Err(e) => {
                tracing::error!(url = %self.url, error = %e, "the identity provider's keys could not be fetched again: the last ones are kept");
            }
        }
        true
    }
}

/// The fetcher's loop: fetches the keys again every `refresh`, looking every second whether
/// the service still holds them.
fn refresh_every(fetched: &Weak<Fetched>, refresh: Duration) {
    loop {
        std::thread::sleep(Duration::from_secs(1));
        let Some(this) = fetched.upgrade() else {
            return;
        };
        this.fetch_if_older_than(refresh);
    }
}

/// Refuses a JWKS URL over plain HTTP to another machine: whoever is on the way could give
/// keys of their own and make tokens for any client. `http://` stays for a provider on this
/// machine (a sidecar), as the tests use.
fn over_https_or_here(url: &str) -> Result<(), String> {
    let Some(rest) = url.strip_prefix("http://") else {
        return if url.starts_with("https://") {
            Ok(())
        } else {
            Err(format!("`{url}`: the keys' URL must be https://"))
        };
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.split(':').next().unwrap_or_default(),
    };
    let here = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if here {
        Ok(())
    } else {
        Err(format!(
            "`{url}`: the keys must come over https:// (http:// only from this machine), \
             or anyone on the way could make tokens"
        ))
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
        // A redirect could lead to plain HTTP, or elsewhere: the URL given is the one used.
        .max_redirects(0)
        .tls_config(TlsConfig::builder().root_certs(roots).build())
        .build();
    Ok(config.into())
}

/// Fetches and reads the JWKS at `url`.
fn fetch(agent: &ureq::Agent, url: &str) -> Result<KeySet, String> {
    let mut response = agent.get(url).call().map_err(|e| format!("{url}: {e}"))?;
    let status = response.status();
    if !status.is_success() {
        // A 3xx is answered as it is (`max_redirects(0)`): refused, not followed.
        return Err(format!(
            "{url}: answered {status} (a redirect is not followed)"
        ));
    }
    let text = response
        .body_mut()
        .with_config()
        .limit(MOST_BYTES)
        .read_to_string()
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
    fn a_key_that_does_not_read_is_left_out_and_the_others_kept() {
        let set = KeySet::parse(&format!(
            r#"{{"keys": [{{"kty": "RSA", "kid": "broken", "n": "!!", "e": "AQAB"}}, {}]}}"#,
            okp("good", "")
        ))
        .unwrap();
        let kept: Vec<_> = set.keys.iter().map(|k| k.kid.as_deref().unwrap()).collect();
        assert_eq!(kept, ["good"]);
    }

    #[test]
    fn an_empty_set_withdraws_every_key() {
        let none = KeySet::parse(r#"{"keys": []}"#).unwrap();
        assert!(none.is_empty());
        assert_eq!(none.candidates(None, Algorithm::EdDSA).count(), 0);
    }

    #[test]
    fn keys_come_over_https_or_from_this_machine() {
        for here in [
            "https://idp.ac-lyon.fr/certs",
            "http://127.0.0.1:8081/certs",
            "http://localhost/certs",
            "http://[::1]:9000/certs",
            "http://user@127.0.0.2/certs",
        ] {
            assert_eq!(over_https_or_here(here), Ok(()), "{here}");
        }
        for away in [
            "http://idp.ac-lyon.fr/certs",
            "http://127.0.0.1.example.org/certs",
            "http://127.0.0.1@idp.example.org/certs",
            "http://[2001:db8::1]/certs",
            "ftp://127.0.0.1/certs",
        ] {
            assert!(over_https_or_here(away).is_err(), "{away}");
        }
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
