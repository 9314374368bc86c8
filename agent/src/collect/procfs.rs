//! Readers for everything the collectors take from the kernel: CPU times,
//! memory, load, uptime, network and disk counters, mounts, login
//! sessions, the process table and user names. Each is one small file read
//! (`/proc/stat`, `/proc/meminfo`, `/proc/net/dev`, …), parsed by a pure
//! function over text or bytes, tested below.

use std::collections::HashMap;
use std::path::Path;

/// One mounted filesystem worth reporting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mount {
    pub device: String,
    pub mount_point: String,
    pub fstype: String,
}

/// Filesystem types that hold no user data (as node_exporter's defaults).
const PSEUDO_FSTYPES: &[&str] = &[
    "autofs",
    "binfmt_misc",
    "bpf",
    "cgroup",
    "cgroup2",
    "configfs",
    "debugfs",
    "devpts",
    "devtmpfs",
    "efivarfs",
    "fusectl",
    "hugetlbfs",
    "mqueue",
    "nsfs",
    "overlay",
    "proc",
    "pstore",
    "ramfs",
    "rpc_pipefs",
    "securityfs",
    "selinuxfs",
    "squashfs",
    "sysfs",
    "tracefs",
    "fuse.gvfsd-fuse",
    "fuse.portal",
    "nfsd",
];

/// Mount point prefixes that are never interesting.
const PSEUDO_PREFIXES: &[&str] = &[
    "/proc",
    "/sys",
    "/dev",
    "/run/credentials/",
    "/var/lib/docker/",
    "/var/lib/containers/storage/",
    "/snap/",
];

/// Parses `/proc/self/mounts`, keeping real filesystems once per mount
/// point (the last mount wins, as the kernel shows it).
pub fn parse_mounts(text: &str) -> Vec<Mount> {
    let mut out: Vec<Mount> = Vec::new();
    for line in text.lines() {
        let mut f = line.split_whitespace();
        let (Some(device), Some(mount_point), Some(fstype)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        if PSEUDO_FSTYPES.contains(&fstype) {
            continue;
        }
        let mount_point = unescape_octal(mount_point);
        let pseudo_prefix = PSEUDO_PREFIXES.iter().any(|p| {
            mount_point == p.trim_end_matches('/')
                || mount_point.starts_with(p)
                || (!p.ends_with('/') && mount_point.starts_with(&format!("{p}/")))
        });
        if pseudo_prefix {
            continue;
        }
        out.retain(|m| m.mount_point != mount_point);
        out.push(Mount {
            device: unescape_octal(device),
            mount_point,
            fstype: fstype.to_owned(),
        });
    }
    out
}

/// `\040` → space etc., as in `/proc/mounts`.
fn unescape_octal(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            let v = (b[i + 1] - b'0') as u32 * 64
                + (b[i + 2] - b'0') as u32 * 8
                + (b[i + 3] - b'0') as u32;
            if let Ok(byte) = u8::try_from(v) {
                out.push(byte);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Cumulative CPU time of one `/proc/stat` line, in clock ticks, split as
/// top(1) and sysinfo do: guest time is already part of user and nice.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CpuTimes {
    /// user + nice + system + irq + softirq (guest time taken out).
    pub busy: u64,
    /// busy + idle + iowait + steal + guest + guest_nice.
    pub total: u64,
}

impl CpuTimes {
    /// Busy share of the time between `earlier` and `self`, in percent
    /// (0 when no time passed).
    pub fn usage_since(&self, earlier: &CpuTimes) -> f64 {
        let total = self.total.saturating_sub(earlier.total);
        if total == 0 {
            return 0.0;
        }
        let busy = self.busy.saturating_sub(earlier.busy);
        (busy as f64 / total as f64 * 100.0).min(100.0)
    }
}

/// The `cpu` and `cpuN` lines of `/proc/stat`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CpuStat {
    pub total: CpuTimes,
    /// Per core, by the kernel's core number.
    pub cores: Vec<(u32, CpuTimes)>,
}

fn parse_cpu_fields<'a>(fields: impl Iterator<Item = &'a str>) -> CpuTimes {
    let mut v = [0u64; 10];
    for (slot, f) in v.iter_mut().zip(fields) {
        *slot = f.parse().unwrap_or(0);
    }
    let [user, nice, system, idle, iowait, irq, softirq, steal, guest, guest_nice] = v;
    let busy = user
        .saturating_sub(guest)
        .saturating_add(nice.saturating_sub(guest_nice))
        .saturating_add(system)
        .saturating_add(irq)
        .saturating_add(softirq);
    let total = busy
        .saturating_add(idle)
        .saturating_add(iowait)
        .saturating_add(steal)
        .saturating_add(guest)
        .saturating_add(guest_nice);
    CpuTimes { busy, total }
}

