//! What detectors report: a byte span of a line and what it is.

use super::token::Kind;

/// What a span is: a built-in kind or the custom pattern at an index of the
/// config's `custom_patterns`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Label {
    Kind(Kind),
    Custom(usize),
}

/// A span `start..end` (bytes) of one line to replace with a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Finding {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) label: Label,
    /// Found where only a person stands (a chat's speaker column), so the
    /// people memory keeps it even when its shape does not say so.
    pub(crate) speaker: bool,
}

impl Finding {
    pub(crate) fn new(start: usize, end: usize, kind: Kind) -> Self {
        Finding {
            start,
            end,
            label: Label::Kind(kind),
            speaker: false,
        }
    }

    /// A login found where only a person stands (see [`Finding::speaker`]).
    pub(crate) fn speaker(start: usize, end: usize) -> Self {
        Finding {
            speaker: true,
            ..Finding::new(start, end, Kind::Username)
        }
    }

    pub(crate) fn kind(&self) -> Option<Kind> {
        match self.label {
            Label::Kind(k) => Some(k),
            Label::Custom(_) => None,
        }
    }

    /// Higher wins when two findings start at the same byte.
    pub(crate) fn priority(&self) -> u8 {
        match self.label {
            Label::Kind(Kind::PrivateKey) => 9,
            Label::Custom(_) => 8,
            Label::Kind(Kind::UrlPassword | Kind::Jwt | Kind::AwsKeyId | Kind::Token) => 7,
            Label::Kind(Kind::Secret | Kind::AwsSecret) => 6,
            Label::Kind(Kind::Email) => 5,
            Label::Kind(Kind::Username | Kind::Hostname) => 4,
            Label::Kind(_) => 3,
        }
    }
}
