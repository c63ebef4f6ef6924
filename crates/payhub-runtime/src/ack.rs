//! [`Ack`]: the exact HTTP reply a provider expects after a callback, one type for every
//! provider crate; each crate supplies only its words ([`AckWords`]).

use std::fmt;
use std::marker::PhantomData;

/// One provider's acknowledgement words: the reply that stops its deliveries and the reply that
/// makes it deliver again on its schedule.
pub trait AckWords {
    /// HTTP status and body that mean "received, stop delivering".
    const SUCCESS: (u16, &'static str);
    /// HTTP status and body that mean "not stored, deliver again".
    const RETRY: (u16, &'static str);
}

/// The reply to a provider's callback: status, content type and body, for provider `W`.
///
/// ```
/// use payhub_runtime::{Ack, AckWords};
/// enum Words {}
/// impl AckWords for Words {
///     const SUCCESS: (u16, &'static str) = (200, "SUCCESS");
///     const RETRY: (u16, &'static str) = (500, "FAIL");
/// }
/// let ack = Ack::<Words>::success();
/// assert_eq!((ack.status(), ack.body(), ack.is_received()), (200, "SUCCESS", true));
/// assert_eq!(Ack::<Words>::retry().status(), 500);
/// assert_eq!(ack.into_response().body(), "SUCCESS");
/// ```
pub struct Ack<W> {
    status: u16,
    body: &'static str,
    received: bool,
    words: PhantomData<fn() -> W>,
}

impl<W: AckWords> Ack<W> {
    /// The reply that stops deliveries: send it only once the callback is durably handled.
    pub fn success() -> Self {
        Self::new(W::SUCCESS, true)
    }

    /// The reply that makes the provider deliver again on its schedule.
    pub fn retry() -> Self {
        Self::new(W::RETRY, false)
    }
}

impl<W> Ack<W> {
    fn new((status, body): (u16, &'static str), received: bool) -> Self {
        Self {
            status,
            body,
            received,
            words: PhantomData,
        }
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The body, byte for byte.
    pub fn body(&self) -> &'static str {
        self.body
    }

    /// The content type of the body.
    pub fn content_type(&self) -> &'static str {
        "text/plain; charset=utf-8"
    }

    /// Whether this reply tells the provider the callback was received.
    pub fn is_received(&self) -> bool {
        self.received
    }

    /// An `http::Response` to return from any `http`-based framework.
    pub fn into_response(self) -> http::Response<String> {
        let mut response = http::Response::new(self.body.to_owned());
        *response.status_mut() =
            http::StatusCode::from_u16(self.status).unwrap_or(http::StatusCode::OK);
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        response
    }
}

/// The words of no one provider: an [`Ack`] chosen at run time (a router over several providers
/// holds `Ack<AnyProvider>`, made with [`Ack::erase`]).
#[derive(Debug)]
pub enum AnyProvider {}

impl<W> Ack<W> {
    /// The same reply, no longer tied to its provider's type.
    ///
    /// ```
    /// use payhub_runtime::{Ack, AckWords, AnyProvider};
    /// enum Words {}
    /// impl AckWords for Words {
    ///     const SUCCESS: (u16, &'static str) = (200, "success");
    ///     const RETRY: (u16, &'static str) = (500, "fail");
    /// }
    /// let any: Ack<AnyProvider> = Ack::<Words>::success().erase();
    /// assert_eq!((any.status(), any.body(), any.is_received()), (200, "success", true));
    /// ```
    pub fn erase(self) -> Ack<AnyProvider> {
        Ack::new((self.status, self.body), self.received)
    }
}

impl Ack<AnyProvider> {
    /// A reply of no provider's words (for example a 404 for a provider that is not enabled).
    pub fn other(status: u16, body: &'static str, received: bool) -> Self {
        Self::new((status, body), received)
    }
}

impl<W> Clone for Ack<W> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<W> Copy for Ack<W> {}

impl<W> PartialEq for Ack<W> {
    fn eq(&self, other: &Self) -> bool {
        (self.status, self.body, self.received) == (other.status, other.body, other.received)
    }
}

impl<W> Eq for Ack<W> {}

impl<W> fmt::Debug for Ack<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ack")
            .field("status", &self.status)
            .field("body", &self.body)
            .finish()
    }
}
