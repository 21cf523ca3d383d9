//! Bearer tokens of an identity provider (`--jwt-issuer`, `--jwt-audience`, `--jwt-jwks`):
//! a token signed by a published key, from the issuer, for this audience, within its dates,
//! names a client of the clients file (`jwt_subject`); any other token is refused 401
//! `invalid-credential` with the reason, never with the token. The provider's keys come from a
//! JWKS file read again when it changes (a key withdrawn is refused without a restart) or
//! from a URL, fetched again when a token names a key not yet known.

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::clients::write_clients;
use crate::http::{BTS, Reply, agent, candidate, reply};
use crate::serve::{DEADLINE, Served, refused};

const ISSUER: &str = "https://idp.ac-lyon.fr/realms/examens";
const AUDIENCE: &str = "clausier";

/// A 2048-bit RSA key made for these tests only (PKCS#1 DER in base64): generating one in a
/// debug build takes seconds, and ring cannot.
const TEST_RSA_KEY: &str = concat!(
    "MIIEowIBAAKCAQEAsxewVc8ZEDtqtDssacxh9tPkn3AE+d3Av8eCepxFbs7UutLFglCfry5fKjmSI87Dl3AVLS3D",
    "1rcTgCZtKsUxO5Unz/Kytrl9J7F1mx52fzIgj0uTniWU5KSihppzuQPjDJJW8fv4ysfBnef3g/zhye1vGCqT/J4o",
    "jgUzfgf5iG2O1Uo2K/xpi0O/ctPcLumKudP1dmvwwMxOwY2FRaOFMljq0s2drl97PAeZtLgEvEfX6ensWrlsrkMh",
    "+so3WBfoS5uO5nKg0oQaEAEx0MY1YzrOosVDwjriqOMnROO4iKMg2ii6BHxtN1fX3kAb6ozvFmRzwGAnGz0KCVCv",
    "JznvHQIDAQABAoIBAANx9n4oFyBlFuGsXmehgkfS4cvZYqVXpar5AmKdi4dHjkzZ+FtB563TM5jmvIGuKy5IU6Kg",
    "sJWW/ToZ0VwhU4mhRxUQRsMOi6ROHOgBSRIqG4evC1dtpm1vyuVDps8/Y7pCIN1F1arkEy58EbcJVynvGdsr/S3N",
    "Db9xqLnCGy59X+m0lqGCKoi9S0Qh/O0u3pVq71iFBjVkpyTskosCbTBqBGwItVy+4u5x+KGkACYVibZAsF7n9Xv5",
    "zLj9bLbIWfi835SvSyzZXdp1/Y1NI8m35zNwi7n/RInAOcX0FQSwp5g7X1CS4vvQ0YiRu4Qh6S1twAYHCTyfetiC",
    "E5qcDAcCgYEA4OKPoChhoptsFodWScECGpScqp2u7OfwFSknHCX39sDbk+Li4VIkoFevHx2CriuxlVz7iOR/jLIL",
    "kG0eAzZta/XN98umrk8Ya3/ISvCSnwaEea/cvscntDKy6y1LHNcD3vHRUNUHJ5wI3d+eJfyd/MafrqsiVo588kB/",
    "osdvoJMCgYEAy98n8YoxxqyNX41A9VcfvmwizDQ1Z58ygX8B8tklvvBb7LdODWPLSKJNxNeVuIMLsQugNWebTCZI",
    "Xu7fsaLDi6umMzAwOuiRqGTSdNVMiLrKeToHs0TxtB2FwzDn/5adM/ExRYaYy6EOjwokRdlWeiUeWczzsJqAx2jg",
    "Rwry748CgYEAgUIX9aFgRRt6bBSMB0Z11BtZVUPe+HJz72XBAg/cz6qYSw9dAs+5F6Rulr7ajwu0Pbq9JTjZC2CG",
    "/xOI7aXKDQSyx1v5yTTTP26qDFDspZUUbfEkO0+zRYLijgRxqPj5U5rAiep3+09XVVgjyYfCszjjLX1V9lReAswJ",
    "0OE7CxsCgYAM/Zs9+OBTGIupmwaYm4SaTamp+WmtwKcnOUCWiN+u2wIAg22lzMYXSsBJ2rLfnvoPvf3naUKsB4R1",
    "CCOY3hY3wChG+rsYBdnCMSp351+JFt3v+5KiCbKdF4R+e49M6fv6Y1QQahMyZoDW/H5zNPYdsl/MuRKOHko2aqhf",
    "3oK8YQKBgEO83/N0nEujvo3jgFBcm0aBfcNdqZ+8Pna/aklNh5AXQ2eQXcWt01gUb7p5riG8iPtccyxVJAo/eUO1",
    "gvBddH/pGmG8MCNltihvzkSnV5a/tSjkXCX+IUsKPXDpQXvfAx4lriHDZxBikV5dKNGBB0JCYCg3IqeHgAtg3g11",
    "h0rJ",
);