/// Parses `/proc/stat` (only its `cpu` lines).
pub fn parse_stat(text: &str) -> CpuStat {
    let mut out = CpuStat::default();
    for line in text.lines() {
        let mut f = line.split_ascii_whitespace();
        let Some(name) = f.next() else { continue };
        let Some(rest) = name.strip_prefix("cpu") else {
            // The cpu lines come first.
            if !out.cores.is_empty() {
                break;
            }
            continue;
        };
        if rest.is_empty() {
            out.total = parse_cpu_fields(f);
        } else if let Ok(n) = rest.parse::<u32>() {
            out.cores.push((n, parse_cpu_fields(f)));
        }
    }
    out
}

/// The memory and swap figures of `/proc/meminfo`, in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemInfo {
    pub total: u64,
    pub available: u64,
    pub swap_total: u64,
    pub swap_free: u64,
}

/// Parses `/proc/meminfo`. Without `MemAvailable` (kernels before 3.14)
/// available memory is estimated as free + buffers + cache + reclaimable
/// slab − shared memory.
pub fn parse_meminfo(text: &str) -> MemInfo {
    let (mut free, mut buffers, mut cached, mut sreclaimable, mut shmem) = (0, 0, 0, 0, 0);
    let mut available = None;
    let mut m = MemInfo::default();
    for line in text.lines() {
        let Some((key, rest)) = line.split_once(':') else {
            continue;
        };
        let kib: u64 = rest
            .split_ascii_whitespace()
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let bytes = kib.saturating_mul(1024);
        match key {
            "MemTotal" => m.total = bytes,
            "MemFree" => free = bytes,
            "MemAvailable" => available = Some(bytes),
            "Buffers" => buffers = bytes,
            "Cached" => cached = bytes,
            "Shmem" => shmem = bytes,
            "SReclaimable" => sreclaimable = bytes,
            "SwapTotal" => m.swap_total = bytes,
            "SwapFree" => m.swap_free = bytes,
            _ => {}
        }
    }
    m.available =
        available.unwrap_or_else(|| (free + buffers + cached + sreclaimable).saturating_sub(shmem));
    m
}

/// Parses `/proc/loadavg`: the 1, 5 and 15 minute averages.
pub fn parse_loadavg(text: &str) -> Option<[f64; 3]> {
    let mut f = text.split_ascii_whitespace().map(|v| v.parse::<f64>().ok());
    Some([f.next()??, f.next()??, f.next()??])
}

/// Parses `/proc/uptime`: whole seconds since boot.
pub fn parse_uptime(text: &str) -> Option<u64> {
    let secs: f64 = text.split_ascii_whitespace().next()?.parse().ok()?;
    Some(secs as u64)
}

/// Cumulative counters of one network interface.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetDev {
    pub interface: String,
    pub rx_bytes: u64,
    pub rx_packets: u64,
    pub rx_errors: u64,
    pub tx_bytes: u64,
    pub tx_packets: u64,
    pub tx_errors: u64,
}

