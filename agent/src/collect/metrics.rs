//! Host metrics, every `interval_seconds`: CPU (total and per core),
//! memory, swap, load, uptime, process count, network, disk I/O and
//! per-filesystem usage.
//!
//! Each source reads a few small `/proc` files ([`procfs`]) on the blocking
//! pool under its own timeout ([`Guarded`]). Sources run one after the
//! other, so a pass normally needs a single blocking thread. Filesystems
//! are probed one mount at a time, each under the timeout, so a hung NFS
//! mount only loses its own samples (and is skipped while it stays hung).
//!
//! Series (all names `<area>_<what>_<unit>[_total]`):
//!
//! | name | labels |
//! |---|---|
//! | `cpu_usage_percent` | `cpu` = `total` or the core index |
//! | `memory_total_bytes`, `memory_used_bytes`, `memory_available_bytes` | |
//! | `swap_total_bytes`, `swap_used_bytes`, `swap_free_bytes` | |
//! | `load_average` | `period` = `1m`, `5m`, `15m` |
//! | `system_uptime_seconds`, `system_processes` | |
//! | `filesystem_size_bytes`, `filesystem_used_bytes`, `filesystem_available_bytes`, `filesystem_files`, `filesystem_files_free` | `mount`, `device`, `fstype` |
//! | `network_{receive,transmit}_{bytes,packets,errors}_total` | `interface` |
//! | `disk_{reads,writes}_completed_total`, `disk_{read,written}_bytes_total`, `disk_io_time_seconds_total` | `device` |
//!
//! CPU usage is the busy share of the time since the previous pass (user,
//! nice, system, irq and softirq over all time, as top(1) counts it); the
//! first pass only primes it.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use vigil_shared::wire::{MetricsSnapshot, Sample};

use super::guard::{GuardError, Guarded};
use super::procfs::{self, CpuStat};

fn sample(name: &str, labels: &[(&str, &str)], value: f64) -> Sample {
    Sample {
        name: name.to_owned(),
        labels: labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<BTreeMap<_, _>>(),
        value,
    }
}

/// CPU times of the previous pass: usage is a difference.
#[derive(Default)]
struct SystemSource {
    prev_cpu: Option<CpuStat>,
}

/// All metric sources of one agent.
pub struct MetricsCollector {
    system: Guarded<SystemSource>,
    network: Guarded<()>,
    diskio: Guarded<()>,
    /// Per mount point: a probe is still running (hung).
    fs_busy: HashMap<String, Arc<AtomicBool>>,
    timeout: Duration,
}

impl MetricsCollector {
    pub fn new(timeout: Duration) -> Self {
        MetricsCollector {
            system: Guarded::new(SystemSource::default(), timeout),
            network: Guarded::new((), timeout),
            diskio: Guarded::new((), timeout),
            fs_busy: HashMap::new(),
            timeout,
        }
    }

    /// One collection pass: every source that answers in time.
    pub async fn collect(&mut self, ts_ms: i64) -> MetricsSnapshot {
        let mut samples = Vec::new();
        for (source, result) in [
            ("system", self.system.run(collect_system).await),
            ("network", self.network.run(|_| collect_network()).await),
            ("diskio", self.diskio.run(|_| collect_diskio()).await),
        ] {
            match result {
                Ok(s) => samples.extend(s),
                Err(e) => log_source_error(source, &e),
            }
        }
        samples.extend(collect_filesystems(&mut self.fs_busy, self.timeout).await);
        MetricsSnapshot { ts_ms, samples }
    }
}

fn log_source_error(source: &str, e: &GuardError) {
    tracing::warn!(source, error = %e, "metric source skipped");
}

fn read(path: &str) -> Option<String> {
    match std::fs::read_to_string(path) {
        Ok(t) => Some(t),
        Err(e) => {
            tracing::debug!(path, error = %e, "cannot read");
            None
        }
    }
}