/// A signing key of the provider, and its public half as a JWK.
struct Signer {
    kid: String,
    alg: Algorithm,
    key: EncodingKey,
    jwk: Jwk,
}

fn signer(kid: &str, alg: Algorithm) -> Signer {
    if matches!(alg, Algorithm::RS256 | Algorithm::PS256) {
        let der = base64::engine::general_purpose::STANDARD
            .decode(TEST_RSA_KEY)
            .unwrap();
        let key = EncodingKey::from_rsa_der(&der);
        let mut jwk = Jwk::from_encoding_key(&key, alg).unwrap();
        // Published without `alg`, as many providers do: any RSA algorithm of the key.
        jwk.common.key_algorithm = None;
        jwk.common.key_id = Some(kid.to_string());
        return Signer {
            kid: kid.to_string(),
            alg,
            key,
            jwk,
        };
    }
    let (rcgen_alg, family) = match alg {
        Algorithm::ES256 => (&rcgen::PKCS_ECDSA_P256_SHA256, "ec"),
        Algorithm::EdDSA => (&rcgen::PKCS_ED25519, "ed"),
        _ => unreachable!("the tests sign with ES256, EdDSA, RS256 or PS256"),
    };
    let pair = rcgen::KeyPair::generate_for(rcgen_alg).unwrap();
    let der = pair.serialize_der();
    let key = if family == "ec" {
        EncodingKey::from_ec_der(&der)
    } else {
        // ring writes PKCS#8 v2 (with the public key); the seed, after its 16-byte header,
        // goes into the v1 form that jsonwebtoken reads.
        let mut v1 = hex::decode("302e020100300506032b657004220420").unwrap();
        v1.extend_from_slice(&der[16..48]);
        EncodingKey::from_ed_der(&v1)
    };
    let mut jwk = Jwk::from_encoding_key(&key, alg).unwrap();
    jwk.common.key_id = Some(kid.to_string());
    Signer {
        kid: kid.to_string(),
        alg,
        key,
        jwk,
    }
}

fn jwks(signers: &[&Signer]) -> String {
    serde_json::to_string(&JwkSet {
        keys: signers.iter().map(|s| s.jwk.clone()).collect(),
    })
    .unwrap()
}

fn now() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

/// The claims of a good token for `sub`, valid for five minutes.
fn claims(sub: &str) -> Value {
    json!({"iss": ISSUER, "aud": AUDIENCE, "sub": sub, "iat": now(), "exp": now() + 300})
}

fn token(signer: &Signer, claims: &Value) -> String {
    let mut header = Header::new(signer.alg);
    header.kid = Some(signer.kid.clone());
    jsonwebtoken::encode(&header, claims, &signer.key).unwrap()
}

/// `claims` changed by `edit`.
fn with(edit: &[(&str, Value)], sub: &str) -> Value {
    let mut claims = claims(sub);
    for (name, value) in edit {
        if value.is_null() {
            claims.as_object_mut().unwrap().remove(*name);
        } else {
            claims[*name] = value.clone();
        }
    }
    claims
}

/// A decision asked with `token`, in English; the answer and its `WWW-Authenticate`.
fn decide_with(served: &Served, token: &str) -> (Reply, String) {
    let response = agent()
        .post(format!("{}/v1/policies/{BTS}/decisions", served.base()))
        .header("content-type", "application/json")
        .header("accept-language", "en")
        .header("authorization", &format!("Bearer {token}"))
        .send(json!({"input": candidate()}).to_string())
        .unwrap();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map_or(String::new(), |v| v.to_str().unwrap().to_string());
    (reply(response), challenge)
}

fn status(served: &Served, token: &str) -> u16 {
    decide_with(served, token).0.status
}

/// The reason of a refused token, checked to be a 401 `invalid-credential` that tells the client
/// to get a new one.
fn refused_because((reply, challenge): &(Reply, String)) -> String {
    let problem = reply.problem(401);
    assert_eq!(problem["type"], "urn:clausier:problem:invalid-credential");
    assert_eq!(
        challenge,
        "Bearer realm=\"clausier\", error=\"invalid_token\""
    );
    problem["detail"].as_str().unwrap().to_string()
}

