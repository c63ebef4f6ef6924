//! `/_sandbox/ui`: a few server-rendered pages to look at the sandbox with a browser while a
//! test or a merchant back-end runs against it: the orders, one order with its callback
//! attempts as a timeline, and buttons that pay, fail or expire an order and advance the clock.
//!
//! Why HTML here: the JSON control API answers every question, but following an order through
//! its retries is easier on one page. The pages work offline (no scripts, no external assets,
//! a little inline CSS); every value is HTML-escaped, since order numbers, reasons and reply
//! snippets come from merchants and their callback endpoints. Buttons are plain forms that
//! POST to `/_sandbox/ui/...` routes calling the same internals as the control API, then
//! redirect back with `303 See Other`. Buttons and timeline rows carry stable `id` and `data-`
//! attributes so browser tests can find them.
//!
//! | method and path | does |
//! |---|---|
//! | `GET /_sandbox/ui?provider=&state=` | the orders, newest first, optionally filtered |
//! | `GET /_sandbox/ui/orders/{key}` | one order (platform or unique merchant number): fields, payload, callback timeline |
//! | `POST /_sandbox/ui/orders/{key}/{paid,failed,expired}` | changes its state, 303 back to the order |
//! | `POST /_sandbox/ui/clock/advance` form `seconds=60&back=/_sandbox/ui/...` | advances the clock, waits for due work, 303 to `back` |
//! | `POST /_sandbox/ui/clock/next` form `back=...` | advances to the next due time, 303 to `back` |

mod forms;
mod html;
mod list;
mod order;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use crate::shared::Shared;

/// The UI routes, nested under `/_sandbox/ui` by the control router.
pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/", get(list::page))
        .route("/orders/{key}", get(order::page))
        .route("/orders/{key}/{action}", post(forms::mark))
        .route("/clock/advance", post(forms::advance))
        .route("/clock/next", post(forms::next))
}
