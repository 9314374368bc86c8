//! Inventory, every `inventory_interval_seconds`: logged-in users and the
//! top processes by CPU and by memory, with their owners.
//!
//! Privacy at the source: usernames are collected, pseudonymized (a keyed
//! redaction token, stable per user on this host) or dropped; command lines
//! are redacted (default), dropped or collected, per config.
//!
//! Footprint: the process table is sampled twice one second apart (CPU
//! usage is a difference) and dropped afterwards, so nothing of it stays in
//! memory between inventories. Command lines are read only for the
//! processes reported.

use std::sync::Arc;
use std::time::Duration;

use sysinfo::{ProcessRefreshKind, ProcessesToUpdate, System, UpdateKind, Users};
use vigil_shared::redact::token::Kind;
use vigil_shared::redact::{Redactor, Report};
use vigil_shared::wire::{Inventory, LoggedInUser, ProcessInfo, UserName};

use super::guard::{GuardError, Guarded};
use super::procfs;
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
    procs: Guarded<Option<System>>,
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
                let mut sys = System::new();
                refresh(&mut sys);
                *slot = Some(sys);
            })
            .await?;
        tokio::time::sleep(CPU_SAMPLE_WINDOW.max(sysinfo::MINIMUM_CPU_UPDATE_INTERVAL)).await;
        let top = self.top;
        let privacy = self.privacy.clone();
        self.procs
            .run(move |slot| {
                let Some(mut sys) = slot.take() else {
                    return Inventory {
                        ts_ms,
                        users: Vec::new(),
                        processes: Vec::new(),
                    };
                };
                refresh(&mut sys);
                let processes = top_processes(&sys, top, &privacy);
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

fn refresh(sys: &mut System) {
    sys.refresh_processes_specifics(
        ProcessesToUpdate::All,
        true,
        ProcessRefreshKind::nothing()
            .with_cpu()
            .with_memory()
            .with_user(UpdateKind::OnlyIfNotSet),
    );
}

fn top_processes(sys: &System, top: usize, privacy: &Privacy) -> Vec<ProcessInfo> {
    let procs: Vec<_> = sys
        .processes()
        .values()
        .filter(|p| p.thread_kind().is_none())
        .collect();
    let mut by_cpu = procs.clone();
    by_cpu.sort_by(|a, b| b.cpu_usage().total_cmp(&a.cpu_usage()));
    let mut by_mem = procs;
    by_mem.sort_by_key(|p| std::cmp::Reverse(p.memory()));
    let mut chosen: Vec<_> = by_cpu.into_iter().take(top).collect();
    for p in by_mem.into_iter().take(top) {
        if !chosen.iter().any(|c| c.pid() == p.pid()) {
            chosen.push(p);
        }
    }
    let users = if privacy.usernames == UsernamePolicy::Drop {
        None
    } else {
        Some(Users::new_with_refreshed_list())
    };
    chosen
        .into_iter()
        .map(|p| {
            let pid = p.pid().as_u32();
            let user = users.as_ref().and_then(|u| {
                let uid = p.user_id()?;
                let name = u.get_user_by_id(uid)?.name().to_owned();
                privacy.user(&name)
            });
            let cmdline = if privacy.cmdlines == CmdlinePolicy::Drop {
                None
            } else {
                privacy.cmdline(procfs::read_cmdline(pid, MAX_CMDLINE_BYTES))
            };
            ProcessInfo {
                pid,
                name: p.name().to_string_lossy().into_owned(),
                user,
                cmdline,
                cpu_percent: p.cpu_usage(),
                memory_bytes: p.memory(),
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
