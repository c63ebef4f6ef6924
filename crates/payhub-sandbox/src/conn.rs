//! Connections the server can close by force when a graceful shutdown runs out of time.
//!
//! A client that sends half a request and stalls keeps its connection open forever: the
//! graceful shutdown waits for the request to finish, and it never does. Every accepted
//! connection is wrapped in a [`ClosableStream`]; once the shutdown's grace period is over,
//! [`SandboxHandle::shutdown`](crate::SandboxHandle::shutdown) flips the `close` flag and every
//! remaining connection fails its next read or write, so the server's connection tasks end and
//! the server stops.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A TCP listener whose connections close when `close` turns `true`.
pub(crate) struct ClosingListener {
    pub(crate) inner: TcpListener,
    pub(crate) close: watch::Receiver<bool>,
}

impl axum::serve::Listener for ClosingListener {
    type Io = ClosableStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (io, addr) = axum::serve::Listener::accept(&mut self.inner).await;
        (ClosableStream::new(io, self.close.clone()), addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// A TCP stream that fails every read and write once the sandbox closes it.
pub(crate) struct ClosableStream {
    io: TcpStream,
    /// Completes when the sandbox closes its connections (never if the handle is dropped:
    /// dropping stops the server gracefully, as before).
    closing: Pin<Box<dyn Future<Output = ()> + Send>>,
    closed: bool,
}

impl ClosableStream {
    fn new(io: TcpStream, mut close: watch::Receiver<bool>) -> Self {
        let closing = Box::pin(async move {
            if close.wait_for(|c| *c).await.is_err() {
                std::future::pending::<()>().await;
            }
        });
        Self {
            io,
            closing,
            closed: false,
        }
    }

    /// Whether the sandbox closed the connection; registers the task to be woken when it does.
    fn is_closed(&mut self, cx: &mut Context<'_>) -> bool {
        if !self.closed && self.closing.as_mut().poll(cx).is_ready() {
            self.closed = true;
        }
        self.closed
    }
}

fn aborted() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionAborted,
        "connection closed by the sandbox's shutdown",
    )
}

impl AsyncRead for ClosableStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        if me.is_closed(cx) {
            return Poll::Ready(Err(aborted()));
        }
        Pin::new(&mut me.io).poll_read(cx, buf)
    }
}

impl AsyncWrite for ClosableStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        if me.is_closed(cx) {
            return Poll::Ready(Err(aborted()));
        }
        Pin::new(&mut me.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        if me.is_closed(cx) {
            return Poll::Ready(Err(aborted()));
        }
        Pin::new(&mut me.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        if me.is_closed(cx) {
            return Poll::Ready(Err(aborted()));
        }
        Pin::new(&mut me.io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}
