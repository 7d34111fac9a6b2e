//! Latency percentiles over every sample (no binning: a run holds a few
//! hundred thousand, which sort in milliseconds).

/// Latency samples in nanoseconds, sorted on [`Latencies::summary`].
#[derive(Default)]
pub struct Latencies(Vec<u64>);

/// Percentiles of one set of samples, milliseconds.
#[derive(Clone, Copy, Debug, Default)]
pub struct Summary {
    pub count: usize,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
}

impl Latencies {
    pub fn push(&mut self, ns: u64) {
        self.0.push(ns);
    }

    pub fn extend(&mut self, other: Latencies) {
        self.0.extend(other.0);
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Nearest-rank percentiles; all zero when there are no samples.
    pub fn summary(&mut self) -> Summary {
        if self.0.is_empty() {
            return Summary::default();
        }
        self.0.sort_unstable();
        let rank = |q: f64| {
            let n = self.0.len();
            let index = ((q * n as f64).ceil() as usize).clamp(1, n) - 1;
            self.0[index] as f64 / 1e6
        };
        Summary {
            count: self.0.len(),
            p50_ms: rank(0.50),
            p90_ms: rank(0.90),
            p99_ms: rank(0.99),
            p999_ms: rank(0.999),
            max_ms: rank(1.0),
        }
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "p50 {:.3} ms, p90 {:.3} ms, p99 {:.3} ms, p99.9 {:.3} ms, max {:.3} ms ({} samples)",
            self.p50_ms, self.p90_ms, self.p99_ms, self.p999_ms, self.max_ms, self.count
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let mut samples = Latencies::default();
        for ms in (1..=100).rev() {
            samples.push(ms * 1_000_000);
        }
        let summary = samples.summary();
        assert_eq!(summary.count, 100);
        assert_eq!(summary.p50_ms, 50.0);
        assert_eq!(summary.p99_ms, 99.0);
        assert_eq!(summary.max_ms, 100.0);
    }

    #[test]
    fn no_samples_give_zeros() {
        assert_eq!(Latencies::default().summary().max_ms, 0.0);
    }
}
