//! The page state ↔ the address bar. Writes use `replaceState` (a slider tick is not a new history
//! entry) and are coalesced (`AddressBar`): browsers throttle bursts of `replaceState`.

use std::cell::RefCell;

use playground_state::address_bar::{AddressBar, Write};

thread_local! {
    // A global because the panic hook (`fatal.rs`) must reach it: after a panic it writes the
    // query still waiting for its gap, so the address bar holds the newest state.
    static BAR: RefCell<AddressBar> = RefCell::new(AddressBar::default());
}

/// The page's newest query: the one waiting for its coalescing gap if any (a model opened right after
/// a slider moved must not read the state before it), else the address bar's.
pub fn current_query() -> String {
    let waiting =
        BAR.try_with(|b| b.try_borrow().ok().and_then(|b| b.waiting().map(|q| format!("?{q}")))).ok().flatten();
    waiting.unwrap_or_else(|| web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default())
}

fn write_now(query: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let path = window.location().pathname().unwrap_or_else(|_| "/".into());
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&format!("{path}?{query}")));
    }
}

/// Puts `query` in the address bar now, or as soon as the browser's throttle allows (the newest wins).
pub fn replace_query(query: &str) {
    let now = inference_protocol::clock::now_ms();
    match BAR.with(|b| b.borrow_mut().offer(query.to_string(), now)) {
        Write::Now(q) => write_now(&q),
        Write::Later(ms) => leptos::task::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(ms.ceil() as u32).await;
            if let Some(q) = BAR.with(|b| b.borrow_mut().due(inference_protocol::clock::now_ms())) {
                write_now(&q);
            }
        }),
        Write::Queued => {}
    }
}

pub fn current_href() -> String {
    web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_default()
}

/// Writes the query still waiting for its coalescing gap, if any, at once: the panic hook's way to
/// leave the newest state in the address bar (its timer will never fire). Never panics on a borrow.
pub fn flush_waiting() {
    let waiting = BAR.try_with(|b| b.try_borrow().ok().and_then(|b| b.waiting().map(str::to_string))).ok().flatten();
    if let Some(q) = waiting {
        write_now(&q);
    }
}

/// The link that reproduces `query` on this page (built from the state, not from the address bar,
/// which may lag behind by one coalescing gap).
pub fn link_for(query: &str) -> String {
    let Some(location) = web_sys::window().map(|w| w.location()) else {
        return format!("?{query}");
    };
    let origin = location.origin().unwrap_or_default();
    let path = location.pathname().unwrap_or_else(|_| "/".into());
    format!("{origin}{path}?{query}")
}