fn clients_file(dir: &std::path::Path) -> std::path::PathBuf {
    let file = dir.join("clients.toml");
    write_clients(
        &file,
        &format!(
            "[[clients]]\nname = \"lyon\"\njwt_subject = \"svc-lyon\"\npolicies = [\"{BTS}\"]\nroutes = [\"decisions\"]\n\n\
             [[clients]]\nname = \"other\"\njwt_subject = \"svc-other\"\npolicies = [\"aide-mobilite\"]\nroutes = [\"decisions\"]\n\n\
             [[clients]]\nname = \"old\"\njwt_subject = \"svc-old\"\nexpires = \"2026-01-01\"\npolicies = [\"*\"]\nroutes = [\"decisions\"]\n"
        ),
    );
    file
}

fn serve_with_keys(clients: &std::path::Path, jwks: &str) -> Served {
    Served::start_with_env(
        &[
            "--clients-file",
            clients.to_str().unwrap(),
            "--jwt-issuer",
            ISSUER,
            "--jwt-audience",
            AUDIENCE,
            "--jwt-jwks",
            jwks,
            "--store",
            "none",
        ],
        &[],
    )
}

#[test]
fn a_token_of_the_provider_names_its_client_and_a_wrong_expired_or_withdrawn_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let clients = clients_file(dir.path());
    let (a, b) = (
        signer("key-a", Algorithm::ES256),
        signer("key-b", Algorithm::EdDSA),
    );
    let unpublished = signer("key-a", Algorithm::ES256);
    let (rs, ps) = (
        signer("key-r", Algorithm::RS256),
        signer("key-r", Algorithm::PS256),
    );
    let keys = dir.path().join("jwks.json");
    write_clients(&keys, &jwks(&[&a, &b, &rs]));
    let served = serve_with_keys(&clients, keys.to_str().unwrap());

    // A good token, by either key: the client it names decides, under what it is allowed.
    let good = token(&a, &claims("svc-lyon"));
    assert_eq!(status(&served, &good), 200);
    assert_eq!(status(&served, &token(&b, &claims("svc-lyon"))), 200);
    // An RSA key published without `alg` verifies RS256 and PS256 alike.
    assert_eq!(status(&served, &token(&rs, &claims("svc-lyon"))), 200);
    assert_eq!(status(&served, &token(&ps, &claims("svc-lyon"))), 200);
    let (other, _) = decide_with(&served, &token(&a, &claims("svc-other")));
    assert!(
        other.problem(403)["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("client `other` may not use policy `{BTS}`")),
        "{}",
        other.body
    );
    // A subject that is no client's is unidentified.
    let (unknown, _) = decide_with(&served, &token(&a, &claims("svc-unknown")));
    assert_eq!(
        unknown.problem(401)["type"],
        "urn:clausier:problem:unidentified"
    );

    // Expiry and validity, with the minute of leeway for the clocks.
    let late = decide_with(
        &served,
        &token(&a, &with(&[("exp", json!(now() - 3600))], "svc-lyon")),
    );
    assert!(
        refused_because(&late).contains("expired"),
        "{}",
        late.0.body
    );
    let skewed = token(
        &a,
        &with(
            &[("exp", json!(now() - 20)), ("nbf", json!(now() + 20))],
            "svc-lyon",
        ),
    );
    assert_eq!(status(&served, &skewed), 200);
    let early = decide_with(
        &served,
        &token(&a, &with(&[("nbf", json!(now() + 3600))], "svc-lyon")),
    );
    assert!(
        refused_because(&early).contains("not valid yet"),
        "{}",
        early.0.body
    );

    // Another issuer's, another audience's, one without an expiry.
    for (edit, why) in [
        (
            ("iss", json!("https://idp.ac-grenoble.fr")),
            "another issuer",
        ),
        (("aud", json!("another-service")), "another audience"),
        (("exp", Value::Null), "lacks `exp`"),
    ] {
        let reply = decide_with(&served, &token(&a, &with(&[edit], "svc-lyon")));
        assert!(
            refused_because(&reply).contains(why),
            "{why}: {}",
            reply.0.body
        );
    }

    // `aud` may be a list holding the audience; `iss` and the subject's claim are required;
    // a token without `kid` is checked against the keys of its algorithm.
    let listed = with(&[("aud", json!(["portail", AUDIENCE]))], "svc-lyon");
    assert_eq!(status(&served, &token(&a, &listed)), 200);
    for (edit, why) in [
        (("aud", json!(["portail", "autre"])), "another audience"),
        (("iss", Value::Null), "lacks `exp`, `iss` or `aud`"),
        (("sub", Value::Null), "lacks the claim `sub`"),
    ] {
        let reply = decide_with(&served, &token(&a, &with(&[edit], "svc-lyon")));
        assert!(
            refused_because(&reply).contains(why),
            "{why}: {}",
            reply.0.body
        );
    }
    let mut no_kid = Header::new(Algorithm::ES256);
    no_kid.kid = None;
    let anonymous_key = jsonwebtoken::encode(&no_kid, &claims("svc-lyon"), &a.key).unwrap();
    assert_eq!(status(&served, &anonymous_key), 200);

    // A client past its `expires` is refused whatever token names it.
    let (old, _) = decide_with(&served, &token(&a, &claims("svc-old")));
    assert_eq!(
        old.problem(401)["detail"],
        "client `old` expired at 2026-01-02T00:00:00Z"
    );

    // Signatures: a key that is not published (under a published id), an unknown id, a
    // payload changed after signing, HMAC with anything, `none`.
    let forged = decide_with(&served, &token(&unpublished, &claims("svc-lyon")));
    assert!(
        refused_because(&forged).contains("signature is not valid"),
        "{}",
        forged.0.body
    );
    let stranger = signer("key-z", Algorithm::ES256);
    let unknown = decide_with(&served, &token(&stranger, &claims("svc-lyon")));
    assert!(
        refused_because(&unknown).contains("does not publish"),
        "{}",
        unknown.0.body
    );
    let parts: Vec<&str> = good.split('.').collect();
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let swapped = b64.encode(claims("svc-other").to_string());
    let tampered = format!("{}.{swapped}.{}", parts[0], parts[2]);
    let reply = decide_with(&served, &tampered);
    assert!(
        refused_because(&reply).contains("signature is not valid"),
        "{}",
        reply.0.body
    );
    let mut hmac = Header::new(Algorithm::HS256);
    hmac.kid = Some("key-a".into());
    let shared = jsonwebtoken::encode(
        &hmac,
        &claims("svc-lyon"),
        &EncodingKey::from_secret(jwks(&[&a]).as_bytes()).unwrap(),
    )
    .unwrap();
    let reply = decide_with(&served, &shared);
    assert!(
        refused_because(&reply).contains("algorithm"),
        "{}",
        reply.0.body
    );
    let none = format!(
        "{}.{}.",
        b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
        parts[1]
    );
    let reply = decide_with(&served, &none);
    assert!(
        refused_because(&reply).contains("not a readable JWT"),
        "{}",
        reply.0.body
    );
    let series = |outcome: &str| {
        served.metric(&format!(
            "clausier_client_requests_total{{client=\"-\",outcome=\"{outcome}\"}}"
        ))
    };
    assert_eq!(series("token_expired"), 2.0);
    assert_eq!(series("token_invalid"), 11.0);

    // A key withdrawn from the set is refused within a second or so, without a restart.
    write_clients(&keys, &jwks(&[&b]));
    let started = Instant::now();
    while status(&served, &good) != 401 {
        assert!(
            started.elapsed() < DEADLINE,
            "the withdrawn key still verifies"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let reply = decide_with(&served, &good);
    assert!(
        refused_because(&reply).contains("does not publish"),
        "{}",
        reply.0.body
    );
    assert_eq!(status(&served, &token(&b, &claims("svc-lyon"))), 200);

    // An empty set withdraws every key: the provider's way to stop everything at once.
    write_clients(&keys, r#"{"keys": []}"#);
    let later = token(&b, &claims("svc-lyon"));
    let started = Instant::now();
    while status(&served, &later) != 401 {
        assert!(
            started.elapsed() < DEADLINE,
            "the empty set withdrew nothing"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // The warning is written before the set is swapped, but reaches the log through a pipe
    // read by another thread: wait for it rather than race it.
    served.wait_log("the empty set is warned about", |l| {
        l.contains("every token is refused")
    });

    // The log names the client and the reasons, never a token; the metrics count them.
    served.wait_log("the request line names the client", |l| {
        l.contains("status=200") && l.contains("client=lyon")
    });
    let log = served.log();
    assert!(log.contains("reason=the token has expired"), "{log}");
    assert!(
        !log.contains(&good) && !log.contains(&parts[2][..20]),
        "a token is in the log"
    );
    assert_eq!(
        served.metric("clausier_client_requests_total{client=\"old\",outcome=\"expired\"}"),
        1.0
    );
}

/// A JWKS served over HTTP on loopback, as an identity provider serves it; counts its fetches.
struct Provider {
    addr: String,
    jwks: Arc<Mutex<String>>,
    fetches: Arc<AtomicUsize>,
}

impl Provider {
    fn start(jwks: String) -> Provider {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let served = Arc::new(Mutex::new(jwks));
        let fetches = Arc::new(AtomicUsize::new(0));
        let (body, count) = (Arc::clone(&served), Arc::clone(&fetches));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                    head.push(byte[0]);
                }
                count.fetch_add(1, Ordering::SeqCst);
                let text = body.lock().unwrap().clone();
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                    text.len()
                );
            }
        });
        Provider {
            addr,
            jwks: served,
            fetches,
        }
    }

    fn url(&self) -> String {
        format!(
            "http://{}/realms/examens/protocol/openid-connect/certs",
            self.addr
        )
    }
}

