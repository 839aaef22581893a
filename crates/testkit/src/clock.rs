//! A manual clock for driving cores in deterministic tests.

use core::time::Duration;
use telecontrol_core::Instant;

/// A clock that moves only when told to.
#[derive(Clone, Copy, Debug, Default)]
pub struct ManualClock {
    now: Instant,
}

impl ManualClock {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn now(&self) -> Instant {
        self.now
    }
    pub fn advance(&mut self, d: Duration) -> Instant {
        self.now = self.now + d;
        self.now
    }
    /// Jump to `deadline` if it is in the future (as a `Pair` does to the next timeout).
    pub fn advance_to(&mut self, deadline: Instant) -> Instant {
        if deadline > self.now {
            self.now = deadline;
        }
        self.now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_only_forward() {
        let mut c = ManualClock::new();
        c.advance(Duration::from_secs(2));
        c.advance_to(Instant::from_secs(1));
        assert_eq!(c.now(), Instant::from_secs(2));
        c.advance_to(Instant::from_secs(5));
        assert_eq!(c.now(), Instant::from_secs(5));
    }
}