fn collect_system(s: &mut SystemSource) -> Vec<Sample> {
    let mut out = Vec::with_capacity(20);
    if let Some(cpu) = read("/proc/stat").map(|t| procfs::parse_stat(&t)) {
        if let Some(prev) = &s.prev_cpu {
            out.push(sample(
                "cpu_usage_percent",
                &[("cpu", "total")],
                cpu.total.usage_since(&prev.total),
            ));
            for (n, times) in &cpu.cores {
                let before = prev.cores.iter().find(|(p, _)| p == n).map(|(_, t)| t);
                if let Some(before) = before {
                    out.push(sample(
                        "cpu_usage_percent",
                        &[("cpu", &n.to_string())],
                        times.usage_since(before),
                    ));
                }
            }
        }
        s.prev_cpu = Some(cpu);
    }
    let b = |v: u64| v as f64;
    if let Some(m) = read("/proc/meminfo").map(|t| procfs::parse_meminfo(&t)) {
        out.push(sample("memory_total_bytes", &[], b(m.total)));
        out.push(sample(
            "memory_used_bytes",
            &[],
            b(m.total.saturating_sub(m.available)),
        ));
        out.push(sample("memory_available_bytes", &[], b(m.available)));
        out.push(sample("swap_total_bytes", &[], b(m.swap_total)));
        out.push(sample(
            "swap_used_bytes",
            &[],
            b(m.swap_total.saturating_sub(m.swap_free)),
        ));
        out.push(sample("swap_free_bytes", &[], b(m.swap_free)));
    }
    if let Some([one, five, fifteen]) =
        read("/proc/loadavg").and_then(|t| procfs::parse_loadavg(&t))
    {
        out.push(sample("load_average", &[("period", "1m")], one));
        out.push(sample("load_average", &[("period", "5m")], five));
        out.push(sample("load_average", &[("period", "15m")], fifteen));
    }
    if let Some(up) = read("/proc/uptime").and_then(|t| procfs::parse_uptime(&t)) {
        out.push(sample("system_uptime_seconds", &[], b(up)));
    }
    if let Some(n) = procfs::process_count(Path::new("/proc")) {
        out.push(sample("system_processes", &[], b(n)));
    }
    out
}

fn collect_network() -> Vec<Sample> {
    let Some(text) = read("/proc/net/dev") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for d in procfs::parse_net_dev(&text) {
        let l = [("interface", d.interface.as_str())];
        for (metric, v) in [
            ("network_receive_bytes_total", d.rx_bytes),
            ("network_transmit_bytes_total", d.tx_bytes),
            ("network_receive_packets_total", d.rx_packets),
            ("network_transmit_packets_total", d.tx_packets),
            ("network_receive_errors_total", d.rx_errors),
            ("network_transmit_errors_total", d.tx_errors),
        ] {
            out.push(sample(metric, &l, v as f64));
        }
    }
    out
}

fn collect_diskio() -> Vec<Sample> {
    let Ok(text) = std::fs::read_to_string("/proc/diskstats") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for d in procfs::parse_diskstats(&text) {
        let l = [("device", d.device.as_str())];
        out.push(sample(
            "disk_reads_completed_total",
            &l,
            d.reads_completed as f64,
        ));
        out.push(sample(
            "disk_writes_completed_total",
            &l,
            d.writes_completed as f64,
        ));
        out.push(sample("disk_read_bytes_total", &l, d.read_bytes as f64));
        out.push(sample(
            "disk_written_bytes_total",
            &l,
            d.written_bytes as f64,
        ));
        out.push(sample(
            "disk_io_time_seconds_total",
            &l,
            d.io_time_ms as f64 / 1000.0,
        ));
    }
    out
}