#[test]
fn keys_fetched_from_the_provider_follow_its_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let clients = clients_file(dir.path());
    let (old, new) = (
        signer("2026-11", Algorithm::ES256),
        signer("2026-12", Algorithm::ES256),
    );
    let provider = Provider::start(jwks(&[&old]));
    let served = serve_with_keys(&clients, &provider.url());
    assert_eq!(provider.fetches.load(Ordering::SeqCst), 1);
    assert_eq!(status(&served, &token(&old, &claims("svc-lyon"))), 200);

    // The provider rotates. Its first token of the new key fetches the keys again, unless
    // they were fetched less than ten seconds ago (as at start): then it is refused, and so
    // is every token of the new key until the ten seconds are over.
    *provider.jwks.lock().unwrap() = jwks(&[&new]);
    let fresh = token(&new, &claims("svc-lyon"));
    let first = decide_with(&served, &fresh);
    if first.0.status != 200 {
        assert!(
            refused_because(&first).contains("does not publish"),
            "{}",
            first.0.body
        );
    }
    // Eight callers at once with the new key, until each is served: one fetch for them all.
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| {
                loop {
                    let reply = decide_with(&served, &fresh);
                    if reply.0.status == 200 {
                        break;
                    }
                    assert!(
                        refused_because(&reply).contains("does not publish"),
                        "{}",
                        reply.0.body
                    );
                    assert!(
                        started.elapsed() < DEADLINE,
                        "the new key was never fetched"
                    );
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
            });
        }
    });
    assert_eq!(provider.fetches.load(Ordering::SeqCst), 2);
    // The old key is no longer published: its tokens are refused.
    let stale = decide_with(&served, &token(&old, &claims("svc-lyon")));
    assert!(
        refused_because(&stale).contains("does not publish"),
        "{}",
        stale.0.body
    );
}

