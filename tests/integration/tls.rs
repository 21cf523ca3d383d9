//! TLS served by the service: a test certificate authority made here with rcgen, a client
//! that trusts it alone, HTTP/2 offered by ALPN, and a certificate replaced on disk that new
//! connections see without a restart.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, ServerName};

use crate::serve::{DEADLINE, Served, refused};

/// A certificate authority of the tests.
pub(crate) struct TestCa {
    issuer: Issuer<'static, KeyPair>,
    /// Its own certificate, what a client trusts.
    pub(crate) der: CertificateDer<'static>,
    /// The same in PEM.
    pub(crate) pem: String,
}

/// A certificate issued by a [`TestCa`] and its key, in PEM.
pub(crate) struct Issued {
    pub(crate) cert_pem: String,
    pub(crate) key_pem: String,
    pub(crate) der: CertificateDer<'static>,
    /// Its serial number, for a revocation list.
    pub(crate) serial: u64,
}

/// The serial number of the next certificate issued.
static SERIAL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1000);

impl TestCa {
    pub(crate) fn new(name: &str) -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        TestCa {
            der: cert.der().clone(),
            pem: cert.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A certificate for `names` (DNS names or IP addresses), its subject's common name the
    /// first of them.
    pub(crate) fn issue(&self, names: &[&str]) -> Issued {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names.clone()).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, names[0].as_str());
        self.sign(params)
    }

    /// A client's certificate, its subject's common name `cn`, valid from `valid.0` to
    /// `valid.1` (years).
    pub(crate) fn issue_client(&self, cn: &str, valid: (i32, i32)) -> Issued {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, cn);
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
        params.not_before = rcgen::date_time_ymd(valid.0, 1, 1);
        params.not_after = rcgen::date_time_ymd(valid.1, 1, 1);
        self.sign(params)
    }

    /// A revocation list of this authority revoking the certificates of `serials`, in PEM.
    pub(crate) fn crl(&self, serials: &[u64]) -> String {
        let revoked = serials
            .iter()
            .map(|&serial| rcgen::RevokedCertParams {
                serial_number: serial.to_be_bytes().to_vec().into(),
                revocation_time: rcgen::date_time_ymd(2025, 6, 1),
                reason_code: Some(rcgen::RevocationReason::KeyCompromise),
                invalidity_date: None,
            })
            .collect();
        let params = rcgen::CertificateRevocationListParams {
            this_update: rcgen::date_time_ymd(2025, 6, 1),
            next_update: rcgen::date_time_ymd(2040, 1, 1),
            crl_number: SERIAL
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                .to_be_bytes()
                .to_vec()
                .into(),
            issuing_distribution_point: None,
            revoked_certs: revoked,
            key_identifier_method: rcgen::KeyIdMethod::Sha256,
        };
        params.signed_by(&self.issuer).unwrap().pem().unwrap()
    }

    fn sign(&self, mut params: CertificateParams) -> Issued {
        let serial = SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        params.serial_number = Some(serial.to_be_bytes().to_vec().into());
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Issued {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            der: cert.der().clone(),
            serial,
        }
    }
}

/// Writes a certificate and its key where the service reads them, each by a rename, as a
/// certificate manager does.
pub(crate) fn install(issued: &Issued, cert: &Path, key: &Path) {
    for (text, path) in [(&issued.key_pem, key), (&issued.cert_pem, cert)] {
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(&tmp, path).unwrap();
    }
}

/// A client configuration that trusts `ca` alone and offers `alpn`.
pub(crate) fn client_config(ca: &TestCa, alpn: &[&[u8]]) -> Arc<rustls::ClientConfig> {
    client_config_as(ca, alpn, None)
}

/// [`client_config`] presenting the certificate `me`, if any.
pub(crate) fn client_config_as(
    ca: &TestCa,
    alpn: &[&[u8]],
    me: Option<&Issued>,
) -> Arc<rustls::ClientConfig> {
    use rustls::pki_types::PrivateKeyDer;
    use rustls::pki_types::pem::PemObject as _;
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.der.clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let mut config = match me {
        Some(me) => builder
            .with_client_auth_cert(
                vec![me.der.clone()],
                PrivateKeyDer::from_pem_slice(me.key_pem.as_bytes()).unwrap(),
            )
            .unwrap(),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Arc::new(config)
}

/// A TLS connection to `addr` as `name`, its handshake done: the connection, or the error of
/// the handshake.
pub(crate) fn connect(
    config: Arc<rustls::ClientConfig>,
    addr: &str,
    name: &str,
) -> Result<rustls::StreamOwned<rustls::ClientConnection, TcpStream>, String> {
    let name = ServerName::try_from(name.to_string()).unwrap();
    let conn = rustls::ClientConnection::new(config, name).unwrap();
    let tcp = TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(DEADLINE)).unwrap();
    let mut stream = rustls::StreamOwned::new(conn, tcp);
    while stream.conn.is_handshaking() {
        stream
            .conn
            .complete_io(&mut stream.sock)
            .map_err(|e| e.to_string())?;
    }
    Ok(stream)
}