/// Parses `/proc/net/dev`, sorted by interface name.
pub fn parse_net_dev(text: &str) -> Vec<NetDev> {
    let mut out: Vec<NetDev> = text
        .lines()
        .filter_map(|line| {
            let (name, counters) = line.split_once(':')?;
            let f: Vec<u64> = counters
                .split_ascii_whitespace()
                .map(|v| v.parse().ok())
                .collect::<Option<_>>()?;
            if f.len() < 16 {
                return None;
            }
            Some(NetDev {
                interface: name.trim().to_owned(),
                rx_bytes: f[0],
                rx_packets: f[1],
                rx_errors: f[2],
                tx_bytes: f[8],
                tx_packets: f[9],
                tx_errors: f[10],
            })
        })
        .collect();
    out.sort_by(|a, b| a.interface.cmp(&b.interface));
    out
}

/// Cumulative I/O counters of one block device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiskStat {
    pub device: String,
    pub reads_completed: u64,
    pub read_bytes: u64,
    pub writes_completed: u64,
    pub written_bytes: u64,
    pub io_time_ms: u64,
}

/// Parses `/proc/diskstats`, whole disks only (no partitions, loop, ram).
pub fn parse_diskstats(text: &str) -> Vec<DiskStat> {
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 14 {
                return None;
            }
            let name = f[2];
            if !is_whole_disk(name) {
                return None;
            }
            let n = |i: usize| f[i].parse::<u64>().ok();
            Some(DiskStat {
                device: name.to_owned(),
                reads_completed: n(3)?,
                read_bytes: n(5)?.saturating_mul(512),
                writes_completed: n(7)?,
                written_bytes: n(9)?.saturating_mul(512),
                io_time_ms: n(12)?,
            })
        })
        .collect()
}

fn is_whole_disk(name: &str) -> bool {
    if ["loop", "ram", "zram", "fd"].iter().any(|p| {
        name.strip_prefix(p)
            .is_some_and(|rest| rest.bytes().all(|c| c.is_ascii_digit()))
    }) {
        return false;
    }
    let digits_at_end = name.len() - name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    // sda1, vdb2, xvda1, hda3: a letter-named disk followed by digits.
    for p in ["sd", "vd", "xvd", "hd"] {
        if let Some(rest) = name.strip_prefix(p) {
            if digits_at_end > 0
                && rest[..rest.len() - digits_at_end]
                    .bytes()
                    .all(|c| c.is_ascii_lowercase())
            {
                return false;
            }
        }
    }
    // nvme0n1p2, mmcblk0p1
    if name.starts_with("nvme") || name.starts_with("mmcblk") {
        if let Some(p) = name.rfind('p') {
            let (before, after) = (&name[..p], &name[p + 1..]);
            if !after.is_empty()
                && after.bytes().all(|c| c.is_ascii_digit())
                && before.bytes().last().is_some_and(|c| c.is_ascii_digit())
            {
                return false;
            }
        }
    }
    true
}

/// A login session from utmp.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub user: String,
    pub terminal: String,
    pub since_ms: Option<i64>,
}

/// glibc's `struct utmp` on Linux (x86_64, aarch64 and friends).
const UTMP_SIZE: usize = 384;
const USER_PROCESS: i32 = 7;

/// Parses the binary utmp file (`/run/utmp`): user sessions only.
pub fn parse_utmp(bytes: &[u8]) -> Vec<Session> {
    let field = |rec: &[u8], at: usize, len: usize| {
        let raw = &rec[at..at + len];
        let end = raw.iter().position(|b| *b == 0).unwrap_or(len);
        String::from_utf8_lossy(&raw[..end]).into_owned()
    };
    let i32_at = |rec: &[u8], at: usize| {
        let mut b = [0u8; 4];
        b.copy_from_slice(&rec[at..at + 4]);
        i32::from_ne_bytes(b)
    };
    bytes
        .chunks_exact(UTMP_SIZE)
        .filter(|rec| i32_at(rec, 0) == USER_PROCESS)
        .filter_map(|rec| {
            let user = field(rec, 44, 32);
            if user.is_empty() {
                return None;
            }
            let secs = i32_at(rec, 340);
            Some(Session {
                user,
                terminal: field(rec, 8, 32),
                since_ms: (secs > 0).then(|| i64::from(secs) * 1000),
            })
        })
        .collect()
}