#[test]
fn a_provider_whose_keys_cannot_be_read_stops_the_service_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let clients = clients_file(dir.path());
    let keys = dir.path().join("jwks.json");
    // A set of shared secrets only: nothing that can verify a token safely.
    write_clients(
        &keys,
        r#"{"keys": [{"kty": "oct", "kid": "s", "k": "c2VjcmV0"}]}"#,
    );
    let args = |jwks: &str| {
        vec![
            "--policies".to_string(),
            "policies".into(),
            "--clients-file".into(),
            clients.to_str().unwrap().into(),
            "--jwt-issuer".into(),
            ISSUER.into(),
            "--jwt-audience".into(),
            AUDIENCE.into(),
            "--jwt-jwks".into(),
            jwks.into(),
        ]
    };
    let run = |jwks: &str| {
        let args = args(jwks);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        refused(&args, &[])
    };
    let (code, err) = run(keys.to_str().unwrap());
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no public key for signatures"), "{err}");
    // A provider that does not answer.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/certs", closed.local_addr().unwrap());
    drop(closed);
    let (code, err) = run(&url);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("/certs"), "{err}");
    // A provider that redirects: the redirect is not followed (it could lead anywhere).
    let redirecting = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/certs", redirecting.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in redirecting.incoming().take(1) {
            let mut stream = stream.unwrap();
            let mut head = [0u8; 1024];
            let _ = stream.read(&mut head);
            let _ = stream.write_all(
                b"HTTP/1.1 302 Found\r\nlocation: http://idp.example.org/certs\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            );
        }
    });
    let (code, err) = run(&url);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("/certs") && err.contains("redirect"), "{err}");
    // Keys over plain HTTP from another machine could be anyone's.
    let (code, err) = run("http://192.0.2.1/realms/examens/certs");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("must come over https://"), "{err}");
}
