//! The HTTP server around the router, with limits that keep one client from holding what every
//! client needs: a connection must send its request headers within a bound (which also closes
//! idle keep-alive connections), a request must be answered within a bound, and at most so many
//! connections are open at once (others are closed as they arrive). Every response carries the
//! security headers and the request's id (`x-request-id`); every request knows the address it
//! came from (login limits) and is logged, its id on each of its log lines.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::Semaphore;
use tower::ServiceExt;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;
use tracing::Span;

use crate::error::ServerProblem;

/// The server's limits; `ucz serve` reads them from its settings.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Time to send a request's headers, and the longest a kept-alive connection waits idle.
    pub header_read_timeout: Duration,
    /// Time to answer one request (an import's preview and confirmation included).
    pub request_timeout: Duration,
    /// Connections open at once; more are closed as soon as they are accepted.
    pub max_connections: usize,
    /// On shutdown, the longest the requests under way may take to finish.
    pub drain_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(120),
            max_connections: 512,
            drain_timeout: Duration::from_secs(30),
        }
    }
}

/// Reverse proxies whose `X-Forwarded-For` is believed: behind one, every request comes from the
/// proxy's address, and the client's is the one the proxy adds. Only these addresses may say so;
/// from anyone else the header is ignored (it could be forged).
#[derive(Clone, Debug, Default)]
pub struct Proxies(Arc<Vec<Net>>);

/// An address or a network (`10.0.0.0/8`, `fd00::/8`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Net {
    address: IpAddr,
    prefix: u8,
}

impl std::str::FromStr for Net {
    type Err = String;

    fn from_str(text: &str) -> Result<Net, String> {
        let (address, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let address: IpAddr = address
            .trim()
            .parse()
            .map_err(|_| format!("\"{text}\" is not an IP address or network (10.0.0.0/8)"))?;
        let most = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => most,
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= most)
                .ok_or_else(|| format!("\"{text}\": a prefix from 0 to {most}"))?,
        };
        Ok(Net { address, prefix })
    }
}

impl Net {
    fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.address, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl Proxies {
    pub fn new(nets: Vec<Net>) -> Self {
        Proxies(Arc::new(nets))
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(ip))
    }

    /// The client of a request that came from `peer`: the nearest address in `X-Forwarded-For`
    /// that is not a trusted proxy, when `peer` is one; `peer` otherwise.
    pub fn client(&self, peer: SocketAddr, headers: &axum::http::HeaderMap) -> SocketAddr {
        if !self.trusts(peer.ip()) {
            return peer;
        }
        let hops: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map_while(|hop| hop.trim().parse::<IpAddr>().ok())
            .collect();
        hops.iter()
            .rev()
            .find(|ip| !self.trusts(**ip))
            .map_or(peer, |ip| SocketAddr::new(*ip, 0))
    }
}

/// The content security policy: scripts only from this server's own files (no inline script),
/// nothing from other origins, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
     object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// Middleware: the security headers on every response.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (
            header::HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// The address a request came from (none when the router runs without this server).
#[derive(Clone, Copy, Debug)]
pub struct Peer(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Peer(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip()),
        ))
    }
}

/// The header that carries a request's id, both ways.
pub const REQUEST_ID: &str = "x-request-id";

/// The longest request id taken from a client.
pub const MAX_REQUEST_ID: usize = 64;

/// Whether a client's request id is kept: 1 to 64 ASCII letters, digits, `-`, `_`, `.` or `:`,
/// nothing that could forge or break a log line.
pub fn is_safe_request_id(id: &[u8]) -> bool {
    !id.is_empty()
        && id.len() <= MAX_REQUEST_ID
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// Middleware: drops a client's request id that is not safe (or sent more than once), so the
/// server makes its own.
async fn keep_safe_request_id(mut request: Request) -> Request {
    let mut sent = request.headers().get_all(REQUEST_ID).iter();
    let safe = match (sent.next(), sent.next()) {
        (Some(id), None) => is_safe_request_id(id.as_bytes()),
        (None, _) => true,
        (Some(_), Some(_)) => false,
    };
    if !safe {
        request.headers_mut().remove(REQUEST_ID);
    }
    request
}

/// New request ids: 16 random bytes in hex; should the system's randomness fail, the time and a
/// counter.
#[derive(Clone, Copy, Debug, Default)]
struct NewRequestId;

impl MakeRequestId for NewRequestId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let mut bytes = [0u8; 16];
        let id = if getrandom::fill(&mut bytes).is_ok() {
            bytes.iter().map(|b| format!("{b:02x}")).collect()
        } else {
            static COUNT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            // The system's clock, not the server's, which may stand still.
            let nanos = ucz_core::Clock::system().now().as_nanosecond();
            let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            format!("{nanos:x}-{n:x}")
        };
        HeaderValue::from_str(&id).ok().map(RequestId::new)
    }
}

