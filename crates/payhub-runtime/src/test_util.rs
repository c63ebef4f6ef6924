//! Log capture for tests (feature `test-util`): what one test thread logged, at TRACE, with
//! span fields, as text a test can search for leaked secrets or for the call span.
//!
//! Why not `tracing::subscriber::set_default` with a buffer: `tracing` caches each callsite's
//! interest for the whole process. While exactly one dispatcher is registered, a callsite first
//! reached on *another* test thread is judged by that thread's default subscriber (none), cached
//! as "never", and the capturing thread then silently misses the event. A
//! `rebuild_interest_cache` after `set_default` narrows that window but cannot close it: the
//! provider crates' signature-rejection tests lost their "call failed" line under CI load.
//!
//! [`LogCapture`] instead installs one global subscriber, once per process, whose filter answers
//! "ask me every time" for every callsite and then enables only what happens on a thread that is
//! capturing. No cached interest can hide an event, and threads that do not capture format
//! nothing.

use std::cell::RefCell;
use std::io;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, Once, PoisonError};

use tracing_subscriber::filter::dynamic_filter_fn;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::{Layer as _, Registry};

type Buffer = Arc<Mutex<Vec<u8>>>;

thread_local! {
    /// This thread's capture buffer, while a [`LogCapture`] started here is alive.
    static ACTIVE: RefCell<Option<Buffer>> = const { RefCell::new(None) };
}

/// Everything this thread logs from [`start`](Self::start) until [`finish`](Self::finish) or
/// drop: events and span lifecycles (new, enter, exit, close) at every level, with fields, as
/// `tracing_subscriber`'s plain-text format without colours.
///
/// Only the thread that started the capture is captured: run the code under test on it (a
/// `#[tokio::test]` current-thread runtime, or `block_on` there). A capture is not `Send`, so it
/// cannot be dropped on another thread by mistake; starting a second capture on the same thread
/// replaces the first.
///
/// The first capture in a process installs the process's global `tracing` subscriber, and panics
/// if another global subscriber is already installed (a test binary has only one).
///
/// ```
/// use payhub_runtime::test_util::LogCapture;
///
/// let logs = LogCapture::start();
/// let span = tracing::info_span!("payhub.call", provider = "paydesk");
/// span.in_scope(|| tracing::warn!(order_no = "A-1", "call failed"));
/// let text = logs.finish();
/// assert!(text.contains("call failed"), "{text}");
/// assert!(text.contains(r#"provider="paydesk""#), "{text}");
///
/// // Not captured: nothing is capturing now.
/// tracing::warn!("after");
/// ```
pub struct LogCapture {
    buffer: Buffer,
    /// Started on this thread; the thread-local slot is this thread's.
    _not_send: PhantomData<*const ()>,
}

impl LogCapture {
    /// Starts capturing what this thread logs.
    ///
    /// # Panics
    ///
    /// When another global `tracing` subscriber is already installed in this process.
    pub fn start() -> Self {
        install();
        let buffer = Buffer::default();
        ACTIVE.with(|slot| *slot.borrow_mut() = Some(Arc::clone(&buffer)));
        Self {
            buffer,
            _not_send: PhantomData,
        }
    }

    /// What was captured so far (lossy UTF-8), capture still running.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.buffer.lock().unwrap_or_else(PoisonError::into_inner))
            .into_owned()
    }

    /// Stops capturing and returns everything captured.
    pub fn finish(self) -> String {
        self.stop();
        self.text()
    }

    fn stop(&self) {
        // `try_with`: a capture dropped during thread teardown has nothing left to clear.
        let _ = ACTIVE.try_with(|slot| {
            let mut slot = slot.borrow_mut();
            if slot.as_ref().is_some_and(|b| Arc::ptr_eq(b, &self.buffer)) {
                *slot = None;
            }
        });
    }
}

impl std::fmt::Debug for LogCapture {
    /// The captured length only: the text is what a test inspects, not what it prints.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let len = self
            .buffer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        f.debug_struct("LogCapture").field("bytes", &len).finish()
    }
}

impl Drop for LogCapture {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Whether this thread is capturing (false while its thread-locals are being torn down).
fn capturing() -> bool {
    ACTIVE
        .try_with(|slot| slot.borrow().is_some())
        .unwrap_or(false)
}

/// Writes into the current thread's capture buffer, or nowhere.
struct ThreadBuffer;

impl io::Write for ThreadBuffer {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let _ = ACTIVE.try_with(|slot| {
            if let Some(buffer) = slot.borrow().as_ref() {
                buffer
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .extend_from_slice(data);
            }
        });
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Installs the global subscriber once per process.
fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let layer = tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_span_events(FmtSpan::FULL)
            .with_writer(|| ThreadBuffer)
            // A dynamic filter: every callsite's interest is "sometimes", decided per event.
            .with_filter(dynamic_filter_fn(|_, _| capturing()));
        let subscriber = Registry::default().with(layer);
        if let Err(e) = tracing::subscriber::set_global_default(subscriber) {
            panic!(
                "LogCapture installs the process's global tracing subscriber, \
                 and another one is already installed: {e}"
            );
        }
    });
}
