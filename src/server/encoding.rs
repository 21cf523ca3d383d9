//! Compressed answers: gzip, deflate or br when the client asks for them (`Accept-Encoding`).
//!
//! Answers whose length is known go through actix-web's `Compress`. Streamed answers (a JSON
//! batch, an NDJSON batch) are encoded here instead, because `Compress` writes each chunk into
//! its encoder without flushing it: the lines decided so far would wait in the encoder's
//! buffers (tens of kilobytes) until more came, and a client reading an NDJSON answer while it
//! sends its inputs would wait with them. [`Flushed`] flushes the encoder whenever the stream
//! has nothing more to give at once, so every line decided reaches the client before the
//! service waits for the next input line, and bursts still compress together.
//!
//! Request bodies are never decompressed (a compressed body is refused with 415, see
//! [`crate::server::routes::identity_encoding`]).

use std::io::Write as _;
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::HttpMessage as _;
use actix_web::body::{BodySize, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{
    self, AcceptEncoding, ContentEncoding, Encoding, HeaderMap, HeaderValue,
};
use actix_web::middleware::Next;
use actix_web::web::Bytes;

/// The codings served, as actix-web's `Compress` offers them with the features this crate
/// enables (`compress-brotli`, `compress-gzip`).
const CODINGS: [Encoding; 4] = [
    Encoding::identity(),
    Encoding::brotli(),
    Encoding::gzip(),
    Encoding::deflate(),
];

/// Encoded bytes gathered before they are sent when the stream does not pause (a JSON batch
/// decided faster than it is sent): the memory an answer holds is bounded.
const GATHERED: usize = 64 << 10;

/// What the client's `Accept-Encoding` chooses among [`CODINGS`]: none without the header (or
/// when it allows none of them), else the coding (`Identity` for no compression).
fn negotiate(req: &ServiceRequest) -> Option<ContentEncoding> {
    let accepted = req.get_header::<AcceptEncoding>()?;
    match accepted.negotiate(CODINGS.iter())? {
        Encoding::Known(coding) => Some(coding),
        Encoding::Unknown(_) => None,
    }
}

/// Runs outside `Compress`. A request whose `Accept-Encoding` rules out every coding served,
/// `identity` included, is answered uncompressed (RFC 9110 §12.5.3 lets a server do so; the
/// alternative, `Compress`'s 406 in plain text, would be the only error that is not a problem
/// document). An answer that is compressed carries a weak `ETag` (`W/"…"`, what nginx does
/// too): its bytes are not those of the uncompressed answer, but it means the same thing, and
/// `If-None-Match` compares tags weakly.
///
/// `/metrics` is never compressed: its middleware answers it by replacing the body of the
/// answer that came back through `Compress` while keeping its headers, so a compressed
/// answer's `Content-Encoding` would announce a body that is not.
pub async fn accept_encoding(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut coding = negotiate(&req);
    if req.path() == crate::server::METRICS_PATH {
        coding = Some(ContentEncoding::Identity);
        req.head_mut().headers.remove(header::ACCEPT_ENCODING);
    } else if coding.is_none() && req.headers().contains_key(header::ACCEPT_ENCODING) {
        req.head_mut().headers.remove(header::ACCEPT_ENCODING);
    }
    let mut res = next.call(req).await?;
    let compressed = coding.is_some_and(|c| c != ContentEncoding::Identity);
    if compressed {
        weaken_etag(res.headers_mut());
    }
    Ok(res)
}

/// Makes a strong `ETag` weak.
fn weaken_etag(headers: &mut HeaderMap) {
    let weak = headers
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .filter(|tag| tag.starts_with('"'))
        .and_then(|tag| HeaderValue::from_str(&format!("W/{tag}")).ok());
    if let Some(weak) = weak {
        headers.insert(header::ETAG, weak);
    }
}

/// Runs inside `Compress`: encodes a streamed answer (one whose length is not known) in the
/// coding the client asked for, flushing as it goes (see [`Flushed`]). `Compress` then leaves
/// it alone, as it leaves any answer that already has a `Content-Encoding`.
pub async fn encode_streams(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let coding = negotiate(&req).filter(|c| *c != ContentEncoding::Identity);
    let res = next.call(req).await?;
    Ok(res.map_body(move |head, body| {
        let streamed = body.size() == BodySize::Stream
            && !head.headers.contains_key(header::CONTENT_ENCODING)
            && !matches!(
                head.status,
                StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED
            );
        match coding.and_then(Encoder::new) {
            Some(encoder) if streamed => {
                head.headers
                    .insert(header::CONTENT_ENCODING, encoder.coding().to_header_value());
                head.headers
                    .append(header::VARY, HeaderValue::from_static("accept-encoding"));
                EitherBody::right(Flushed {
                    body: Box::pin(body),
                    encoder: Some(encoder),
                    unflushed: false,
                })
            }
            _ => EitherBody::left(body),
        }
    }))
}

/// An encoder writing into memory, in one of the codings served.
enum Encoder {
    Gzip(flate2::write::GzEncoder<Vec<u8>>),
    Deflate(flate2::write::ZlibEncoder<Vec<u8>>),
    Brotli(Box<brotli::CompressorWriter<Vec<u8>>>),
}

impl Encoder {
    /// An encoder for `coding`, with the settings `Compress` uses (fast levels: the answers are
    /// JSON, which compresses well at any level); none for `identity`.
    fn new(coding: ContentEncoding) -> Option<Encoder> {
        let fast = flate2::Compression::fast();
        match coding {
            ContentEncoding::Gzip => Some(Encoder::Gzip(flate2::write::GzEncoder::new(
                Vec::new(),
                fast,
            ))),
            ContentEncoding::Deflate => Some(Encoder::Deflate(flate2::write::ZlibEncoder::new(
                Vec::new(),
                fast,
            ))),
            // Quality 3 and a 4 MiB window, as `Compress`; a 32 KiB buffer.
            ContentEncoding::Brotli => Some(Encoder::Brotli(Box::new(
                brotli::CompressorWriter::new(Vec::new(), 32 << 10, 3, 22),
            ))),
            _ => None,
        }
    }

    fn coding(&self) -> ContentEncoding {
        match self {
            Encoder::Gzip(_) => ContentEncoding::Gzip,
            Encoder::Deflate(_) => ContentEncoding::Deflate,
            Encoder::Brotli(_) => ContentEncoding::Brotli,
        }
    }

    fn write(&mut self, data: &[u8]) -> std::io::Result<()> {
        match self {
            Encoder::Gzip(e) => e.write_all(data),
            Encoder::Deflate(e) => e.write_all(data),
            Encoder::Brotli(e) => e.write_all(data),
        }
    }

    /// Pushes everything written so far out of the encoder (a sync flush: the client can
    /// decode it all, and the stream goes on).
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Encoder::Gzip(e) => e.flush(),
            Encoder::Deflate(e) => e.flush(),
            Encoder::Brotli(e) => e.flush(),
        }
    }

    /// The encoded bytes not yet taken.
    fn output(&mut self) -> &mut Vec<u8> {
        match self {
            Encoder::Gzip(e) => e.get_mut(),
            Encoder::Deflate(e) => e.get_mut(),
            Encoder::Brotli(e) => e.get_mut(),
        }
    }

    fn take(&mut self) -> Bytes {
        Bytes::from(std::mem::take(self.output()))
    }

    /// Ends the stream: the last encoded bytes.
    fn finish(self) -> std::io::Result<Vec<u8>> {
        match self {
            Encoder::Gzip(e) => e.finish(),
            Encoder::Deflate(e) => e.finish(),
            Encoder::Brotli(mut e) => {
                e.flush()?;
                Ok(e.into_inner())
            }
        }
    }
}

