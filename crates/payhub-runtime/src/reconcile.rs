//! [`Reconciliation`]: what a status query found after a create whose outcome was unknown, one
//! type for every provider crate.

/// What `Client::reconcile` found.
///
/// ```
/// use payhub_runtime::Reconciliation;
/// let r: Reconciliation<u32> = Reconciliation::Found(7);
/// assert_eq!(r.found(), Some(&7));
/// assert!(Reconciliation::<u32>::NotFound.is_not_found());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reconciliation<T> {
    /// The provider has the order: the create landed. Never send it again.
    Found(T),
    /// The provider says it has no such order: the create never landed and may be sent again
    /// with the same merchant order number.
    NotFound,
}

impl<T> Reconciliation<T> {
    /// The order, when found.
    pub fn found(&self) -> Option<&T> {
        match self {
            Self::Found(t) => Some(t),
            Self::NotFound => None,
        }
    }

    /// The order, when found, by value.
    pub fn into_found(self) -> Option<T> {
        match self {
            Self::Found(t) => Some(t),
            Self::NotFound => None,
        }
    }

    /// Whether the provider has no such order.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound)
    }

    /// Maps the found value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Reconciliation<U> {
        match self {
            Self::Found(t) => Reconciliation::Found(f(t)),
            Self::NotFound => Reconciliation::NotFound,
        }
    }
}
