//! Who may do what: roles, the permission table, passwords and tokens.
//!
//! [`decide`] is the one place a permission is checked; the HTTP layer calls
//! it from a single route layer built from the route table.

pub mod password;
pub mod token;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Operator,
    PrivacyOfficer,
    Support,
    Auditor,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Operator,
        Role::PrivacyOfficer,
        Role::Support,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operator => "operator",
            Role::PrivacyOfficer => "privacy_officer",
            Role::Support => "support",
            Role::Auditor => "auditor",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown role {0:?} (admin, operator, privacy_officer, support, auditor)")]
pub struct UnknownRole(String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// What a route needs. Every admin route declares exactly one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Permission {
    /// No authentication (login, health).
    Public,
    /// Any signed-in user (logout, who am I, one's own API tokens).
    SignedIn,
    /// Hosts and their metrics (host-group scope applies).
    HostsRead,
    /// Configuration changes (host-group scope applies).
    ChangesRead,
    AgentsManage,
    UsersRead,
    UsersManage,
    /// Host groups: create, delete, membership of hosts and users.
    HostGroupsManage,
    /// Every user's API tokens, not only one's own.
    ApiTokensAll,
    AuditRead,
    /// Support bundles: list, details, redacted files (quarantined ones:
    /// admins only, decided in the handler).
    SupportRead,
    /// Unredacted support files; the handler also requires an admin's
    /// time-limited grant for the bundle.
    SupportRawRead,
    /// Release quarantined bundles, grant raw access.
    SupportManage,
}

impl Permission {
    pub const ALL: [Permission; 13] = [
        Permission::Public,
        Permission::SignedIn,
        Permission::HostsRead,
        Permission::ChangesRead,
        Permission::AgentsManage,
        Permission::UsersRead,
        Permission::UsersManage,
        Permission::HostGroupsManage,
        Permission::ApiTokensAll,
        Permission::AuditRead,
        Permission::SupportRead,
        Permission::SupportRawRead,
        Permission::SupportManage,
    ];
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Deny,
}

/// The permission table.
pub fn decide(role: Role, permission: Permission) -> Decision {
    use Permission::*;
    use Role::*;
    let allowed = match permission {
        Public | SignedIn => true,
        HostsRead | ChangesRead => matches!(role, Admin | Operator),
        AgentsManage | UsersRead | UsersManage | HostGroupsManage | ApiTokensAll => role == Admin,
        AuditRead => matches!(role, Admin | Auditor),
        SupportRead | SupportRawRead => matches!(role, Admin | Support),
        SupportManage => role == Admin,
    };
    if allowed {
        Decision::Allow
    } else {
        Decision::Deny
    }
}

/// Roles whose grant needs a second admin's approval (two-person rule).
pub fn grant_needs_approval(role: Role) -> bool {
    matches!(role, Role::Admin | Role::PrivacyOfficer)
}

/// Which hosts a caller may see. A user in no host group sees all hosts;
/// a user in one or more groups sees only the hosts of those groups, and
/// any other host does not exist for them (404, not 403).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostScope {
    All,
    Only(std::collections::BTreeSet<String>),
}

impl HostScope {
    pub fn allows(&self, host: &str) -> bool {
        match self {
            HostScope::All => true,
            HostScope::Only(hosts) => hosts.contains(host),
        }
    }

    /// The host ids to filter a list by; `None` means no filter.
    pub fn filter(&self) -> Option<Vec<String>> {
        match self {
            HostScope::All => None,
            HostScope::Only(hosts) => Some(hosts.iter().cloned().collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_by_name() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn least_privilege_holds() {
        assert_eq!(
            decide(Role::Operator, Permission::AuditRead),
            Decision::Deny
        );
        assert_eq!(decide(Role::Support, Permission::AuditRead), Decision::Deny);
        assert_eq!(
            decide(Role::Auditor, Permission::AuditRead),
            Decision::Allow
        );
        assert_eq!(
            decide(Role::Operator, Permission::UsersRead),
            Decision::Deny
        );
        assert_eq!(decide(Role::Auditor, Permission::HostsRead), Decision::Deny);
        assert_eq!(
            decide(Role::Admin, Permission::UsersManage),
            Decision::Allow
        );
    }

    #[test]
    fn scope_filters() {
        let only = HostScope::Only(["a".to_owned()].into());
        assert!(only.allows("a") && !only.allows("b"));
        assert!(HostScope::All.allows("b"));
        assert_eq!(HostScope::All.filter(), None);
        assert_eq!(only.filter(), Some(vec!["a".to_owned()]));
    }
}
