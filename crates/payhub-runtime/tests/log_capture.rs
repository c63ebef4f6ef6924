//! `test_util::LogCapture` (feature `test-util`), in a process of its own: it installs the global
//! subscriber, which the library's unit tests (the `log` fallback of `pipeline::taken`) must not
//! see.
//!
//! `cargo test -p payhub-runtime --features test-util --test log_capture`

#![forbid(unsafe_code)]

use payhub_runtime::test_util::LogCapture;

/// One callsite, reached from several threads.
fn shared(what: &str) {
    tracing::warn!(what, "from the shared callsite");
}

#[test]
fn a_callsite_first_reached_by_a_thread_that_does_not_capture_is_still_captured() {
    // The failure this type exists for: with `set_default`, the other thread below would be judged
    // by its own (empty) default, the callsite cached as "never", and this thread's line lost.
    let logs = LogCapture::start();
    std::thread::spawn(|| shared("other thread"))
        .join()
        .expect("thread");
    shared("this thread");
    let text = logs.finish();
    assert!(text.contains("this thread"), "{text}");
    assert!(text.contains("WARN"), "{text}");
    assert!(!text.contains("other thread"), "not captured there: {text}");
}

#[test]
fn each_thread_captures_its_own_and_nothing_after_it_stops() {
    let logs = LogCapture::start();
    let other = std::thread::spawn(|| {
        let inner = LogCapture::start();
        let span = tracing::info_span!("payhub.call", provider = "paydesk");
        span.in_scope(|| shared("second capture"));
        drop(span);
        inner.finish()
    })
    .join()
    .expect("thread");
    shared("first capture");
    assert!(other.contains("second capture"), "{other}");
    // Span lifecycles and fields are written.
    assert!(
        other.contains(r#"payhub.call{provider="paydesk"}"#),
        "{other}"
    );
    assert!(other.contains("close"), "{other}");
    assert!(!other.contains("first capture"), "{other}");
    let text = logs.text();
    assert!(text.contains("first capture"), "{text}");
    assert!(!text.contains("second capture"), "{text}");

    // Dropped: nothing more is captured, and a new capture starts empty.
    drop(logs);
    shared("between");
    let last = LogCapture::start();
    assert!(last.text().is_empty(), "{}", last.text());
    shared("last");
    let text = last.finish();
    assert!(text.contains("last") && !text.contains("between"), "{text}");
}

#[test]
fn debug_shows_the_length_not_the_text() {
    let logs = LogCapture::start();
    shared("a value a test looks for");
    let debug = format!("{logs:?}");
    assert!(debug.starts_with("LogCapture { bytes: "), "{debug}");
    assert!(!debug.contains("a value"), "{debug}");
}
