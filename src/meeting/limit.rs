//! Per-connection rate limits: token buckets. A client over its budget
//! has messages dropped (and is told once, `rate_limited`); one that keeps
//! on sending a whole burst's worth beyond it is disconnected.
//!
//! A streak of drops ends only once the bucket is full again, i.e. the
//! client kept within its rate long enough to earn the whole burst back.
//! A token earned in the middle of a flood lets one message through but
//! does not end the streak: otherwise a client flooding at many times the
//! rate would be told `rate_limited` at the refill rate, for ever, and
//! never be disconnected.

use std::time::Instant;

/// A token bucket: `burst` tokens, refilled at `per_s` tokens a second.
#[derive(Debug)]
pub struct TokenBucket {
    per_s: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
    /// Messages dropped since the bucket was last full.
    over: u32,
}

/// What to do with one message.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    /// Drop it; `first` is true for the first drop of a streak (say so once).
    Drop {
        first: bool,
    },
    /// The sender kept flooding: disconnect it.
    Disconnect,
}

impl TokenBucket {
    pub fn new(per_s: u32, burst: u32) -> Self {
        TokenBucket {
            per_s: f64::from(per_s.max(1)),
            burst: f64::from(burst.max(1)),
            tokens: f64::from(burst.max(1)),
            last: Instant::now(),
            over: 0,
        }
    }

    /// Takes one token at `now`.
    pub fn take(&mut self, now: Instant) -> Verdict {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.per_s).min(self.burst);
        if self.tokens >= self.burst {
            self.over = 0;
        }
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Verdict::Allow;
        }
        self.over += 1;
        if f64::from(self.over) > self.burst {
            Verdict::Disconnect
        } else {
            Verdict::Drop {
                first: self.over == 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_passes_then_drops_then_disconnects() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(10, 5);
        for _ in 0..5 {
            assert_eq!(bucket.take(start), Verdict::Allow);
        }
        assert_eq!(bucket.take(start), Verdict::Drop { first: true });
        for _ in 0..4 {
            assert_eq!(bucket.take(start), Verdict::Drop { first: false });
        }
        assert_eq!(bucket.take(start), Verdict::Disconnect);
    }

    #[test]
    fn tokens_come_back_at_the_rate() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(10, 2);
        assert_eq!(bucket.take(start), Verdict::Allow);
        assert_eq!(bucket.take(start), Verdict::Allow);
        assert_eq!(bucket.take(start), Verdict::Drop { first: true });
        // 100 ms at 10/s is one token: one message passes, but the
        // streak goes on (said once).
        let later = start + Duration::from_millis(100);
        assert_eq!(bucket.take(later), Verdict::Allow);
        assert_eq!(bucket.take(later), Verdict::Drop { first: false });
        // A full bucket again ends the streak. Never more than the burst,
        // however long the pause.
        let much_later = later + Duration::from_secs(60);
        assert_eq!(bucket.take(much_later), Verdict::Allow);
        assert_eq!(bucket.take(much_later), Verdict::Allow);
        assert_eq!(bucket.take(much_later), Verdict::Drop { first: true });
    }

    #[test]
    fn a_flood_far_above_the_rate_is_disconnected_despite_refills() {
        // 200/s, burst 400, flooded at 20 000/s: a token comes back every
        // 100 messages, which must neither end the streak nor repeat the
        // warning.
        let start = Instant::now();
        let mut bucket = TokenBucket::new(200, 400);
        let mut warnings = 0;
        let mut sent = 0u64;
        let verdict = loop {
            let now = start + Duration::from_micros(50 * sent);
            sent += 1;
            match bucket.take(now) {
                Verdict::Allow => {}
                Verdict::Drop { first } => warnings += u32::from(first),
                Verdict::Disconnect => break Verdict::Disconnect,
            }
            if sent > 100_000 {
                break Verdict::Allow;
            }
        };
        assert_eq!(verdict, Verdict::Disconnect);
        assert_eq!(warnings, 1);
        assert!(sent < 1000, "disconnected only after {sent} messages");
    }
}
