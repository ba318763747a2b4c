//! Command-line arguments (clap derive). Values here are raw; `scan::Settings` validates and merges them with the
//! config file.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "secreview",
    version,
    about = "Diff-aware security review: broken access control, injection and secrets in what your branch changed",
    after_help = "Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage or runtime error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once per process: the size difference between the variants costs nothing worth a `Box`.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan what changed (default: the current branch against its merge-base with the default base).
    Scan(ScanArgs),
    /// Write the current findings' fingerprints to a baseline file, so later scans report only new ones.
    Baseline(BaselineArgs),
    /// Install or run the git hooks.
    #[command(subcommand)]
    Hook(HookCommand),
    /// List the rules.
    Rules(RulesArgs),
    /// Print a rule's documentation.
    Explain {
        /// The rule id, e.g. route-missing-ownership-check.
        rule_id: String,
        /// Extra rule directories, to explain user rules.
        #[arg(long, value_name = "DIR")]
        rules: Vec<PathBuf>,
    },
    /// List the web routes secreview sees in the changed (or all) files, with their protection.
    Routes(RoutesArgs),
    #[command(
        about = "Write an example repository (a FastAPI course platform with a ratings branch) to a temp dir and scan it"
    )]
    Demo(DemoArgs),
    /// Print shell completions.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// The `--format` values, so shells complete them; the report crate parses the chosen one.
fn format_values() -> clap::builder::PossibleValuesParser {
    use clap::builder::PossibleValue;
    clap::builder::PossibleValuesParser::new([
        PossibleValue::new("table"),
        PossibleValue::new("concise"),
        PossibleValue::new("json"),
        PossibleValue::new("sarif").alias("sarif-2.1.0"),
        PossibleValue::new("markdown").alias("md"),
        PossibleValue::new("github"),
        PossibleValue::new("gitlab"),
        PossibleValue::new("gitlab-secrets"),
        PossibleValue::new("rdjson"),
    ])
}

/// `--hide-below` takes a severity; the same spellings as `--fail-on` minus `never`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeverityArg {
    Critical,
    High,
    Medium,
    Low,
    Info,
}

/// `--color`: `auto` colours a terminal unless `NO_COLOR` is set (`FORCE_COLOR` forces it); `always` colours
/// pipes and CI logs too; `never` never.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ColorWhen {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    Info,
    Never,
}

#[derive(Debug, Clone, Args, Default)]
pub struct ModeArgs {
    /// Base ref; the scan covers merge-base(BASE, HEAD)..HEAD. Default: the remote's HEAD, then main, then master.
    #[arg(long, value_name = "REF", group = "mode")]
    pub base: Option<String>,
    /// Scan staged changes (HEAD..index).
    #[arg(long, group = "mode")]
    pub staged: bool,
    /// Scan uncommitted changes, untracked files included.
    #[arg(long, group = "mode")]
    pub worktree: bool,
    /// Scan a commit range A..B (secrets are checked in every commit of it).
    #[arg(long, value_name = "A..B", group = "mode")]
    pub range: Option<String>,
    /// Scan every tracked file (or every file of a plain directory).
    #[arg(long, group = "mode")]
    pub all: bool,
}

