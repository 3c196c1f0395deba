//! Live sliders produce a request per tick; only the newest matters. `LatestOnly` runs one request
//! at a time and keeps at most one waiting (the newest), so dragging never builds a backlog.

#[derive(Debug)]
pub struct LatestOnly<T> {
    running: bool,
    pending: Option<T>,
    skipped: u64,
}

impl<T> Default for LatestOnly<T> {
    fn default() -> Self {
        LatestOnly { running: false, pending: None, skipped: 0 }
    }
}

impl<T> LatestOnly<T> {
    /// Offers a job. Returns it back if the caller should start it now (nothing was running);
    /// otherwise it waits, replacing (skipping) any older waiting job.
    #[must_use]
    pub fn submit(&mut self, job: T) -> Option<T> {
        if self.running {
            if self.pending.replace(job).is_some() {
                self.skipped += 1;
            }
            None
        } else {
            self.running = true;
            Some(job)
        }
    }

    /// The running job ended: returns the next one to run (the newest waiting), or goes idle.
    #[must_use]
    pub fn finish(&mut self) -> Option<T> {
        let next = self.pending.take();
        self.running = next.is_some();
        next
    }

    pub fn is_running(&self) -> bool {
        self.running
    }

    /// How many stale jobs were dropped without running.
    pub fn skipped(&self) -> u64 {
        self.skipped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_at_once_when_idle_and_keeps_only_the_newest_waiting() {
        let mut gate = LatestOnly::default();
        assert_eq!(gate.submit(1), Some(1));
        assert_eq!(gate.submit(2), None);
        assert_eq!(gate.submit(3), None);
        assert_eq!(gate.submit(4), None);
        assert_eq!(gate.skipped(), 2);
        assert_eq!(gate.finish(), Some(4));
        assert!(gate.is_running());
        assert_eq!(gate.finish(), None);
        assert!(!gate.is_running());
        assert_eq!(gate.submit(5), Some(5));
    }
}