/// The span of one request: its id, method and path (never the query string, which may hold
/// what should not be logged).
fn request_span(request: &axum::http::Request<Body>) -> Span {
    let id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|id| id.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        id = %id,
        method = %request.method(),
        path = %request.uri().path(),
    )
}

/// The request's log line: status and latency at info, a server error at error with its
/// problem.
fn log_response<B>(response: &axum::http::Response<B>, latency: Duration, _: &Span) {
    let status = response.status().as_u16();
    let latency = format!("{latency:.1?}");
    if response.status().is_server_error() {
        let (code, detail) = response
            .extensions()
            .get::<ServerProblem>()
            .map(|p| (p.code, p.detail.as_str()))
            .unwrap_or(("internal", ""));
        tracing::error!(status, %latency, code, detail, "server error");
    } else {
        tracing::info!(status, %latency, "answered");
    }
}

/// The router with the request timeout (408 with a problem body), the security headers and the
/// request id (kept from the client when safe, else made here; on the response and on every log
/// line of the request).
pub fn with_limits(router: Router, limits: Limits) -> Router {
    let timeout = limits.request_timeout;
    router
        .layer(axum::middleware::from_fn(
            move |request: Request, next: Next| async move {
                match tokio::time::timeout(timeout, next.run(request)).await {
                    Ok(response) => response,
                    Err(_) => crate::error::ApiError::timed_out().into_response(),
                }
            },
        ))
        .layer(axum::middleware::from_fn(security_headers))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_request(())
                .on_response(log_response)
                .on_failure(()),
        )
        .layer(SetRequestIdLayer::x_request_id(NewRequestId))
        .layer(axum::middleware::map_request(keep_safe_request_id))
}

/// Serves `router` on `listener` until `shutdown` resolves, then stops accepting (the listener is
/// closed, so a load balancer sees the refusal), lets each connection finish the request it is
/// answering and closes it (no new request on a kept-alive connection), and waits up to
/// `limits.drain_timeout` for them.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    serve_behind(listener, router, limits, Proxies::default(), shutdown).await
}

/// [`serve`], behind the reverse `proxies` whose `X-Forwarded-For` names the client.
pub async fn serve_behind(
    listener: tokio::net::TcpListener,
    router: Router,
    limits: Limits,
    proxies: Proxies,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let router = with_limits(router, limits);
    let open = Arc::new(Semaphore::new(limits.max_connections));
    let (stopping, stop) = tokio::sync::watch::channel(false);
    // A connection within the limit is served; one beyond it is closed at once.
    let serve_one = |stream: tokio::net::TcpStream, peer: SocketAddr| {
        if let Ok(permit) = open.clone().try_acquire_owned() {
            spawn_connection(
                stream,
                peer,
                router.clone(),
                limits,
                proxies.clone(),
                stop.clone(),
                permit,
            );
        }
    };
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors and the like: wait, then go on accepting.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        serve_one(stream, peer);
    }
    // Connections the system accepted before the signal are served too; then the listener
    // closes and later ones are refused at connect.
    while let Ok(Ok((stream, peer))) =
        tokio::time::timeout(Duration::from_millis(1), listener.accept()).await
    {
        serve_one(stream, peer);
    }
    drop(listener);
    let _ = stopping.send(true);
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let under_way = limits.max_connections - open.available_permits();
    if under_way > 0 {
        tracing::info!(
            connections = under_way,
            "stopping: finishing the requests under way"
        );
    }
    if tokio::time::timeout(limits.drain_timeout, open.acquire_many(all))
        .await
        .is_err()
    {
        tracing::warn!(
            connections = limits.max_connections - open.available_permits(),
            "stopping: requests still under way after the drain timeout are cut"
        );
    }
    Ok(())
}