/// Reads login sessions; none when there is no utmp (containers).
pub fn read_sessions() -> Vec<Session> {
    for p in ["/run/utmp", "/var/run/utmp"] {
        if let Ok(bytes) = std::fs::read(p) {
            return parse_utmp(&bytes);
        }
    }
    Vec::new()
}

/// Number of processes (numeric entries of /proc).
pub fn process_count(proc_root: &Path) -> Option<u64> {
    let rd = std::fs::read_dir(proc_root).ok()?;
    Some(
        rd.filter_map(Result::ok)
            .filter(|e| {
                e.file_name()
                    .to_str()
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()))
            })
            .count() as u64,
    )
}

/// `PF_KTHREAD` in the flags of `/proc/<pid>/stat`.
const PF_KTHREAD: u64 = 0x0020_0000;

/// What the inventory needs of one process, from `/proc/<pid>/stat`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcStat {
    /// The kernel's short name (`comm`).
    pub name: String,
    /// utime + stime, in clock ticks.
    pub cpu_ticks: u64,
    /// Resident set, in pages.
    pub rss_pages: u64,
    pub kernel_thread: bool,
}

/// Parses `/proc/<pid>/stat`. The name may hold spaces and parentheses, so
/// the fields are counted from the last `)`.
pub fn parse_pid_stat(text: &str) -> Option<ProcStat> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let name = text.get(open + 1..close)?.to_owned();
    // Fields after the name, starting with field 3 (state).
    let f: Vec<&str> = text.get(close + 1..)?.split_ascii_whitespace().collect();
    let n = |field: usize| f.get(field - 3)?.parse::<u64>().ok();
    Some(ProcStat {
        name,
        cpu_ticks: n(14)?.saturating_add(n(15)?),
        rss_pages: n(24)?,
        kernel_thread: n(9)? & PF_KTHREAD != 0,
    })
}

/// Every process's stat (kernel threads included; the caller filters).
pub fn read_processes(proc_root: &Path) -> HashMap<u32, ProcStat> {
    let Ok(rd) = std::fs::read_dir(proc_root) else {
        return HashMap::new();
    };
    let mut buf = String::with_capacity(512);
    let mut out = HashMap::new();
    for e in rd.filter_map(Result::ok) {
        let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        buf.clear();
        let path = e.path().join("stat");
        let read = std::fs::File::open(&path)
            .and_then(|mut f| std::io::Read::read_to_string(&mut f, &mut buf));
        if read.is_err() {
            // Gone in between: not a process any more.
            continue;
        }
        if let Some(st) = parse_pid_stat(&buf) {
            out.insert(pid, st);
        }
    }
    out
}

/// The real user id of a process, from `/proc/<pid>/status`.
pub fn read_uid(proc_root: &Path, pid: u32) -> Option<u32> {
    let text = std::fs::read_to_string(proc_root.join(pid.to_string()).join("status")).ok()?;
    parse_status_uid(&text)
}

/// The real uid from the `Uid:` line of a `status` file.
pub fn parse_status_uid(text: &str) -> Option<u32> {
    text.lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_ascii_whitespace()
        .next()?
        .parse()
        .ok()
}

/// User names by uid, from an `/etc/passwd` text, for the uids asked.
pub fn parse_passwd(text: &str, uids: &[u32]) -> HashMap<u32, String> {
    text.lines()
        .filter_map(|line| {
            let mut f = line.split(':');
            let name = f.next()?;
            let uid: u32 = f.nth(1)?.parse().ok()?;
            (!name.is_empty() && uids.contains(&uid)).then(|| (uid, name.to_owned()))
        })
        .collect()
}

