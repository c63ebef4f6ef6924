//! The metrics every payhub crate records, through the [`metrics`] facade crate.
//!
//! Why a facade: the application chooses the exporter (Prometheus, StatsD, OpenTelemetry) by
//! installing a recorder; payhub installs none, so without one these calls cost a relaxed atomic
//! load and do nothing. The names are stable and documented here, in one place, for every
//! provider:
//!
//! | name | kind | labels | what |
//! |---|---|---|---|
//! | `payhub_calls_total` | counter | `provider`, `operation`, `outcome` | calls made, by result (`ok`, or the error label: `transport`, `api`, `decode`, `outcome_unknown`, `signature`, ...) |
//! | `payhub_call_duration_seconds` | histogram | `provider`, `operation` | the whole call, retries included |
//! | `payhub_call_retries_total` | counter | `provider`, `operation` | attempts after the first |
//! | `payhub_callbacks_total` | counter | `provider`, `outcome` | callbacks `verified`, `refused` or `duplicate` |
//!
//! Labels hold names only: never an order number, a merchant's secret or a payer's data.
//!
//! Why the keys are cached: `metrics::counter!` with label values that are not literals builds
//! its key (a `Vec` of labels, and its hash) on every call, before it asks whether a recorder is
//! installed. Every label here is a `&'static str`, so each distinct set of labels gets one
//! `'static` key, made once for the process and found again through a small per-thread list:
//! recording allocates nothing, with or without a recorder. A finished call finds both of its
//! keys (count and duration) with one search.

use std::cell::RefCell;
use std::sync::Mutex;
use std::time::Duration;

use ::metrics::{Key, Label, Level, Metadata};

/// Counter: calls by provider, operation and outcome.
pub const CALLS_TOTAL: &str = "payhub_calls_total";
/// Histogram: call duration in seconds, retries included.
pub const CALL_DURATION_SECONDS: &str = "payhub_call_duration_seconds";
/// Counter: retries (attempts after the first).
pub const CALL_RETRIES_TOTAL: &str = "payhub_call_retries_total";
/// Counter: callbacks by provider and outcome.
pub const CALLBACKS_TOTAL: &str = "payhub_callbacks_total";

/// What became of a received callback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallbackOutcome {
    /// Its signature (and freshness) verified.
    Verified,
    /// Refused: bad signature, stale, malformed.
    Refused,
    /// A redelivery of an event already handled.
    Duplicate,
}

impl CallbackOutcome {
    /// The label value (`verified`, `refused`, `duplicate`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Verified => "verified",
            Self::Refused => "refused",
            Self::Duplicate => "duplicate",
        }
    }
}

/// Records a finished call.
pub fn call(
    provider: &'static str,
    operation: &'static str,
    outcome: &'static str,
    took: Duration,
) {
    let labels = [
        ("provider", provider),
        ("operation", operation),
        ("outcome", outcome),
    ];
    let count = |key: &Key| {
        ::metrics::with_recorder(|r| r.register_counter(key, &METADATA)).increment(1);
    };
    let time = |key: &Key| {
        ::metrics::with_recorder(|r| r.register_histogram(key, &METADATA))
            .record(took.as_secs_f64());
    };
    match call_keys(&labels) {
        Some((total, duration)) => {
            count(total);
            time(duration);
        }
        None => {
            with_key(CALLS_TOTAL, &labels, count);
            with_key(CALL_DURATION_SECONDS, &labels[..2], time);
        }
    }
}

/// Records a retry of a call.
pub fn retry(provider: &'static str, operation: &'static str) {
    with_key(
        CALL_RETRIES_TOTAL,
        &[("provider", provider), ("operation", operation)],
        |key| ::metrics::with_recorder(|r| r.register_counter(key, &METADATA)).increment(1),
    );
}

/// Records what became of a callback.
///
/// ```
/// use payhub_runtime::metrics::{self, CallbackOutcome};
/// metrics::callback("paydesk", CallbackOutcome::Verified); // a no-op without a recorder
/// ```
pub fn callback(provider: &'static str, outcome: CallbackOutcome) {
    with_key(
        CALLBACKS_TOTAL,
        &[("provider", provider), ("outcome", outcome.as_str())],
        |key| ::metrics::with_recorder(|r| r.register_counter(key, &METADATA)).increment(1),
    );
}