/// Serves one connection until it closes, or, once `stop` turns true, until the request under
/// way is answered; the permit goes back when it ends. A connection that has not sent its first
/// request when the server stops is given until the header timeout to send it: a client that
/// connected just before the signal is answered, not cut off.
fn spawn_connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    router: Router,
    limits: Limits,
    proxies: Proxies,
    mut stop: tokio::sync::watch::Receiver<bool>,
    permit: tokio::sync::OwnedSemaphorePermit,
) {
    tokio::spawn(async move {
        let arrived = Arc::new(tokio::sync::Notify::new());
        let started = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (on_request, seen) = (arrived.clone(), started.clone());
        let service =
            hyper::service::service_fn(move |mut request: Request<hyper::body::Incoming>| {
                seen.store(true, std::sync::atomic::Ordering::Release);
                on_request.notify_one();
                let client = proxies.client(peer, request.headers());
                request.extensions_mut().insert(ConnectInfo(client));
                router.clone().oneshot(request.map(Body::new))
            });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout)
            .keep_alive(true)
            .serve_connection(TokioIo::new(stream), service);
        tokio::pin!(connection);
        // Until the server stops; then, for a connection that has not sent its first request,
        // until it does or the header timeout passes.
        let stopped = async move {
            while !*stop.borrow_and_update() {
                if stop.changed().await.is_err() {
                    break;
                }
            }
            let grace = tokio::time::sleep(limits.header_read_timeout);
            tokio::pin!(grace);
            while !started.load(std::sync::atomic::Ordering::Acquire) {
                tokio::select! {
                    () = &mut grace => break,
                    () = arrived.notified() => {}
                }
            }
        };
        tokio::select! {
            _ = connection.as_mut() => {
                drop(permit);
                return;
            }
            () = stopped => {}
        }
        // The request under way is answered, then the connection closes.
        connection.as_mut().graceful_shutdown();
        let _ = connection.await;
        drop(permit);
    });
}

/// Resolves on SIGTERM (a service manager's stop, a container's stop) or Ctrl-C.
pub async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_behind_a_trusted_proxy_is_the_nearest_untrusted_hop() {
        let proxies = Proxies::new(vec![
            "10.0.0.0/8".parse().expect("a network"),
            "127.0.0.1".parse().expect("a network"),
        ]);
        let headers = |value: &str| {
            let mut h = axum::http::HeaderMap::new();
            h.insert(
                "x-forwarded-for",
                HeaderValue::from_str(value).expect("a header"),
            );
            h
        };
        let proxy: SocketAddr = "10.1.2.3:5000".parse().expect("a network");
        let stranger: SocketAddr = "203.0.113.9:5000".parse().expect("a network");
        // The client forged a first hop; the proxy appended the address it saw.
        let forwarded = headers("1.1.1.1, 198.51.100.7, 10.9.9.9");
        assert_eq!(
            proxies.client(proxy, &forwarded).ip().to_string(),
            "198.51.100.7"
        );
        // Anyone else's header is ignored.
        assert_eq!(proxies.client(stranger, &forwarded), stranger);
        assert_eq!(proxies.client(proxy, &axum::http::HeaderMap::new()), proxy);
        assert_eq!(proxies.client(proxy, &headers("garbage")), proxy);
        let mapped: SocketAddr = "[::ffff:127.0.0.1]:1".parse().expect("a network");
        assert_eq!(
            proxies
                .client(mapped, &headers("192.0.2.1"))
                .ip()
                .to_string(),
            "192.0.2.1"
        );
        assert!("10.0.0.0/33".parse::<Net>().is_err());
        assert!("nope".parse::<Net>().is_err());
        assert!(
            "::/0"
                .parse::<Net>()
                .expect("a network")
                .contains("2001:db8::1".parse().expect("a network"))
        );
    }
}
