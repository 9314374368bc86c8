//! Inventory, every `inventory_interval_seconds`: logged-in users and the
//! top processes by CPU and by memory, with their owners.
//!
//! Privacy at the source: usernames are collected, pseudonymized (a keyed
//! redaction token, stable per user on this host) or dropped; command lines
//! are redacted (default), dropped or collected, per config.
//!
//! Footprint: the process table is sampled twice one second apart (CPU
//! usage is a difference), one `/proc/<pid>/stat` read per process; only
//! pid → CPU time is kept between the two samples, and nothing after the
//! inventory. Owners (`/proc/<pid>/status`, `/etc/passwd`) and command
//! lines are read only for the processes reported.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use vigil_shared::redact::token::Kind;
use vigil_shared::redact::{Redactor, Report};
use vigil_shared::wire::{Inventory, LoggedInUser, ProcessInfo, UserName};

use super::guard::{GuardError, Guarded};
use super::procfs::{self, ProcStat};
use crate::config::{CmdlinePolicy, UsernamePolicy};

/// Longest command line kept (bytes), before redaction.
const MAX_CMDLINE_BYTES: usize = 4096;
/// Time between the two process samples.
const CPU_SAMPLE_WINDOW: Duration = Duration::from_secs(1);

/// Applies the privacy policy to names and command lines.
#[derive(Clone)]
pub struct Privacy {
    pub usernames: UsernamePolicy,
    pub cmdlines: CmdlinePolicy,
    pub redactor: Arc<Redactor>,
}

impl Privacy {
    pub fn user(&self, name: &str) -> Option<UserName> {
        match self.usernames {
            UsernamePolicy::Collect => Some(UserName::Clear(name.to_owned())),
            UsernamePolicy::Pseudonymize => Some(UserName::Pseudonym(
                self.redactor.token(Kind::Username, name),
            )),
            UsernamePolicy::Drop => None,
        }
    }

    pub fn cmdline(&self, cmdline: Option<String>) -> Option<String> {
        let c = cmdline?;
        match self.cmdlines {
            CmdlinePolicy::Collect => Some(c),
            CmdlinePolicy::Drop => None,
            CmdlinePolicy::Redact => Some(self.redactor.redact_text(&c, &mut Report::default())),
        }
    }
}

pub struct InventoryCollector {
    top: usize,
    privacy: Privacy,
    /// CPU time per pid at the first sample, and when it was taken.
    procs: Guarded<Option<(Instant, HashMap<u32, u64>)>>,
}

/// Clock ticks per second and page size, as the kernel reports them.
struct Units {
    ticks_per_second: f64,
    page_size: u64,
}

impl Units {
    fn get() -> Units {
        use nix::unistd::{sysconf, SysconfVar};
        let val = |v: SysconfVar, default: libc::c_long| match sysconf(v) {
            Ok(Some(n)) if n > 0 => n,
            _ => default,
        };
        Units {
            ticks_per_second: val(SysconfVar::CLK_TCK, 100) as f64,
            page_size: val(SysconfVar::PAGE_SIZE, 4096) as u64,
        }
    }
}

impl InventoryCollector {
    pub fn new(top: usize, privacy: Privacy, timeout: Duration) -> Self {
        InventoryCollector {
            top,
            privacy,
            procs: Guarded::new(None, timeout),
        }
    }

    /// Takes one inventory (about one second: two process samples).
    pub async fn collect(&self, ts_ms: i64) -> Result<Inventory, GuardError> {
        self.procs
            .run(|slot| {
                let ticks = procfs::read_processes(Path::new("/proc"))
                    .into_iter()
                    .map(|(pid, st)| (pid, st.cpu_ticks))
                    .collect();
                *slot = Some((Instant::now(), ticks));
            })
            .await?;
        tokio::time::sleep(CPU_SAMPLE_WINDOW).await;
        let top = self.top;
        let privacy = self.privacy.clone();
        self.procs
            .run(move |slot| {
                let Some((then, before)) = slot.take() else {
                    return Inventory {
                        ts_ms,
                        users: Vec::new(),
                        processes: Vec::new(),
                    };
                };
                let now = procfs::read_processes(Path::new("/proc"));
                let elapsed = then.elapsed().as_secs_f64().max(0.001);
                let processes = top_processes(now, &before, elapsed, top, &privacy);
                let users = if privacy.usernames == UsernamePolicy::Drop {
                    Vec::new()
                } else {
                    procfs::read_sessions()
                        .into_iter()
                        .filter_map(|s| {
                            Some(LoggedInUser {
                                user: privacy.user(&s.user)?,
                                terminal: Some(s.terminal).filter(|t| !t.is_empty()),
                                since_ms: s.since_ms,
                            })
                        })
                        .collect()
                };
                Inventory {
                    ts_ms,
                    users,
                    processes,
                }
            })
            .await
    }
}

/// One candidate for the report.
struct Candidate {
    pid: u32,
    stat: ProcStat,
    cpu_percent: f32,
    memory_bytes: u64,
}