/// `GET path` over HTTP/1.1 on a TLS connection: the whole answer as text.
pub(crate) fn https_get(
    stream: rustls::StreamOwned<rustls::ClientConnection, TcpStream>,
    path: &str,
    headers: &str,
) -> String {
    https(stream, &format!("GET {path} HTTP/1.1\r\n{headers}"), "")
}

/// A request over HTTP/1.1 on a TLS connection (`head`: its line and headers, each ending in
/// CRLF): the whole answer as text, empty when the service closed the connection instead.
pub(crate) fn https(
    mut stream: rustls::StreamOwned<rustls::ClientConnection, TcpStream>,
    head: &str,
    body: &str,
) -> String {
    let length = body.len();
    // The service may have refused the connection already (a certificate it does not accept).
    let _ = write!(
        stream,
        "{head}Host: localhost\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n{body}"
    );
    let mut answer = Vec::new();
    // A peer that closes without `close_notify` still gave its whole answer.
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

/// The service over TLS with the certificate of `issued`, its files in `dir`.
pub(crate) fn serve_tls(dir: &Path, issued: &Issued, args: &[&str]) -> Served {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    install(issued, &cert, &key);
    let mut all = vec![
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    Served::start(&all)
}

#[test]
fn decisions_are_served_over_tls_with_http2_offered_and_plain_http_refused() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("clausier test CA");
    let served = serve_tls(dir.path(), &ca.issue(&["localhost", "127.0.0.1"]), &[]);
    assert!(
        served.log().contains("tls=true"),
        "the listening line says TLS:\n{}",
        served.log()
    );

    let http11 = connect(
        client_config(&ca, &[b"http/1.1"]),
        served.addr(),
        "localhost",
    )
    .unwrap();
    let answer = https_get(http11, "/healthz", "");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    // A client that offers HTTP/2 gets it.
    let h2 = connect(
        client_config(&ca, &[b"h2", b"http/1.1"]),
        served.addr(),
        "localhost",
    )
    .unwrap();
    assert_eq!(h2.conn.alpn_protocol(), Some(&b"h2"[..]));

    // The certificate names 127.0.0.1 too.
    let by_ip = connect(client_config(&ca, &[]), served.addr(), "127.0.0.1").unwrap();
    assert!(https_get(by_ip, "/readyz", "").starts_with("HTTP/1.1 200"));

    // A client that trusts another authority refuses the service.
    let stranger = TestCa::new("another CA");
    let refused = connect(client_config(&stranger, &[]), served.addr(), "localhost");
    assert!(refused.is_err());

    // Plain HTTP on the TLS port gets no answer of HTTP.
    let mut plain = TcpStream::connect(served.addr()).unwrap();
    plain.set_read_timeout(Some(DEADLINE)).unwrap();
    plain
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let mut answer = Vec::new();
    let _ = plain.read_to_end(&mut answer);
    assert!(!String::from_utf8_lossy(&answer).contains("200 OK"));
}

#[test]
fn a_certificate_replaced_on_disk_is_served_to_new_connections_without_restart() {
    let dir = tempfile::tempdir().unwrap();
    let first_ca = TestCa::new("first CA");
    let first = first_ca.issue(&["localhost", "127.0.0.1"]);
    let served = serve_tls(dir.path(), &first, &[]);
    let before = connect(client_config(&first_ca, &[]), served.addr(), "localhost").unwrap();
    assert_eq!(
        before.conn.peer_certificates().unwrap()[0],
        first.der,
        "the first certificate is served"
    );

    // The rotation: another authority, another name.
    let second_ca = TestCa::new("second CA");
    let second = second_ca.issue(&["clausier.test"]);
    install(
        &second,
        &dir.path().join("cert.pem"),
        &dir.path().join("key.pem"),
    );
    let started = Instant::now();
    let after = loop {
        if let Ok(stream) = connect(
            client_config(&second_ca, &[]),
            served.addr(),
            "clausier.test",
        ) {
            break stream;
        }
        assert!(
            started.elapsed() < DEADLINE,
            "the new certificate was never served:\n{}",
            served.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(after.conn.peer_certificates().unwrap()[0], second.der);
    assert!(https_get(after, "/healthz", "").starts_with("HTTP/1.1 200"));
    // The connection made before still answers, with the certificate it was made with.
    assert!(https_get(before, "/healthz", "").starts_with("HTTP/1.1 200"));
    // New connections no longer get the first certificate.
    assert!(connect(client_config(&first_ca, &[]), served.addr(), "localhost").is_err());
    served.wait_log("the rotation is logged", |l| {
        l.contains("TLS certificate read again")
    });

    // A key that is not the certificate's (a rotation caught half-way) keeps the last good
    // pair served, and says so. The files are looked at on a handshake.
    let third = second_ca.issue(&["clausier.test"]);
    std::fs::write(dir.path().join("cert.pem"), &third.cert_pem).unwrap();
    let second_served = || {
        let still = connect(
            client_config(&second_ca, &[]),
            served.addr(),
            "clausier.test",
        );
        assert_eq!(
            still.unwrap().conn.peer_certificates().unwrap()[0],
            second.der
        );
    };
    let started = Instant::now();
    while !served
        .log()
        .contains("TLS certificate changed but cannot be read")
    {
        second_served();
        assert!(started.elapsed() < DEADLINE, "{}", served.log());
        std::thread::sleep(Duration::from_millis(100));
    }
    second_served();
}

#[test]
fn a_certificate_without_its_key_or_a_wrong_key_stops_the_service_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("CA");
    let (one, other) = (ca.issue(&["localhost"]), ca.issue(&["localhost"]));
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, &one.cert_pem).unwrap();
    std::fs::write(&key, &other.key_pem).unwrap();
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let start = [
        "--policies",
        "policies",
        "--addr",
        "127.0.0.1:0",
        "--tls-cert",
        cert,
    ];
    let (code, err) = refused(&[&start[..], &["--tls-key", key]].concat(), &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("is the key that of the certificate?"), "{err}");
    let (code, err) = refused(&start, &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--tls-key"), "{err}");
    // Client certificates identify clients of a clients file: without one, nothing to do.
    let ca_only = [&start[..], &["--tls-key", key, "--tls-client-ca", cert]].concat();
    let (code, err) = refused(&ca_only, &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--clients-file"), "{err}");
}

#[test]
fn plain_http_beyond_loopback_is_warned_about() {
    // 0.0.0.0 listens beyond this machine; the test reaches it on loopback.
    let served = Served::launch(
        &[
            "--policies",
            "policies",
            "--addr",
            "0.0.0.0:0",
            "--store",
            "none",
        ],
        &[],
    );
    served.wait_log("the warning", |l| l.contains("without TLS"));
    let quiet = Served::start(&["--store", "none"]);
    assert!(!quiet.log().contains("without TLS"), "{}", quiet.log());
}

/// A decision asked over TLS as the client of certificate `me` (none: no certificate), with
/// the extra `headers`: the answer's status line, empty when the connection was refused.
fn decide_over_tls(served: &Served, ca: &TestCa, me: Option<&Issued>, headers: &str) -> String {
    let Ok(stream) = connect(client_config_as(ca, &[], me), served.addr(), "localhost") else {
        return String::new();
    };
    let body = serde_json::json!({"input": crate::http::candidate()}).to_string();
    let head = format!(
        "POST /v1/policies/{}/decisions HTTP/1.1\r\nContent-Type: application/json\r\n{headers}",
        crate::http::BTS
    );
    let answer = https(stream, &head, &body);
    answer.lines().next().unwrap_or("").to_string()
}

/// The service over TLS asking for client certificates of `client_ca` (with `args`), its
/// client `lyon` known by its key and by the certificate name `scolarite-lyon`; and the path
/// of its clients file.
fn serve_mutual(
    dir: &Path,
    server_ca: &TestCa,
    client_ca: &TestCa,
    args: &[&str],
) -> (Served, std::path::PathBuf) {
    use crate::clients::{LYON_KEY, client, write_clients};
    let ca_file = dir.join("client-ca.pem");
    std::fs::write(&ca_file, &client_ca.pem).unwrap();
    let clients = dir.join("clients.toml");
    let lyon = client("lyon", LYON_KEY, &[crate::http::BTS], &["decisions"], "")
        .replace("routes", "certificate_cn = \"scolarite-lyon\"\nroutes");
    write_clients(&clients, &lyon);
    let mut all = vec![
        "--tls-client-ca",
        ca_file.to_str().unwrap(),
        "--clients-file",
        clients.to_str().unwrap(),
        "--store",
        "none",
    ];
    all.extend_from_slice(args);
    let served = serve_tls(dir, &server_ca.issue(&["localhost"]), &all);
    (served, clients)
}

#[test]
fn a_client_certificate_of_the_client_authority_identifies_its_client() {
    use crate::clients::{LYON_KEY, client, write_clients};
    let dir = tempfile::tempdir().unwrap();
    let (server_ca, client_ca) = (TestCa::new("server CA"), TestCa::new("clients' CA"));
    let (served, clients) = serve_mutual(dir.path(), &server_ca, &client_ca, &[]);
    let mine = client_ca.issue_client("scolarite-lyon", (2025, 2040));
    assert_eq!(
        decide_over_tls(&served, &server_ca, Some(&mine), ""),
        "HTTP/1.1 200 OK"
    );
    served.wait_log("the client is named", |l| {
        l.contains("client=lyon") && l.contains("status=200")
    });
    // Without a certificate: the handshake is made (probes, the open routes), the decision
    // is refused; a key still identifies.
    assert_eq!(
        decide_over_tls(&served, &server_ca, None, ""),
        "HTTP/1.1 401 Unauthorized"
    );
    let unauthenticated = connect(client_config(&server_ca, &[]), served.addr(), "localhost");
    assert!(https_get(unauthenticated.unwrap(), "/healthz", "").starts_with("HTTP/1.1 200"));
    let key = format!("X-Api-Key: {LYON_KEY}\r\n");
    assert_eq!(
        decide_over_tls(&served, &server_ca, None, &key),
        "HTTP/1.1 200 OK"
    );
    // A wrong key is not made up for by the certificate.
    assert_eq!(
        decide_over_tls(&served, &server_ca, Some(&mine), "X-Api-Key: wrong\r\n"),
        "HTTP/1.1 401 Unauthorized"
    );

    // The same name from another authority, or expired: the connection is refused.
    let stranger = TestCa::new("another CA").issue_client("scolarite-lyon", (2025, 2040));
    assert_eq!(
        decide_over_tls(&served, &server_ca, Some(&stranger), ""),
        ""
    );
    let expired = client_ca.issue_client("scolarite-lyon", (2020, 2021));
    assert_eq!(decide_over_tls(&served, &server_ca, Some(&expired), ""), "");
    // A certificate of the authority that names no client: 401.
    let nobody = client_ca.issue_client("someone-else", (2025, 2040));
    assert_eq!(
        decide_over_tls(&served, &server_ca, Some(&nobody), ""),
        "HTTP/1.1 401 Unauthorized"
    );

    // Revoked: the client's certificate name removed from the file.
    write_clients(
        &clients,
        &client("lyon", LYON_KEY, &[crate::http::BTS], &["decisions"], ""),
    );
    let started = Instant::now();
    while decide_over_tls(&served, &server_ca, Some(&mine), "") != "HTTP/1.1 401 Unauthorized" {
        assert!(
            started.elapsed() < DEADLINE,
            "the certificate is still accepted"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_client_certificate_on_the_authority_revocation_list_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (server_ca, client_ca) = (TestCa::new("server CA"), TestCa::new("clients' CA"));
    let (mine, spare) = (
        client_ca.issue_client("scolarite-lyon", (2025, 2040)),
        client_ca.issue_client("scolarite-lyon", (2025, 2040)),
    );
    let crl = dir.path().join("crl.pem");
    std::fs::write(&crl, client_ca.crl(&[])).unwrap();
    let (served, _) = serve_mutual(
        dir.path(),
        &server_ca,
        &client_ca,
        &["--tls-client-crl", crl.to_str().unwrap()],
    );
    let ok = "HTTP/1.1 200 OK";
    assert_eq!(decide_over_tls(&served, &server_ca, Some(&mine), ""), ok);

    // The authority publishes a list that revokes it: refused without restart, the other
    // certificate of the same name still accepted.
    let tmp = crl.with_extension("tmp");
    std::fs::write(&tmp, client_ca.crl(&[mine.serial])).unwrap();
    std::fs::rename(&tmp, &crl).unwrap();
    let started = Instant::now();
    while !decide_over_tls(&served, &server_ca, Some(&mine), "").is_empty() {
        assert!(
            started.elapsed() < DEADLINE,
            "the revoked certificate is still accepted"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(decide_over_tls(&served, &server_ca, Some(&spare), ""), ok);
    served.wait_log("the list is read again", |l| {
        l.contains("client authorities read again")
    });
}
