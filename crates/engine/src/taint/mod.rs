//! The `taint` matcher: intra-procedural data flow from sources to sinks (see `rules/injection/_<lang>.toml`).

use secreview_rules::CompiledRule;
use secreview_rules::data::TaintTable;
use secreview_syntax::{Lang, ParsedFile};

use crate::EngineError;
use crate::emit::Hit;
use crate::file::FileCtx;

/// The compiled taint tables of one language.
pub(crate) struct Tables {
    #[allow(dead_code)]
    lang: Lang,
}

impl Tables {
    pub fn new(lang: Lang, _table: &TaintTable) -> Result<Self, EngineError> {
        Ok(Tables { lang })
    }
}

pub(crate) fn run(
    _tables: &Tables,
    _rules: &[(usize, &CompiledRule)],
    _ctx: &FileCtx<'_>,
    _parsed: &ParsedFile,
    _hits: &mut Vec<(usize, Hit)>,
) {
}
