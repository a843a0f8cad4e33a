//! The listener: one loopback port for plain HTTP (HTTP/1.1 and h2c) and
//! TLS (HTTP/1.1 and h2 by ALPN), told apart by the first byte a client
//! sends; stops on request, letting requests in flight finish within
//! [`STOP_BOUND`].

use super::forward::Gateway;
use crate::ui;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// How long a stop waits for requests in flight (a stream included).
pub const STOP_BOUND: Duration = Duration::from_secs(10);
/// A client that opens a connection must send its request head within this.
const HEAD_TIMEOUT: Duration = Duration::from_secs(30);
/// The first byte of a TLS ClientHello record.
const TLS_HANDSHAKE: u8 = 0x16;

pub enum Either<A, B> {
    Left(A),
    Right(B),
}

/// Whichever of two futures ends first.
pub async fn first<A: Future, B: Future>(a: A, b: B) -> Either<A::Output, B::Output> {
    let (mut a, mut b) = (pin!(a), pin!(b));
    std::future::poll_fn(|cx| {
        if let Poll::Ready(x) = a.as_mut().poll(cx) {
            return Poll::Ready(Either::Left(x));
        }
        if let Poll::Ready(y) = b.as_mut().poll(cx) {
            return Poll::Ready(Either::Right(y));
        }
        Poll::Pending
    })
    .await
}

/// Serves until `stop` ends, then waits for requests in flight (at most
/// [`STOP_BOUND`]). `stop`'s output names what stopped it, for the log.
pub async fn serve(
    listener: TcpListener,
    gateway: Arc<Gateway>,
    tls: TlsAcceptor,
    stop: impl Future<Output = String>,
) {
    let graceful = GracefulShutdown::new();
    let mut stop = pin!(stop);
    let why = loop {
        match first(listener.accept(), stop.as_mut()).await {
            Either::Left(Ok((stream, _peer))) => {
                let _ = stream.set_nodelay(true);
                let watcher = graceful.watcher();
                let (gateway, tls) = (gateway.clone(), tls.clone());
                tokio::spawn(async move {
                    let mut byte = [0u8; 1];
                    let Ok(n) = stream.peek(&mut byte).await else {
                        return;
                    };
                    if n == 1 && byte[0] == TLS_HANDSHAKE {
                        let handshake =
                            tokio::time::timeout(HEAD_TIMEOUT, tls.accept(stream)).await;
                        if let Ok(Ok(stream)) = handshake {
                            connection(TokioIo::new(stream), gateway, watcher).await;
                        }
                    } else {
                        connection(TokioIo::new(stream), gateway, watcher).await;
                    }
                });
            }
            Either::Left(Err(e)) => {
                // Out of descriptors and the like: say so, breathe, go on.
                ui::line(&format!("error: could not accept a connection: {e}"));
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Either::Right(why) => break why,
        }
    };
    drop(listener);
    let in_flight = graceful.count();
    ui::line(&format!(
        "stopping ({why}){}",
        if in_flight > 0 {
            format!(
                ": waiting up to {} s for {in_flight} open connection(s)",
                STOP_BOUND.as_secs()
            )
        } else {
            String::new()
        }
    ));
    if tokio::time::timeout(STOP_BOUND, graceful.shutdown())
        .await
        .is_err()
    {
        ui::line("stopped with requests still in flight");
    }
}

async fn connection<I>(io: I, gateway: Arc<Gateway>, watcher: hyper_util::server::graceful::Watcher)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEAD_TIMEOUT);
    builder.http2().timer(TokioTimer::new());
    let service = hyper::service::service_fn(move |request| {
        let gateway = gateway.clone();
        async move { gateway.handle(request).await }
    });
    let conn = builder.serve_connection(io, service);
    let _ = watcher.watch(conn.into_owned()).await;
}