/// What `metrics::counter!` would attach from this module (target, level INFO, module path).
static METADATA: Metadata<'static> =
    Metadata::new(module_path!(), Level::INFO, Some(module_path!()));

/// The most labels a metric here has.
const MAX_LABELS: usize = 3;

/// One cached key: the metric name and label pairs it was made from, and the key.
#[derive(Clone, Copy)]
struct Cached {
    name: &'static str,
    labels: [(&'static str, &'static str); MAX_LABELS],
    len: usize,
    key: &'static Key,
}

impl Cached {
    fn is(&self, name: &'static str, labels: &[(&'static str, &'static str)]) -> bool {
        same(self.name, name)
            && self.len == labels.len()
            && self
                .labels
                .iter()
                .zip(labels)
                .all(|(a, b)| same(a.0, b.0) && same(a.1, b.1))
    }
}

/// Equal texts; the same pointer (a constant seen before) answers without comparing bytes.
fn same(a: &str, b: &str) -> bool {
    (a.as_ptr() == b.as_ptr() && a.len() == b.len()) || a == b
}

/// Keys made so far (each leaked once: their number is bounded by the distinct `'static` label
/// values of the program, and capped by [`GLOBAL_MAX`] all the same).
static GLOBAL: Mutex<Vec<Cached>> = Mutex::new(Vec::new());
/// Beyond this many label sets, keys are built per call and dropped, as the macros do.
const GLOBAL_MAX: usize = 512;
/// Per thread, the keys this thread used last (no lock on the hot path).
const LOCAL_MAX: usize = 32;

thread_local! {
    static LOCAL: RefCell<Vec<Cached>> = const { RefCell::new(Vec::new()) };
}

