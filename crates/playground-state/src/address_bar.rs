//! Address-bar writes, coalesced: browsers throttle `history.replaceState` (Chromium warns and
//! drops calls beyond about 100 in 10 s, Safari allows 100 per 30 s), and a slider drag produces a
//! state per tick. The first change after a quiet spell is written at once; changes inside the gap
//! wait, and only the newest of them is written when the gap has passed.

/// Shortest time between two writes: at most 4 per second.
pub const MIN_GAP_MS: f64 = 250.0;

#[derive(Debug, Default)]
pub struct AddressBar {
    last_write_ms: Option<f64>,
    waiting: Option<String>,
    timer_set: bool,
}

/// What the page does with an offered query.
#[derive(Debug, PartialEq)]
pub enum Write {
    /// Write it now.
    Now(String),
    /// Set a timer for this many ms, then call `due`.
    Later(f64),
    /// A timer is already set; the query replaced the one waiting for it.
    Queued,
}

impl AddressBar {
    pub fn offer(&mut self, query: String, now_ms: f64) -> Write {
        let since = self.last_write_ms.map_or(f64::INFINITY, |t| now_ms - t);
        if self.timer_set {
            self.waiting = Some(query);
            Write::Queued
        } else if since >= MIN_GAP_MS {
            self.last_write_ms = Some(now_ms);
            Write::Now(query)
        } else {
            self.waiting = Some(query);
            self.timer_set = true;
            Write::Later(MIN_GAP_MS - since)
        }
    }

    /// The newest query not yet written (what the address bar will hold once the gap has passed).
    pub fn waiting(&self) -> Option<&str> {
        self.waiting.as_deref()
    }

    /// The timer fired: the newest waiting query, to write now.
    pub fn due(&mut self, now_ms: f64) -> Option<String> {
        self.timer_set = false;
        let query = self.waiting.take()?;
        self.last_write_ms = Some(now_ms);
        Some(query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_writes_the_first_at_once_and_only_the_last_after_the_gap() {
        let mut bar = AddressBar::default();
        assert_eq!(bar.offer("a".into(), 0.0), Write::Now("a".into()));
        assert_eq!(bar.offer("b".into(), 10.0), Write::Later(240.0));
        assert_eq!(bar.waiting(), Some("b"), "the newest query is known before it is written");
        assert_eq!(bar.offer("c".into(), 20.0), Write::Queued);
        assert_eq!(bar.offer("d".into(), 30.0), Write::Queued);
        assert_eq!(bar.due(250.0), Some("d".into()));
        // Quiet again: the next change is written at once, once the gap since "d" has passed.
        assert_eq!(bar.offer("e".into(), 400.0), Write::Later(100.0));
        assert_eq!(bar.due(500.0), Some("e".into()));
        assert_eq!(bar.offer("f".into(), 900.0), Write::Now("f".into()));
        assert_eq!(bar.due(950.0), None, "a timer with nothing waiting writes nothing");
    }

    #[test]
    fn a_long_drag_writes_at_most_four_times_a_second() {
        let mut bar = AddressBar::default();
        let (mut writes, mut timer_at) = (0, None::<f64>);
        for tick in 0..1000 {
            let now = tick as f64 * 10.0; // 100 changes per second for 10 s
            if let Some(at) = timer_at.filter(|&at| at <= now) {
                timer_at = None;
                writes += usize::from(bar.due(at).is_some());
            }
            match bar.offer(format!("q{tick}"), now) {
                Write::Now(_) => writes += 1,
                Write::Later(ms) => timer_at = Some(now + ms),
                Write::Queued => {}
            }
        }
        assert!(writes <= 41, "{writes} writes in 10 s");
        assert_eq!(bar.due(10_000.0), Some("q999".into()), "the last state is written");
    }
}