/// The `top` processes by CPU over the window and the `top` by resident
/// memory (kernel threads left out), with owners and command lines per
/// the privacy policy. CPU is in percent of one core, so it can exceed 100
/// on several cores; a process started during the window counts all its
/// CPU time.
fn top_processes(
    now: HashMap<u32, ProcStat>,
    before: &HashMap<u32, u64>,
    elapsed_secs: f64,
    top: usize,
    privacy: &Privacy,
) -> Vec<ProcessInfo> {
    let units = Units::get();
    let procs: Vec<Candidate> = now
        .into_iter()
        .filter(|(_, st)| !st.kernel_thread)
        .map(|(pid, stat)| {
            let used = stat
                .cpu_ticks
                .saturating_sub(before.get(&pid).copied().unwrap_or(0));
            Candidate {
                pid,
                cpu_percent: (used as f64 / units.ticks_per_second / elapsed_secs * 100.0) as f32,
                memory_bytes: stat.rss_pages.saturating_mul(units.page_size),
                stat,
            }
        })
        .collect();
    let mut by_cpu: Vec<usize> = (0..procs.len()).collect();
    by_cpu.sort_by(|a, b| procs[*b].cpu_percent.total_cmp(&procs[*a].cpu_percent));
    let mut by_mem: Vec<usize> = (0..procs.len()).collect();
    by_mem.sort_by_key(|i| std::cmp::Reverse(procs[*i].memory_bytes));
    let mut chosen: Vec<usize> = by_cpu.into_iter().take(top).collect();
    for i in by_mem.into_iter().take(top) {
        if !chosen.contains(&i) {
            chosen.push(i);
        }
    }
    let proc_root = Path::new("/proc");
    let uids: Vec<Option<u32>> = chosen
        .iter()
        .map(|i| {
            if privacy.usernames == UsernamePolicy::Drop {
                None
            } else {
                procfs::read_uid(proc_root, procs[*i].pid)
            }
        })
        .collect();
    let wanted: Vec<u32> = uids.iter().flatten().copied().collect();
    let names = if wanted.is_empty() {
        HashMap::new()
    } else {
        std::fs::read_to_string("/etc/passwd")
            .map(|t| procfs::parse_passwd(&t, &wanted))
            .unwrap_or_default()
    };
    chosen
        .into_iter()
        .zip(uids)
        .map(|(i, uid)| {
            let p = &procs[i];
            let user = uid
                .and_then(|uid| names.get(&uid))
                .and_then(|name| privacy.user(name));
            let cmdline = if privacy.cmdlines == CmdlinePolicy::Drop {
                None
            } else {
                privacy.cmdline(procfs::read_cmdline(p.pid, MAX_CMDLINE_BYTES))
            };
            ProcessInfo {
                pid: p.pid,
                name: p.stat.name.clone(),
                user,
                cmdline,
                cpu_percent: p.cpu_percent,
                memory_bytes: p.memory_bytes,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigil_shared::redact::{RedactConfig, ScopeKey};

    fn privacy(usernames: UsernamePolicy, cmdlines: CmdlinePolicy) -> Privacy {
        Privacy {
            usernames,
            cmdlines,
            redactor: Arc::new(
                Redactor::new(ScopeKey::from_bytes([3; 32]), &RedactConfig::default()).unwrap(),
            ),
        }
    }

    #[test]
    fn username_policies() {
        let p = privacy(UsernamePolicy::Pseudonymize, CmdlinePolicy::Redact);
        let a = p.user("alice").unwrap();
        assert_eq!(a, p.user("alice").unwrap(), "stable");
        assert_ne!(a, p.user("bob").unwrap());
        match a {
            UserName::Pseudonym(t) => assert!(!t.contains("alice"), "{t}"),
            other => panic!("{other:?}"),
        }
        let p = privacy(UsernamePolicy::Collect, CmdlinePolicy::Redact);
        assert_eq!(p.user("alice"), Some(UserName::Clear("alice".into())));
        let p = privacy(UsernamePolicy::Drop, CmdlinePolicy::Redact);
        assert_eq!(p.user("alice"), None);
    }

    #[test]
    fn cmdline_policies() {
        let line = Some("mysql --password=hunter2 -u root".to_owned());
        let p = privacy(UsernamePolicy::Drop, CmdlinePolicy::Drop);
        assert_eq!(p.cmdline(line.clone()), None);
        let p = privacy(UsernamePolicy::Drop, CmdlinePolicy::Collect);
        assert_eq!(p.cmdline(line.clone()), line);
        let p = privacy(UsernamePolicy::Drop, CmdlinePolicy::Redact);
        let red = p.cmdline(line).unwrap();
        assert!(!red.contains("hunter2"), "{red}");
        assert!(red.starts_with("mysql"), "{red}");
    }

    #[tokio::test]
    async fn inventory_lists_top_processes_with_policy_applied() {
        let c = InventoryCollector::new(
            5,
            privacy(UsernamePolicy::Pseudonymize, CmdlinePolicy::Redact),
            Duration::from_secs(20),
        );
        let inv = c.collect(42).await.unwrap();
        assert_eq!(inv.ts_ms, 42);
        assert!(!inv.processes.is_empty() && inv.processes.len() <= 10);
        for p in &inv.processes {
            assert!(!matches!(p.user, Some(UserName::Clear(_))), "{p:?}");
        }
        for u in &inv.users {
            assert!(matches!(u.user, UserName::Pseudonym(_)));
        }
    }
}
