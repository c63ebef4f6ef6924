//! [`Ack`]: the exact HTTP reply a provider expects after a callback, in one type for all five.

/// The reply to send to a provider's callback: status, content type and body.
///
/// Each provider wants its own words (`SUCCESS`, `success`, HTTP 200 only, ...); the
/// [`crate::NotifyRouter`] picks them, so a handler cannot get them wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ack {
    status: u16,
    content_type: &'static str,
    body: &'static str,
    received: bool,
}

impl Ack {
    pub(crate) fn new(
        status: u16,
        content_type: &'static str,
        body: &'static str,
        received: bool,
    ) -> Self {
        Self {
            status,
            content_type,
            body,
            received,
        }
    }

    /// HTTP status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Content type of the body.
    pub fn content_type(&self) -> &'static str {
        self.content_type
    }

    /// The body, byte for byte.
    pub fn body(&self) -> &'static str {
        self.body
    }

    /// Whether this reply tells the provider the callback was received (`false`: deliver again).
    pub fn is_received(&self) -> bool {
        self.received
    }
}
