//! Live sliders produce a request per tick; only the newest matters. `LatestOnly` runs one request
//! at a time and keeps at most one waiting (the newest), so dragging never builds a backlog.

#[derive(Debug)]
pub struct LatestOnly<T> {
    running: bool,
    pending: Option<T>,
}

impl<T> Default for LatestOnly<T> {
    fn default() -> Self {
        LatestOnly { running: false, pending: None }
    }
}

impl<T> LatestOnly<T> {
    /// Offers a job. Returns it back if the caller should start it now (nothing was running);
    /// otherwise it waits, replacing (skipping) any older waiting job.
    #[must_use]
    pub fn submit(&mut self, job: T) -> Option<T> {
        if self.running {
            self.pending = Some(job);
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
        // 2 and 3 were dropped: the newest runs next, and while it runs a new job waits.
        assert_eq!(gate.finish(), Some(4));
        assert_eq!(gate.submit(5), None);
        assert_eq!(gate.finish(), Some(5));
        // Idle again: the next job runs at once.
        assert_eq!(gate.finish(), None);
        assert_eq!(gate.submit(6), Some(6));
    }
}
