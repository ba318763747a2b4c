//! The authorization analyses (builtin rules of the authz pack).

use secreview_rules::CompiledRule;
use secreview_rules::data::AuthzNames;
use secreview_syntax::ParsedFile;

use crate::emit::Hit;
use crate::file::FileCtx;

pub(crate) const ANALYSES: &[&str] = &[
    "authz.ownership",
    "authz.authentication",
    "authz.user-id-from-request",
    "authz.guard-removed",
    "authz.permission-weakened",
    "authz.mass-assignment",
];

pub(crate) struct Names {}

impl Names {
    pub fn new(_n: &AuthzNames) -> Self {
        Names {}
    }
}

pub(crate) fn run(
    _names: &Names,
    _rules: &[(usize, &CompiledRule)],
    _ctx: &FileCtx<'_>,
    _parsed: &ParsedFile,
    _hits: &mut Vec<(usize, Hit)>,
) {
}