/// Probes the mounts one after the other, each under the timeout. A mount
/// whose earlier probe is still hung is skipped.
async fn collect_filesystems(
    busy: &mut HashMap<String, Arc<AtomicBool>>,
    timeout: Duration,
) -> Vec<Sample> {
    let mounts = match super::guard::blocking(timeout, || {
        std::fs::read_to_string("/proc/self/mounts").map(|t| procfs::parse_mounts(&t))
    })
    .await
    {
        Ok(Ok(m)) => m,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "cannot read /proc/self/mounts");
            return Vec::new();
        }
        Err(e) => {
            log_source_error("mounts", &e);
            return Vec::new();
        }
    };
    busy.retain(|k, flag| {
        flag.load(Ordering::Acquire) || mounts.iter().any(|m| &m.mount_point == k)
    });
    let mut out = Vec::new();
    for m in mounts {
        let flag = Arc::clone(busy.entry(m.mount_point.clone()).or_default());
        if flag.swap(true, Ordering::AcqRel) {
            tracing::debug!(mount = %m.mount_point, "filesystem still not answering; skipped");
            continue;
        }
        let mount_point = m.mount_point.clone();
        let probe = super::guard::blocking(timeout, move || {
            let r = nix::sys::statvfs::statvfs(Path::new(&m.mount_point));
            flag.store(false, Ordering::Release);
            r.map(|st| (m, st))
        });
        match probe.await {
            Ok(Ok((m, st))) => out.extend(fs_samples(&m, &st)),
            Ok(Err(e)) => {
                tracing::debug!(mount = %mount_point, error = %e, "statvfs failed");
            }
            Err(GuardError::TimedOut(_)) => {
                tracing::warn!(mount = %mount_point, ?timeout, "filesystem did not answer in time; skipped");
            }
            Err(_) => {}
        }
    }
    out
}

// statvfs field widths differ between targets (u32 on 32-bit).
#[allow(clippy::useless_conversion)]
fn fs_samples(m: &procfs::Mount, st: &nix::sys::statvfs::Statvfs) -> Vec<Sample> {
    let frsize = u64::from(st.fragment_size());
    let size = u64::from(st.blocks()) * frsize;
    if size == 0 {
        return Vec::new();
    }
    let free = u64::from(st.blocks_free()) * frsize;
    let avail = u64::from(st.blocks_available()) * frsize;
    let l = [
        ("mount", m.mount_point.as_str()),
        ("device", m.device.as_str()),
        ("fstype", m.fstype.as_str()),
    ];
    vec![
        sample("filesystem_size_bytes", &l, size as f64),
        sample(
            "filesystem_used_bytes",
            &l,
            size.saturating_sub(free) as f64,
        ),
        sample("filesystem_available_bytes", &l, avail as f64),
        sample("filesystem_files", &l, st.files() as f64),
        sample("filesystem_files_free", &l, st.files_free() as f64),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_pass_yields_the_core_series() {
        let mut c = MetricsCollector::new(Duration::from_secs(10));
        let first = c.collect(1).await;
        let names = |s: &MetricsSnapshot| -> Vec<String> {
            s.samples.iter().map(|x| x.name.clone()).collect()
        };
        let n1 = names(&first);
        for want in [
            "memory_total_bytes",
            "memory_used_bytes",
            "memory_available_bytes",
            "swap_total_bytes",
            "load_average",
            "system_uptime_seconds",
            "system_processes",
        ] {
            assert!(n1.iter().any(|n| n == want), "{want} missing: {n1:?}");
        }
        assert!(
            !n1.iter().any(|n| n == "cpu_usage_percent"),
            "first pass primes CPU"
        );
        let second = c.collect(2).await;
        let cpu: Vec<&Sample> = second
            .samples
            .iter()
            .filter(|s| s.name == "cpu_usage_percent")
            .collect();
        assert!(cpu
            .iter()
            .any(|s| s.labels.get("cpu").map(String::as_str) == Some("total")));
        assert!(cpu
            .iter()
            .any(|s| s.labels.get("cpu").map(String::as_str) == Some("0")));
        assert_eq!(second.ts_ms, 2);
        let load: Vec<_> = second
            .samples
            .iter()
            .filter(|s| s.name == "load_average")
            .filter_map(|s| s.labels.get("period").cloned())
            .collect();
        assert_eq!(load, vec!["1m", "5m", "15m"]);
        // Filesystem samples carry their three labels.
        for s in second
            .samples
            .iter()
            .filter(|s| s.name.starts_with("filesystem_"))
        {
            assert!(
                s.labels.contains_key("mount")
                    && s.labels.contains_key("device")
                    && s.labels.contains_key("fstype")
            );
        }
    }
}