/// A process's command line, arguments joined by spaces, capped in length.
pub fn read_cmdline(pid: u32, max_len: usize) -> Option<String> {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let raw = &raw[..raw.len().min(max_len)];
    let text: String = raw
        .split(|b| *b == 0)
        .filter(|a| !a.is_empty())
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mounts_skip_pseudo_filesystems() {
        let text = "\
sysfs /sys sysfs rw 0 0
proc /proc proc rw 0 0
/dev/sda1 / ext4 rw 0 0
tmpfs /run tmpfs rw 0 0
cgroup2 /sys/fs/cgroup cgroup2 rw 0 0
/dev/sdb1 /mnt/my\\040disk xfs rw 0 0
server:/export /mnt/nfs nfs4 rw 0 0
overlay /var/lib/docker/overlay2/x/merged overlay rw 0 0
/dev/sda2 /srv ext4 rw 0 0
/dev/sda3 /srv ext4 rw 0 0
";
        let m = parse_mounts(text);
        let points: Vec<&str> = m.iter().map(|m| m.mount_point.as_str()).collect();
        assert_eq!(
            points,
            vec!["/", "/run", "/mnt/my disk", "/mnt/nfs", "/srv"]
        );
        assert_eq!(m.last().unwrap().device, "/dev/sda3");
    }

    #[test]
    fn diskstats_whole_disks_only() {
        let text = "\
   8       0 sda 100 0 2000 50 10 0 400 5 0 60 55 0 0 0 0
   8       1 sda1 90 0 1800 40 10 0 400 5 0 50 45 0 0 0 0
   7       0 loop0 5 0 10 0 0 0 0 0 0 0 0 0 0 0 0
 259       0 nvme0n1 7 0 16 1 3 0 8 1 0 2 2
 259       1 nvme0n1p1 7 0 16 1 3 0 8 1 0 2 2
 253       0 dm-0 1 0 8 0 1 0 8 0 0 1 1
";
        let d = parse_diskstats(text);
        let names: Vec<&str> = d.iter().map(|d| d.device.as_str()).collect();
        assert_eq!(names, vec!["sda", "nvme0n1", "dm-0"]);
        assert_eq!(d[0].read_bytes, 2000 * 512);
        assert_eq!(d[0].written_bytes, 400 * 512);
        assert_eq!(d[0].io_time_ms, 60);
    }

    #[test]
    fn utmp_user_sessions() {
        let mut rec = vec![0u8; UTMP_SIZE];
        rec[0..4].copy_from_slice(&USER_PROCESS.to_ne_bytes());
        rec[8..13].copy_from_slice(b"pts/0");
        rec[44..49].copy_from_slice(b"alice");
        rec[340..344].copy_from_slice(&1_700_000_000i32.to_ne_bytes());
        let mut boot = vec![0u8; UTMP_SIZE];
        boot[0..4].copy_from_slice(&2i32.to_ne_bytes());
        let mut bytes = boot;
        bytes.extend_from_slice(&rec);
        bytes.extend_from_slice(&[1, 2, 3]); // a torn tail is ignored
        assert_eq!(
            parse_utmp(&bytes),
            vec![Session {
                user: "alice".into(),
                terminal: "pts/0".into(),
                since_ms: Some(1_700_000_000_000),
            }]
        );
    }

    #[test]
    fn stat_cpu_lines() {
        let text = "\
cpu  100 10 50 800 20 5 5 10 30 0
cpu0 60 5 25 400 10 3 2 5 30 0
cpu1 40 5 25 400 10 2 3 5 0 0
intr 12345 0 0
ctxt 999
";
        let s = parse_stat(text);
        // busy = (100-30) + 10 + 50 + 5 + 5 = 140; total = 140+800+20+10+30 = 1000
        assert_eq!(
            s.total,
            CpuTimes {
                busy: 140,
                total: 1000
            }
        );
        assert_eq!(s.cores.len(), 2);
        assert_eq!(s.cores[1].0, 1);
        let later = CpuTimes {
            busy: 190,
            total: 1100,
        };
        assert!((later.usage_since(&s.total) - 50.0).abs() < 1e-9);
        assert_eq!(s.total.usage_since(&s.total), 0.0);
    }

    #[test]
    fn meminfo_and_fallback() {
        let text = "\
MemTotal:        2000 kB
MemFree:          500 kB
MemAvailable:    1200 kB
Buffers:          100 kB
Cached:           300 kB
SwapTotal:       1024 kB
SwapFree:         512 kB
";
        let m = parse_meminfo(text);
        assert_eq!(m.total, 2000 * 1024);
        assert_eq!(m.available, 1200 * 1024);
        assert_eq!(m.swap_free, 512 * 1024);
        let old = text.replace("MemAvailable:    1200 kB\n", "");
        assert_eq!(parse_meminfo(&old).available, 900 * 1024);
    }

    #[test]
    fn load_and_uptime() {
        assert_eq!(
            parse_loadavg("0.52 1.10 2.00 3/456 7890\n"),
            Some([0.52, 1.10, 2.00])
        );
        assert_eq!(parse_loadavg("x"), None);
        assert_eq!(parse_uptime("12345.67 2345.00\n"), Some(12345));
    }

    #[test]
    fn net_dev_interfaces() {
        let text = "\
Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
  eth0: 1000 10 1 0 0 0 0 0 2000 20 2 0 0 0 0 0
    lo:  500  5 0 0 0 0 0 0  500  5 0 0 0 0 0 0
";
        let d = parse_net_dev(text);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].interface, "eth0");
        assert_eq!(
            (d[0].rx_bytes, d[0].rx_packets, d[0].rx_errors),
            (1000, 10, 1)
        );
        assert_eq!(
            (d[0].tx_bytes, d[0].tx_packets, d[0].tx_errors),
            (2000, 20, 2)
        );
        assert_eq!(d[1].interface, "lo");
    }

    #[test]
    fn pid_stat_with_odd_names() {
        let text = "42 (my (odd) name) S 1 42 42 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 1 0 100 1000000 250 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";
        let s = parse_pid_stat(text).unwrap();
        assert_eq!(s.name, "my (odd) name");
        assert_eq!(s.cpu_ticks, 10);
        assert_eq!(s.rss_pages, 250);
        assert!(!s.kernel_thread);
        let kthread = "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
        assert!(parse_pid_stat(kthread).unwrap().kernel_thread);
        assert_eq!(parse_pid_stat("1 (x) S"), None);
    }

    #[test]
    fn uid_and_passwd() {
        assert_eq!(
            parse_status_uid("Name:\tx\nUid:\t1000\t1000\t1000\t1000\n"),
            Some(1000)
        );
        let passwd = "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n";
        let names = parse_passwd(passwd, &[1000, 7]);
        assert_eq!(names.len(), 1);
        assert_eq!(names[&1000], "alice");
    }

    #[test]
    fn own_process_is_read() {
        let all = read_processes(Path::new("/proc"));
        let me = all.get(&std::process::id()).expect("own process listed");
        assert!(!me.kernel_thread);
        assert!(me.rss_pages > 0);
        assert!(read_uid(Path::new("/proc"), std::process::id()).is_some());
    }

    #[test]
    fn process_count_and_cmdline_of_self() {
        assert!(process_count(Path::new("/proc")).unwrap() >= 1);
        let me = std::process::id();
        assert!(read_cmdline(me, 4096).is_some());
        assert!(read_cmdline(me, 3).unwrap().len() <= 3);
    }
}