/// A streamed body encoded as it goes, flushed whenever the stream underneath has nothing
/// ready (and at least every [`GATHERED`] bytes): compression never delays what the service
/// has already decided.
pub struct Flushed<B> {
    body: Pin<Box<B>>,
    /// None once the stream is finished.
    encoder: Option<Encoder>,
    /// Whether something was written since the last flush (a flush with nothing new would
    /// still add a few bytes).
    unflushed: bool,
}

type BoxError = Box<dyn std::error::Error>;

impl<B: MessageBody> MessageBody for Flushed<B> {
    type Error = BoxError;

    fn size(&self) -> BodySize {
        BodySize::Stream
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let this = self.get_mut();
        loop {
            let Some(encoder) = this.encoder.as_mut() else {
                return Poll::Ready(None);
            };
            match this.body.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(chunk))) => {
                    if let Err(e) = encoder.write(&chunk) {
                        return Poll::Ready(Some(Err(e.into())));
                    }
                    this.unflushed = true;
                    if encoder.output().len() >= GATHERED {
                        return Poll::Ready(Some(Ok(encoder.take())));
                    }
                }
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e.into()))),
                Poll::Ready(None) => {
                    let last = this.encoder.take().map(Encoder::finish);
                    return match last {
                        Some(Ok(bytes)) if !bytes.is_empty() => {
                            Poll::Ready(Some(Ok(Bytes::from(bytes))))
                        }
                        Some(Err(e)) => Poll::Ready(Some(Err(e.into()))),
                        _ => Poll::Ready(None),
                    };
                }
                Poll::Pending => {
                    if std::mem::take(&mut this.unflushed)
                        && let Err(e) = encoder.flush()
                    {
                        return Poll::Ready(Some(Err(e.into())));
                    }
                    let out = encoder.take();
                    // The stream underneath has registered the waker: it wakes us when it has
                    // more, whether or not something is sent now.
                    return if out.is_empty() {
                        Poll::Pending
                    } else {
                        Poll::Ready(Some(Ok(out)))
                    };
                }
            }
        }
    }
}
