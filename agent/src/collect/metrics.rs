//! Host metrics, every `interval_seconds`: CPU (total and per core),
//! memory, swap, load, uptime, process count, network, disk I/O and
//! per-filesystem usage.
//!
//! Each source runs on the blocking pool under its own timeout
//! ([`Guarded`]); filesystems are probed one mount at a time, so a hung NFS
//! mount only loses its own samples. sysinfo refreshes only what is read.
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

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sysinfo::{CpuRefreshKind, MemoryRefreshKind, Networks, RefreshKind, System};
use vigil_shared::wire::{MetricsSnapshot, Sample};

use super::guard::{GuardError, Guarded};
use super::procfs;

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

struct SystemSource {
    sys: System,
    /// CPU usage needs two refreshes; the first pass reports none.
    cpu_primed: bool,
}

/// All metric sources of one agent.
pub struct MetricsCollector {
    system: Guarded<SystemSource>,
    network: Guarded<Option<Networks>>,
    diskio: Guarded<()>,
    /// Per mount point: a probe is still running (hung).
    fs_busy: HashMap<String, Arc<AtomicBool>>,
    timeout: Duration,
}

impl MetricsCollector {
    pub fn new(timeout: Duration) -> Self {
        let sys = System::new_with_specifics(RefreshKind::nothing());
        MetricsCollector {
            system: Guarded::new(
                SystemSource {
                    sys,
                    cpu_primed: false,
                },
                timeout,
            ),
            network: Guarded::new(None, timeout),
            diskio: Guarded::new((), timeout),
            fs_busy: HashMap::new(),
            timeout,
        }
    }

    /// One collection pass: every source that answers in time.
    pub async fn collect(&mut self, ts_ms: i64) -> MetricsSnapshot {
        let timeout = self.timeout;
        let (system, network, diskio, filesystems) = tokio::join!(
            self.system.run(collect_system),
            self.network.run(collect_network),
            self.diskio.run(|_| collect_diskio()),
            collect_filesystems(&mut self.fs_busy, timeout),
        );
        let mut samples = filesystems;
        for (source, result) in [("system", system), ("network", network), ("diskio", diskio)] {
            match result {
                Ok(s) => samples.extend(s),
                Err(e) => log_source_error(source, &e),
            }
        }
        MetricsSnapshot { ts_ms, samples }
    }
}

fn log_source_error(source: &str, e: &GuardError) {
    tracing::warn!(source, error = %e, "metric source skipped");
}

fn collect_system(s: &mut SystemSource) -> Vec<Sample> {
    let sys = &mut s.sys;
    sys.refresh_cpu_specifics(CpuRefreshKind::nothing().with_cpu_usage());
    sys.refresh_memory_specifics(MemoryRefreshKind::nothing().with_ram().with_swap());
    let mut out = Vec::with_capacity(16 + sys.cpus().len());
    if s.cpu_primed {
        out.push(sample(
            "cpu_usage_percent",
            &[("cpu", "total")],
            f64::from(sys.global_cpu_usage()),
        ));
        for (i, cpu) in sys.cpus().iter().enumerate() {
            out.push(sample(
                "cpu_usage_percent",
                &[("cpu", &i.to_string())],
                f64::from(cpu.cpu_usage()),
            ));
        }
    }
    s.cpu_primed = true;
    let b = |v: u64| v as f64;
    out.push(sample("memory_total_bytes", &[], b(sys.total_memory())));
    out.push(sample("memory_used_bytes", &[], b(sys.used_memory())));
    out.push(sample(
        "memory_available_bytes",
        &[],
        b(sys.available_memory()),
    ));
    out.push(sample("swap_total_bytes", &[], b(sys.total_swap())));
    out.push(sample("swap_used_bytes", &[], b(sys.used_swap())));
    out.push(sample("swap_free_bytes", &[], b(sys.free_swap())));
    let load = System::load_average();
    out.push(sample("load_average", &[("period", "1m")], load.one));
    out.push(sample("load_average", &[("period", "5m")], load.five));
    out.push(sample("load_average", &[("period", "15m")], load.fifteen));
    out.push(sample("system_uptime_seconds", &[], b(System::uptime())));
    if let Some(n) = procfs::process_count(Path::new("/proc")) {
        out.push(sample("system_processes", &[], b(n)));
    }
    out
}

fn collect_network(nets: &mut Option<Networks>) -> Vec<Sample> {
    let nets = match nets {
        Some(n) => {
            n.refresh(true);
            n
        }
        None => nets.insert(Networks::new_with_refreshed_list()),
    };
    let mut out = Vec::new();
    let mut names: Vec<&String> = nets.keys().collect();
    names.sort();
    for name in names {
        let Some(d) = nets.get(name) else { continue };
        let l = [("interface", name.as_str())];
        for (metric, v) in [
            ("network_receive_bytes_total", d.total_received()),
            ("network_transmit_bytes_total", d.total_transmitted()),
            ("network_receive_packets_total", d.total_packets_received()),
            (
                "network_transmit_packets_total",
                d.total_packets_transmitted(),
            ),
            ("network_receive_errors_total", d.total_errors_on_received()),
            (
                "network_transmit_errors_total",
                d.total_errors_on_transmitted(),
            ),
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

/// Probes every mount concurrently, each under the timeout. A mount whose
/// earlier probe is still hung is skipped.
async fn collect_filesystems(
    busy: &mut HashMap<String, Arc<AtomicBool>>,
    timeout: Duration,
) -> Vec<Sample> {
    let text = match tokio::fs::read_to_string("/proc/self/mounts").await {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read /proc/self/mounts");
            return Vec::new();
        }
    };
    let mounts = procfs::parse_mounts(&text);
    busy.retain(|k, flag| {
        flag.load(Ordering::Acquire) || mounts.iter().any(|m| &m.mount_point == k)
    });
    let mut set = tokio::task::JoinSet::new();
    for m in mounts {
        let flag = Arc::clone(busy.entry(m.mount_point.clone()).or_default());
        if flag.swap(true, Ordering::AcqRel) {
            tracing::debug!(mount = %m.mount_point, "filesystem still not answering; skipped");
            continue;
        }
        set.spawn(async move {
            let mount_point = m.mount_point.clone();
            let probe = tokio::task::spawn_blocking(move || {
                let r = nix::sys::statvfs::statvfs(Path::new(&m.mount_point));
                flag.store(false, Ordering::Release);
                r.map(|st| (m, st))
            });
            match tokio::time::timeout(timeout, probe).await {
                Ok(Ok(Ok((m, st)))) => fs_samples(&m, &st),
                Ok(Ok(Err(e))) => {
                    tracing::debug!(mount = %mount_point, error = %e, "statvfs failed");
                    Vec::new()
                }
                Ok(Err(_)) => Vec::new(),
                Err(_) => {
                    tracing::warn!(mount = %mount_point, ?timeout, "filesystem did not answer in time; skipped");
                    Vec::new()
                }
            }
        });
    }
    let mut out = Vec::new();
    while let Some(r) = set.join_next().await {
        if let Ok(s) = r {
            out.extend(s);
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
