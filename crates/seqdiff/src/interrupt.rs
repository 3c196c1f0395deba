//! Ctrl-C during training: the first press asks the trainer to stop before its next batch (the
//! epoch in progress is dropped, the folder keeps the last committed one); a second press exits
//! at once, which is safe too because every save is one commit (`run_commit.rs`).

use std::sync::atomic::{AtomicBool, Ordering};

/// The conventional status of a program ended by SIGINT (128 + 2).
pub const EXIT_CODE: u8 = 130;

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Installs the handler; without one (it cannot be installed) Ctrl-C keeps its default effect.
pub fn install() {
    let _ = ctrlc::set_handler(|| {
        if REQUESTED.swap(true, Ordering::SeqCst) {
            // The handler's own thread: the run cannot return from here, and a second press means now.
            std::process::exit(EXIT_CODE.into());
        }
        eprintln!("\nstopping before the next batch (press Ctrl-C again to quit at once)…");
    });
}

/// The error a run returns when Ctrl-C stopped it; `main` exits with `EXIT_CODE` for it.
#[derive(Debug)]
pub struct Interrupted(pub String);

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Interrupted {}

pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}
