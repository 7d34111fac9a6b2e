//! A process's memory and CPU time, from Linux's `/proc` (proc(5)).

/// Resident set size (`VmRSS` in `/proc/{pid}/status`), KiB; `None` when
/// the process is gone or this is not Linux.
pub fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// User + system CPU time the process has used, in clock ticks
/// (`utime` + `stime`, fields 14 and 15 of `/proc/{pid}/stat`).
pub fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces; fields after it are plain.
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// Clock ticks per second for [`cpu_ticks`] (`USER_HZ`, 100 on every
/// Linux architecture Convene runs on).
pub const TICKS_PER_S: f64 = 100.0;

/// CPU use of a process between two instants, in cores (1.0 = one core
/// busy all the time).
pub struct CpuMeter {
    pid: u32,
    ticks: u64,
    at: std::time::Instant,
}

impl CpuMeter {
    pub fn start(pid: u32) -> CpuMeter {
        CpuMeter {
            pid,
            ticks: cpu_ticks(pid).unwrap_or(0),
            at: std::time::Instant::now(),
        }
    }

    /// Cores used since [`CpuMeter::start`].
    pub fn cores(&self) -> f64 {
        let ticks = cpu_ticks(self.pid).unwrap_or(self.ticks);
        let seconds = self.at.elapsed().as_secs_f64().max(1e-9);
        (ticks.saturating_sub(self.ticks)) as f64 / TICKS_PER_S / seconds
    }
}

/// CPU time the whole machine has spent busy (everything in the first
/// line of `/proc/stat` but `idle` and `iowait`), in clock ticks.
pub fn machine_busy_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> = stat
        .lines()
        .next()?
        .strip_prefix("cpu ")?
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    let total: u64 = fields.iter().take(8).sum();
    let idle = fields.get(3)? + fields.get(4)?;
    Some(total - idle)
}

/// Busy cores of the whole machine between two instants.
pub struct MachineMeter {
    ticks: u64,
    at: std::time::Instant,
}

impl MachineMeter {
    pub fn start() -> MachineMeter {
        MachineMeter {
            ticks: machine_busy_ticks().unwrap_or(0),
            at: std::time::Instant::now(),
        }
    }

    /// Cores busy since [`MachineMeter::start`], by any process.
    pub fn cores(&self) -> f64 {
        let ticks = machine_busy_ticks().unwrap_or(self.ticks);
        let seconds = self.at.elapsed().as_secs_f64().max(1e-9);
        (ticks.saturating_sub(self.ticks)) as f64 / TICKS_PER_S / seconds
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_process_has_memory_and_cpu_time() {
        let pid = std::process::id();
        assert!(rss_kb(pid).is_some_and(|kb| kb > 0));
        assert!(cpu_ticks(pid).is_some());
        assert!(machine_busy_ticks().is_some());
    }
}
