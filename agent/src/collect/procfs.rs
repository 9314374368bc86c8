//! Small readers for what sysinfo does not cover (or covers at a higher
//! cost): mounts, disk I/O counters, login sessions, process count.
//! Parsers are pure functions over text or bytes, tested below.

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
    fn process_count_and_cmdline_of_self() {
        assert!(process_count(Path::new("/proc")).unwrap() >= 1);
        let me = std::process::id();
        assert!(read_cmdline(me, 4096).is_some());
        assert!(read_cmdline(me, 3).unwrap().len() <= 3);
    }
}