#[derive(Debug, Clone, Args, Default)]
pub struct ScanArgs {
    /// Repository (or, with --all, any directory) to scan; a path inside it limits the scan to that file or
    /// directory.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// More files or directories of the same repository: the scan covers all of them.
    #[arg(value_name = "PATH")]
    pub more_paths: Vec<PathBuf>,
    #[command(flatten)]
    pub mode: ModeArgs,
    /// Output format: table, concise (path:line:col: severity rule message), json, sarif, markdown (md), github,
    /// gitlab (SAST report), gitlab-secrets (Secret Detection report), rdjson (reviewdog).
    #[arg(long, short = 'f', ignore_case = true, value_parser = format_values())]
    pub format: Option<String>,
    /// Print nothing when nothing is found, and no notes or progress on standard error.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Exit 0 even when findings are at or above --fail-on (errors still exit 2).
    #[arg(long)]
    pub exit_zero: bool,
    /// Scan only files matching this glob (repeatable; added to the config's `include`).
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// Never scan files matching this glob (repeatable; added to the config's `exclude`).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Run only these rules: ids or pack names, comma-separated or repeated.
    #[arg(long, value_name = "RULE|PACK", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Skip these rules: ids or pack names, comma-separated or repeated.
    #[arg(long, value_name = "RULE|PACK", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Do not list findings below this severity (they are counted in the summary); must not hide what
    /// --fail-on blocks.
    #[arg(long, value_enum, ignore_case = true, value_name = "SEVERITY")]
    pub hide_below: Option<SeverityArg>,
    /// Colour: auto (a terminal, unless `NO_COLOR`), always, never.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
    /// With --all: also scan docs and test fixtures (excluded by default there, see the README).
    #[arg(long)]
    pub no_default_excludes: bool,
    /// SARIF `automationDetails` category (default `secreview`): scans with different categories keep their
    /// own code-scanning alerts.
    #[arg(long, value_name = "NAME")]
    pub category: Option<String>,
    /// Run as a pre-commit framework hook: the pushed range (`PRE_COMMIT_FROM_REF..PRE_COMMIT_TO_REF`) at the
    /// pre-push stage; otherwise the staged changes of the files pre-commit passes, or those whole files when
    /// nothing is staged (`pre-commit run --all-files`).
    #[arg(long)]
    pub pre_commit: bool,
    /// Write the report to FILE (or FORMAT=FILE; repeatable) instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Vec<String>,
    /// Write the Markdown report as the next `NN-security-review.md` in DIR.
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// Lowest severity that fails the run (exit 1).
    #[arg(long, value_enum, ignore_case = true)]
    pub fail_on: Option<FailOn>,
    /// Findings below this confidence are shown as warnings and never fail the run (default 0.7; 0 blocks on
    /// every finding at or above --fail-on).
    #[arg(long, value_name = "0.0..1.0")]
    pub min_confidence: Option<f32>,
    /// Extra rule directories (same layout as the embedded rules/).
    #[arg(long, value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Hide findings recorded in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Configuration file (default: .secreview.toml at the repository root).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Worker threads (default or 0: all cores; at most 64).
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    #[arg(long, help = "Never colour the output (NO_COLOR is honoured too)")]
    pub no_color: bool,
    /// Skip files larger than this many bytes (default 2 MiB).
    #[arg(long, value_name = "BYTES")]
    pub max_file_size: Option<u64>,
    /// Show secrets in full (local triage only; refused when CI is set).
    #[arg(long)]
    pub show_secrets: bool,
    /// Print per-phase timings and file counts to standard error.
    #[arg(long)]
    pub stats: bool,
    /// Read the config, baseline, rule directories and .gitattributes from the base side of the diff (the
    /// merge-base; FROM for --range; HEAD for --staged, --worktree, --all), and honour only inline suppressions
    /// already there: the change under review cannot weaken its own gate. Use it in CI.
    #[arg(long)]
    pub policy_from_base: bool,
    /// Ignore every `secreview: ignore[…]` comment: what they would hide is reported as usual.
    #[arg(long)]
    pub no_inline_suppressions: bool,
}

#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// Repository (or, with --all, any directory) to scan.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    #[command(flatten)]
    pub mode: ModeArgs,
    /// Where to write the baseline.
    #[arg(
        long,
        short = 'o',
        value_name = "FILE",
        default_value = ".secreview-baseline.json"
    )]
    pub output: PathBuf,
    /// Configuration file (default: .secreview.toml at the repository root).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Extra rule directories.
    #[arg(long, value_name = "DIR")]
    pub rules: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Write .git/hooks/pre-push (or pre-commit) that runs secreview.
    Install {
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Install the pre-push hook (the default).
        #[arg(long)]
        pre_push: bool,
        /// Install a pre-commit hook that scans staged changes.
        #[arg(long)]
        pre_commit: bool,
        /// Replace an existing hook that secreview did not write.
        #[arg(long)]
        force: bool,
    },
    /// git's pre-push protocol: reads `<local ref> <local sha> <remote ref> <remote sha>` lines on stdin.
    PrePush {
        /// The remote's name and URL, as git passes them (unused).
        #[arg(num_args = 0..=2)]
        remote: Vec<String>,
        #[arg(long, default_value = ".")]
        path: PathBuf,
        #[arg(long, value_enum, ignore_case = true)]
        fail_on: Option<FailOn>,
    },
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Only this pack (authz, injection, secrets, meta).
    #[arg(long)]
    pub pack: Option<String>,
    /// `table` (default) or `markdown` (the docs/rules.md index).
    #[arg(long, default_value = "table")]
    pub format: String,
    #[arg(long, value_name = "DIR")]
    pub rules: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RoutesArgs {
    #[arg(default_value = ".")]
    pub path: PathBuf,
    #[command(flatten)]
    pub mode: ModeArgs,
    /// `table` for people; `json` (an array of routes with the whole evidence) for scripts.
    #[arg(long, short = 'f', default_value = "table", value_parser = ["table", "json"])]
    pub format: String,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the demo repository in this directory instead of a temporary one.
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
    /// Output format of the demo scan.
    #[arg(long, short = 'f', default_value = "table")]
    pub format: String,
}
