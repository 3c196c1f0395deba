//! The last line of defence: a panic anywhere replaces the page with an error screen (what
//! happened, the link that restores the state, a reload button) instead of a frozen page with only
//! a console message. Built with `innerHTML` and escaped text, because after a panic the DOM
//! helpers that failed (e.g. `createElement`) cannot be trusted. The reload is a link to the
//! restoring URL, not an inline `onclick` (the page's Content-Security-Policy forbids inline script).

use playground_state::html_text::escaped;

/// Installs the hook (console message as before, then the screen). Call once, before mounting.
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show(&info.to_string());
    }));
}

/// Lets the browser tests reach this screen the way a real internal error does: from the console,
/// `wasmBindings.simulate_panic("…")` panics inside the module.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn simulate_panic(message: String) {
    panic!("{message}");
}

fn show(message: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(body) = document.body() else { return };
    // The address bar holds the whole page state once the write waiting for its gap is flushed.
    crate::url_sync::flush_waiting();
    let link = crate::url_sync::current_href();
    body.set_inner_html(&format!(
        "<main><section class=\"error-screen fatal\" role=\"alert\">\
         <h2>Something went wrong inside the page</h2>\
         <p>The page stopped because of an internal error: <code>{}</code></p>\
         <p>Nothing is lost: this link restores what you had: <a href=\"{link}\">{}</a></p>\
         <p><a class=\"button\" role=\"button\" href=\"{link}\">Reload the page</a></p>\
         </section></main>",
        escaped(message),
        escaped(&link),
        link = escaped(&link)
    ));
}
