//! TLS served by the service itself (rustls, TLS 1.2 and 1.3, HTTP/2 offered by ALPN), from a
//! certificate chain and a private key in PEM files. The pair is read again when either file
//! changes (see [`crate::server::reread`]), so that a certificate manager's rotation reaches
//! new connections without a restart; connections already open keep the certificate they
//! were made with.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer};
use rustls::server::danger::ClientCertVerifier;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use crate::server::reread::Reread;

/// How often the certificate files are looked at, at most (on a handshake).
pub const CHECK_EVERY: Duration = Duration::from_secs(1);

/// Where the certificate and its key are.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// The certificate chain, PEM, the service's own certificate first.
    pub cert: PathBuf,
    /// The private key, PEM (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
    /// The certificate authorities whose client certificates identify clients (PEM); none:
    /// no client certificate is asked for.
    pub client_ca: Option<PathBuf>,
    /// Certificate revocation lists of those authorities (PEM); none: revocation by the
    /// clients file alone.
    pub client_crl: Option<PathBuf>,
}

/// The common name of the subject of the certificate a client presented on the connection,
/// verified by the handshake against `--tls-client-ca` (a connection's data).
#[derive(Debug, Clone)]
pub struct PeerName(pub Arc<str>);

/// The cryptography rustls uses here: *ring*'s.
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Reads the pair: the chain, the key, and a check that the key is the certificate's.
fn read_pair(paths: &[PathBuf], provider: &CryptoProvider) -> Result<CertifiedKey, String> {
    let [cert, key] = paths else {
        return Err("a certificate and a key are needed".into());
    };
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(in_file(cert))?;
    if chain.is_empty() {
        return Err(format!("{}: no certificate in the file", cert.display()));
    }
    let private =
        PrivateKeyDer::from_pem_file(key).map_err(|e| format!("{}: {e}", key.display()))?;
    CertifiedKey::from_der(chain, private, provider).map_err(|e| {
        format!(
            "{} and {}: {e} (is the key that of the certificate?)",
            cert.display(),
            key.display()
        )
    })
}

/// The certificate served, read again when its files change.
#[derive(Debug)]
pub struct RotatingCert {
    pair: Reread<Arc<CertifiedKey>>,
}

impl RotatingCert {
    /// Reads the certificate and key a first time.
    pub fn open(files: &TlsFiles) -> Result<RotatingCert, String> {
        let provider = provider();
        let pair = Reread::open(
            "the TLS certificate",
            vec![files.cert.clone(), files.key.clone()],
            CHECK_EVERY,
            Box::new(move |paths| read_pair(paths, &provider).map(Arc::new)),
        )?;
        Ok(RotatingCert { pair })
    }
}

impl ResolvesServerCert for RotatingCert {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(&self.pair.get()))
    }
}

/// The server's TLS configuration: TLS 1.2 and 1.3 with rustls's default (forward-secret,
/// authenticated) cipher suites, no client certificate asked, the certificate of `files`
/// followed as it rotates. Actix adds `h2` and `http/1.1` to the ALPN protocols.
pub fn server_config(files: &TlsFiles) -> Result<rustls::ServerConfig, String> {
    let cert = RotatingCert::open(files)?;
    let builder = rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| e.to_string())?;
    let builder = match &files.client_ca {
        Some(ca) => {
            let paths = std::iter::once(ca).chain(&files.client_crl).cloned();
            builder.with_client_cert_verifier(Arc::new(RotatingVerifier::open(paths.collect())?))
        }
        None => builder.with_no_client_auth(),
    };
    Ok(builder.with_cert_resolver(Arc::new(cert)))
}

/// Asks every client for a certificate, and checks one given against the authorities of
/// `paths[0]` (its chain, its validity dates, its use for client authentication) and the
/// revocation lists of `paths[1]`, if given; a client may give none (probes, the open
/// routes), and is then identified otherwise or not at all.
fn client_verifier(paths: &[PathBuf]) -> Result<Arc<dyn ClientCertVerifier>, String> {
    let [ca, crl @ ..] = paths else {
        return Err("the client authorities are needed".into());
    };
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca).map_err(in_file(ca))? {
        roots.add(cert.map_err(in_file(ca))?).map_err(in_file(ca))?;
    }
    let mut crls = Vec::new();
    for path in crl {
        for list in CertificateRevocationListDer::pem_file_iter(path).map_err(in_file(path))? {
            crls.push(list.map_err(in_file(path))?);
        }
    }
    // A certificate's revocation is looked up in the lists of the authority that issued it;
    // an authority without a list in the file revokes by the clients file alone.
    rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
        .with_crls(crls)
        .only_check_end_entity_revocation()
        .allow_unknown_revocation_status()
        .allow_unauthenticated()
        .build()
        .map_err(in_file(ca))
}

/// An error of reading `path`, said with its name.
fn in_file<E: std::fmt::Display>(path: &std::path::Path) -> impl Fn(E) -> String + '_ {
    move |e| format!("{}: {e}", path.display())
}

/// The client certificate verifier, made again when the authorities' file or the revocation
/// lists change (an authority added, a list republished).
#[derive(Debug)]
struct RotatingVerifier {
    verifier: Reread<Arc<dyn ClientCertVerifier>>,
}

impl RotatingVerifier {
    fn open(paths: Vec<PathBuf>) -> Result<RotatingVerifier, String> {
        let verifier = Reread::open(
            "the client authorities",
            paths,
            CHECK_EVERY,
            Box::new(client_verifier),
        )?;
        Ok(RotatingVerifier { verifier })
    }
}

impl ClientCertVerifier for RotatingVerifier {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    /// No hint: a client sends the certificate it has, whichever authority the file names.
    fn root_hint_subjects(&self) -> &[rustls::DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::server::danger::ClientCertVerified, rustls::Error> {
        self.verifier
            .get()
            .verify_client_cert(end_entity, intermediates, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.verifier
            .get()
            .verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.verifier
            .get()
            .verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.verifier.get().supported_verify_schemes()
    }
}

/// Notes the verified client certificate of a new connection as its [`PeerName`] (run on
/// every connection; nothing for plain HTTP or a client without a certificate).
pub fn note_peer(conn: &dyn std::any::Any, data: &mut actix_web::dev::Extensions) {
    use actix_tls::accept::rustls_0_23::TlsStream;
    let Some(stream) = conn.downcast_ref::<TlsStream<actix_web::rt::net::TcpStream>>() else {
        return;
    };
    let name = stream
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|chain| chain.first())
        .and_then(|cert| common_name(cert));
    if let Some(name) = name {
        data.insert(PeerName(Arc::from(name)));
    }
}

/// The common name of a certificate's subject (the first, if it has several).
fn common_name(der: &[u8]) -> Option<String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let cn = cert.subject().iter_common_name().next()?;
    cn.as_str().ok().map(str::to_string)
}