/// The two keys a finished call records, found together.
#[derive(Clone, Copy)]
struct CallKeys {
    /// The values of `provider`, `operation` and `outcome` (the names are always those).
    values: [&'static str; 3],
    /// `payhub_calls_total` with all three labels.
    total: &'static Key,
    /// `payhub_call_duration_seconds` with the first two.
    duration: &'static Key,
}

thread_local! {
    /// Per thread, the keys of the calls this thread recorded last.
    static CALL_KEYS: RefCell<Vec<CallKeys>> = const { RefCell::new(Vec::new()) };
}

/// The keys of [`CALLS_TOTAL`] (with `labels`) and [`CALL_DURATION_SECONDS`] (with the first two)
/// for one call, from one search of a per-thread list: every call records both, and searching
/// for each on its own ([`with_key`]) cost twice the search. `None` past the caps.
fn call_keys(labels: &[(&'static str, &'static str); 3]) -> Option<(&'static Key, &'static Key)> {
    let values = labels.map(|(_, value)| value);
    CALL_KEYS
        .try_with(|cache| {
            let found = cache
                .try_borrow()
                .ok()?
                .iter()
                .find(|c| c.values.iter().zip(&values).all(|(a, b)| same(a, b)))
                .map(|c| (c.total, c.duration));
            found.or_else(|| {
                let made = CallKeys {
                    values,
                    total: interned(CALLS_TOTAL, labels)?.key,
                    duration: interned(CALL_DURATION_SECONDS, &labels[..2])?.key,
                };
                if let Ok(mut cache) = cache.try_borrow_mut()
                    && cache.len() < LOCAL_MAX
                {
                    cache.push(made);
                }
                Some((made.total, made.duration))
            })
        })
        .ok()
        .flatten()
}

/// Runs `f` with the key of `name` and `labels` (at most [`MAX_LABELS`]).
fn with_key<R>(
    name: &'static str,
    labels: &[(&'static str, &'static str)],
    f: impl FnOnce(&Key) -> R,
) -> R {
    let local = LOCAL.try_with(|cache| {
        let found = cache
            .try_borrow()
            .ok()?
            .iter()
            .find(|c| c.is(name, labels))
            .map(|c| c.key);
        found.or_else(|| {
            let made = interned(name, labels)?;
            if let Ok(mut cache) = cache.try_borrow_mut()
                && cache.len() < LOCAL_MAX
            {
                cache.push(made);
            }
            Some(made.key)
        })
    });
    match local.ok().flatten() {
        Some(key) => f(key),
        None => f(&fresh(name, labels)),
    }
}

/// The process-wide key of `name` and `labels`, made now if it is new; `None` past the caps.
fn interned(name: &'static str, labels: &[(&'static str, &'static str)]) -> Option<Cached> {
    if labels.len() > MAX_LABELS {
        return None;
    }
    let mut all = GLOBAL.lock().ok()?;
    if let Some(c) = all.iter().find(|c| c.is(name, labels)) {
        return Some(*c);
    }
    if all.len() >= GLOBAL_MAX {
        return None;
    }
    let key: &'static Key = Box::leak(Box::new(fresh(name, labels)));
    let mut pairs = [("", ""); MAX_LABELS];
    pairs[..labels.len()].copy_from_slice(labels);
    let made = Cached {
        name,
        labels: pairs,
        len: labels.len(),
        key,
    };
    all.push(made);
    Some(made)
}

/// A key built as `metrics::counter!(name, "k" => v, ...)` builds it.
fn fresh(name: &'static str, labels: &[(&'static str, &'static str)]) -> Key {
    let labels: Vec<Label> = labels
        .iter()
        .map(|&(k, v)| Label::from_static_parts(k, v))
        .collect();
    Key::from_parts(name, labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_set_gets_one_key_equal_to_the_macros_key() {
        let labels = [("provider", "p"), ("operation", "o"), ("outcome", "ok")];
        let a = with_key(CALLS_TOTAL, &labels, |k| std::ptr::from_ref(k) as usize);
        // The same texts at other addresses find the same key.
        let (p, o) = (String::from("p").leak(), String::from("o").leak());
        let other = [("provider", &*p), ("operation", &*o), ("outcome", "ok")];
        let b = with_key(CALLS_TOTAL, &other, |k| std::ptr::from_ref(k) as usize);
        assert_eq!(a, b);
        let macro_key = Key::from_parts(
            CALLS_TOTAL,
            vec![
                Label::new("provider", "p"),
                Label::new("operation", "o"),
                Label::new("outcome", "ok"),
            ],
        );
        with_key(CALLS_TOTAL, &labels, |k| {
            assert_eq!(k, &macro_key);
            assert_eq!(k.get_hash(), macro_key.get_hash());
        });
        let c = with_key(
            CALLS_TOTAL,
            &[("provider", "p"), ("operation", "o"), ("outcome", "api")],
            |k| std::ptr::from_ref(k) as usize,
        );
        assert_ne!(a, c);
        with_key(CALLS_TOTAL, &[("provider", "p"), ("operation", "o")], |k| {
            assert_eq!(k.labels().count(), 2);
        });
    }

    #[test]
    fn a_calls_keys_are_those_of_each_metric_alone() {
        let ptr = |k: &Key| std::ptr::from_ref(k) as usize;
        for outcome in ["ok", "api", "ok"] {
            let labels = [
                ("provider", "p2"),
                ("operation", "o2"),
                ("outcome", outcome),
            ];
            let Some((total, duration)) = call_keys(&labels) else {
                panic!("no keys for {outcome}");
            };
            assert_eq!(ptr(total), with_key(CALLS_TOTAL, &labels, ptr));
            assert_eq!(
                ptr(duration),
                with_key(CALL_DURATION_SECONDS, &labels[..2], ptr)
            );
            assert_eq!(total.name(), CALLS_TOTAL);
            assert_eq!(total.labels().count(), 3);
            assert_eq!(duration.labels().count(), 2);
        }
        // Other values at other addresses find the same keys.
        let o2: &'static str = String::from("o2").leak();
        let same_labels = [("provider", "p2"), ("operation", o2), ("outcome", "api")];
        let other = [("provider", "p2"), ("operation", "o2"), ("outcome", "api")];
        assert_eq!(
            call_keys(&same_labels).map(|(t, d)| (ptr(t), ptr(d))),
            call_keys(&other).map(|(t, d)| (ptr(t), ptr(d)))
        );
    }
}
