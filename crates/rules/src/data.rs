//! Pack data files (`rules/<pack>/_*.toml`): the knowledge an analysis is parameterised by, kept out of Rust so
//! that adding a framework name, a sink or a placeholder word never needs a code change.

use std::collections::BTreeMap;

use serde::Deserialize;

/// `rules/secrets/_allowlist.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretsAllowlist {
    /// Case-insensitive substrings that mark a value as a placeholder.
    #[serde(default)]
    pub placeholder_words: Vec<String>,
    /// Documented example values; a value that contains one is an example (empty entries are ignored).
    #[serde(default)]
    pub example_values: Vec<String>,
    /// Regexes matched against a value that mark it as a reference (`${VAR}`, `{{ … }}`, `os.environ`).
    #[serde(default)]
    pub reference_patterns: Vec<String>,
    /// Globs of files never scanned for secrets (lock and checksum files).
    #[serde(default)]
    pub skip_paths: Vec<String>,
    /// Globs of files whose findings get lower confidence (real keys do get committed in tests).
    #[serde(default)]
    pub test_paths: Vec<String>,
    /// Rules (by id) whose values are also dropped when they look like UUIDs or hex digests: generic
    /// `token = "…"` assignments hold identifiers and checksums far more often than credentials.
    #[serde(default)]
    pub generic_rules: Vec<String>,
    /// Rules (by id) whose evidence is a key's name, not a value's format: discounted in test paths and dropped
    /// under an overlapping provider finding like generic rules, but UUID and hex values are kept.
    #[serde(default)]
    pub context_rules: Vec<String>,
    /// Further rules (by id) discounted in test paths: no issuer's format to verify (URLs with a password, JWTs,
    /// PEM keys), and tests hold many generated ones.
    #[serde(default)]
    pub test_discount_rules: Vec<String>,
    /// Rules (by id) whose match is the public half of a credential pair (an AWS access key ID): as the value of
    /// a link's query parameter (`…?SubscriptionId=AKIA…`, a presigned URL's `AWSAccessKeyId=`) it is published
    /// with the page, so it is at most low severity there.
    #[serde(default)]
    pub url_query_rules: Vec<String>,
    /// Globs of packaging manifests (`pyproject.toml`, `setup.cfg`, `package.json`, `Cargo.toml`): their entry
    /// points and scripts are named after what they do (`foo_auth = "pkg.mod:Class"`), so a generic rule reports
    /// there only when the key matches [`Self::credential_key`].
    #[serde(default)]
    pub packaging_paths: Vec<String>,
    /// Globs of translation catalogues (`locales/**`, `lang/**/*.json`, `*.po`): their values are interface text
    /// in a language (`"password": "Contraseña"`), so rules judged by a key's name do not report there.
    #[serde(default)]
    pub locale_paths: Vec<String>,
    /// Regex a key must match for a generic finding in a packaging manifest (it names a credential outright).
    #[serde(default)]
    pub credential_key: Option<String>,
    /// Regex on the key of a generic match that keeps a hex-digest value: a `SECRET_KEY` or `client_secret` of 64
    /// hex characters is a random key written in hex, where a `token`/`sha`/`checksum` of 40 is a git object id.
    #[serde(default)]
    pub hex_secret_key: Option<String>,
    /// Globs of configuration files whose base64 / hex values are decoded and scanned for provider tokens
    /// (Kubernetes `Secret` data, Helm values, `.env`, JSON / YAML configs).
    #[serde(default)]
    pub decode_paths: Vec<String>,
}

/// `rules/injection/_<language>.toml`: the taint tables of one language. Names of calls are matched the same way
/// everywhere (sources, sinks, sanitizers, propagators, terminators):
///
/// - `.name` (leading dot) matches a call whose dotted callee ends with `.name` on any receiver: `.execute` matches
///   `cur.execute(…)` and `self.db.execute(…)`; `.headers.add` matches `resp.headers.add(…)`;
/// - `mod.func` / `crate::path::func` matches the callee after import resolution (`from os import system` makes
///   `system(…)` match `os.system`; `use std::process::Command` makes `Command::new` match
///   `std::process::Command::new`);
/// - `Type.method` also matches a method called on a variable constructed from `Type` (`s = requests.Session()`,
///   `s.get(url)` matches `requests.Session.get`);
/// - a bare `name` matches a direct call of `name` or of any function imported under that name.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaintTable {
    #[serde(default)]
    pub source: Vec<TaintSource>,
    #[serde(default)]
    pub sink: Vec<TaintSink>,
    #[serde(default)]
    pub sanitizer: Vec<TaintSanitizer>,
    /// Calls whose result is tainted when any argument is, at full confidence (string building, path joining).
    /// Any other unknown call also passes taint through, but lowers the finding's confidence.
    #[serde(default)]
    pub propagator: Vec<String>,
    /// Methods that add their arguments to their receiver (`.append`, `.push_str`).
    #[serde(default)]
    pub mutator: Vec<String>,
    /// Calls (and Rust macros) that never return: a branch ending in one does not reach the code after it.
    #[serde(default)]
    pub terminator: Vec<String>,
    /// Parameter / annotation types whose values carry no injectable text (`int`, `UUID`, `i64`) or that are not
    /// request data at all (`Session`, `State`).
    #[serde(default)]
    pub clean_types: Vec<String>,
    /// Parameter types that are the request object itself: `req: Request` makes `req.query_params` read like
    /// `request.query_params`.
    #[serde(default)]
    pub request_types: Vec<String>,
    /// Parameter names that are the request object (Django views: the parameters after it are URL kwargs).
    #[serde(default)]
    pub request_param_names: Vec<String>,
    /// Decorator attribute names (`@app.route`, `@router.get`) and Rust attribute names (`#[get]`) that make a
    /// function a route handler, whose parameters are bound from the request.
    #[serde(default)]
    pub handler_markers: Vec<String>,
    /// Route path converters whose value is not free text (`<int:id>` in Flask and Django paths): a handler
    /// parameter bound by one is clean.
    #[serde(default)]
    pub clean_route_converters: Vec<String>,
    /// Parameter types that are request data only in a route handler (`String`, `Bytes` body extractors).
    #[serde(default)]
    pub handler_only_types: Vec<String>,
    /// Parameter default callables that make a parameter a dependency, not request data (`Depends`).
    #[serde(default)]
    pub dependency_defaults: Vec<String>,
    /// Methods that store their last positional argument under the key the others name
    /// (`conf.set("section", "key", value)`): the receiver keeps what went in under each constant key.
    #[serde(default)]
    pub keyed_set: Vec<String>,
    /// Methods that read back what a `keyed_set` stored under the key their positional arguments name.
    #[serde(default)]
    pub keyed_get: Vec<String>,
    /// Constant argv elements after which the next element is a command line for the program
    /// (`["sh", "-c", line]`, `["cmd.exe", "/c", line]`, `["python", "-c", code]`).
    #[serde(default)]
    pub command_line_flags: Vec<String>,
    /// Programs that read options from any argv word starting with `-` (`git`, `curl`, `ssh`, `tar`): in an argv
    /// list for one of them, a word that can start with user text before any `--` is an option injection point.
    #[serde(default)]
    pub option_programs: Vec<String>,
    /// Calls that split a command line into argv words the way a shell would (`shlex.split`): the words of a
    /// formatted string they split are tracked one by one.
    #[serde(default)]
    pub word_splitters: Vec<String>,
    /// Base classes whose subclasses are enumerations: calling one (`SortField(value)`) yields a member or raises,
    /// so the result is never the caller's text.
    #[serde(default)]
    pub enum_bases: Vec<String>,
    /// Host name suffixes of internal networks (`.internal`, `.svc.cluster.local`); a host without a dot
    /// (`http://billing/`) and a private or loopback IP address are internal too.
    #[serde(default)]
    pub internal_host_suffixes: Vec<String>,
    /// `class = "other"`: a hit of `class` is dropped where the other class is reported at the same call (a URL
    /// the attacker controls whole is SSRF, not also a path injection into it).
    #[serde(default)]
    pub subsumed_by: BTreeMap<String, String>,
}

impl TaintTable {
    /// Adds another table's entries (a language's table may be split over several files).
    pub fn extend(&mut self, more: TaintTable) {
        self.source.extend(more.source);
        self.sink.extend(more.sink);
        self.sanitizer.extend(more.sanitizer);
        self.propagator.extend(more.propagator);
        self.mutator.extend(more.mutator);
        self.terminator.extend(more.terminator);
        self.clean_types.extend(more.clean_types);
        self.request_types.extend(more.request_types);
        self.request_param_names.extend(more.request_param_names);
        self.handler_markers.extend(more.handler_markers);
        self.clean_route_converters
            .extend(more.clean_route_converters);
        self.handler_only_types.extend(more.handler_only_types);
        self.dependency_defaults.extend(more.dependency_defaults);
        self.keyed_set.extend(more.keyed_set);
        self.keyed_get.extend(more.keyed_get);
        self.command_line_flags.extend(more.command_line_flags);
        self.option_programs.extend(more.option_programs);
        self.word_splitters.extend(more.word_splitters);
        self.enum_bases.extend(more.enum_bases);
        self.internal_host_suffixes
            .extend(more.internal_host_suffixes);
        self.subsumed_by.extend(more.subsumed_by);
    }
}

/// How much an attacker controls a source; drives confidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// Data from the HTTP request: attacker-controlled.
    Request,
    /// A parameter of a function that is not a known handler: maybe attacker-controlled.
    Param,
    /// Process environment, argv, stdin: controlled by whoever runs the program.
    Local,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaintSource {
    pub kind: SourceKind,
    /// Dotted paths whose value (and any attribute, subscript or method result of it) is tainted:
    /// `request.args`, `request.GET`, `sys.argv`. A leading `self.` in the code is ignored.
    #[serde(default)]
    pub attr: Vec<String>,
    /// Calls whose result is tainted: `input`, `os.getenv`, `std::env::args`.
    #[serde(default)]
    pub call: Vec<String>,
    /// Parameter type names that make a parameter a source (`Query`, `Json`, `web::Path`, `UploadFile`); matched
    /// on the type's last path segment, generic arguments ignored.
    #[serde(default)]
    pub param_type: Vec<String>,
    /// Parameter default callables that make a parameter a source (`FastAPI` `Query(...)`, `Body(...)`).
    #[serde(default)]
    pub param_default: Vec<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaintSink {
    pub class: String,
    /// Callee names (see [`TaintTable`] for how names match).
    #[serde(default)]
    pub call: Vec<String>,
    /// Assignment targets: `x[k] = value` is a sink for `value` when `x` matches one of these names the way a
    /// callee would (`session`, `request.session`, `.headers`).
    #[serde(default)]
    pub store: Vec<String>,
    /// Positional argument indexes that must not be tainted (default: `[0]` unless `receiver` or `kwargs` is set).
    #[serde(default)]
    pub args: Vec<usize>,
    /// Keyword arguments that must not be tainted (`args` for `subprocess.run(args=…)`; `"*"`: every one).
    #[serde(default)]
    pub kwargs: Vec<String>,
    /// The receiver of a method call must not be tainted (`tar.extractall()` of an uploaded archive).
    #[serde(default)]
    pub receiver: bool,
    /// For a list/tuple argument only its first element counts (the program of an argv list).
    #[serde(default)]
    pub first_element: bool,
    /// The sink only counts when each of these keyword arguments is present with this text (`shell = "True"`).
    #[serde(default)]
    pub when_kwarg: BTreeMap<String, String>,
    /// The sink does not count when the keyword argument (or, for a key that is a number, the positional
    /// argument) is present and its text — or the text of the call that built the variable passed — contains one of
    /// the strings (`Loader = ["SafeLoader"]`, `"1" = ["SafeLoader"]`); an empty list means "present at all".
    #[serde(default)]
    pub unless_kwarg: BTreeMap<String, Vec<String>>,
    /// Method sinks: the call that built the receiver must contain one of these strings
    /// (`Command::new("sh")` for `.arg`).
    #[serde(default)]
    pub when_ctor: Vec<String>,
    /// Callee names that look like this sink but are not (`re.search` for LDAP's `.search`).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// The sink only counts in a file that imports one of these modules (or a module under one of them):
    /// `.search` is an LDAP query only where `ldap3` or `ldap` is imported; a view's return value is an HTML body
    /// only in a Flask application.
    #[serde(default)]
    pub when_import: Vec<String>,
    /// Method sinks: the receiver's name (its last dotted segment, lowercase) must contain one of these
    /// (`conn`, `ldap`): an untyped `.search` is an LDAP query on a connection, not on a search service.
    #[serde(default)]
    pub when_receiver: Vec<String>,
    /// The value a request handler returns is the sink (Flask sends a returned `str` as `text/html`). Only the
    /// body counts: the first element of a returned tuple; dicts and lists are serialised as JSON and skipped.
    #[serde(default)]
    pub returns: bool,
    /// Method calls on the argument's variable that make the sink count (`setFeature(feature_external_ges,True)`
    /// on the parser passed to `minidom.parseString`): texts matched, whitespace removed, against the calls made
    /// on it before the sink. Keys name the argument as in `unless_kwarg`.
    #[serde(default)]
    pub when_configured: BTreeMap<String, Vec<String>>,
    /// More classes the same calls are sinks of, with the same arguments (`internal_url` for the `ssrf` calls).
    #[serde(default)]
    pub also: Vec<String>,
    /// For an argv list only the words after an `option_programs` program that may start with user text and
    /// follow no `--` count (CWE-88).
    #[serde(default)]
    pub option_words: bool,
    /// A template render call (`render_template("t.html", name=x)`): the sink is each context variable (keyword
    /// argument, or key of a dict argument) that the named template prints unescaped (`{{ name|safe }}`,
    /// `{% autoescape false %}`); the template is the first string argument with a template file extension and
    /// must be in the scanned tree.
    #[serde(default)]
    pub template_vars: bool,
    /// With `store`: the key of `x[key] = value` must not be tainted either (the attacker would pick which
    /// session entry is set).
    #[serde(default)]
    pub store_key: bool,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaintSanitizer {
    #[serde(default)]
    pub call: Vec<String>,
    /// Sink classes it neutralises; `["*"]` for all (e.g. `int()`).
    pub classes: Vec<String>,
    /// A check rather than a transformation: used as an `if` condition it makes its operand safe in the branch
    /// where it holds (`if not p.startswith(BASE): abort(400)`). `"receiver"` or `"arg0"`, `"arg1"` …
    #[serde(default)]
    pub guard: Option<String>,
    /// With `call = [".replace"]`: the call is a sanitizer only when it replaces one of these texts by something
    /// without it, or doubles it (`s.replace("'", "&apos;")`, `s.replace("'", "''")`).
    #[serde(default)]
    pub removes: Vec<String>,
    /// A check, without `call`: where `TEXT in x` is known false (`if "'" in x: return`, `if "../" not in x:`), `x`
    /// is safe for the classes; a check for part of a text rules the text out too (`"." in x` excludes `".."`).
    #[serde(default)]
    pub absent: Vec<String>,
    /// The receiver keeps its taint, only the arguments are made safe: `sql.SQL("… {}").format(x)` composes
    /// quoted parts into a constant template, but `sql.SQL(f"… {x}")` is still built from `x`.
    #[serde(default)]
    pub keeps_receiver: bool,
    /// Not a sanitizer for values from these sources (matched in the source's description): Rust's
    /// `.file_name()` is the last component of a path, but a multipart field's `file_name()` is the client's text.
    #[serde(default)]
    pub unless_origin: Vec<String>,
    /// With `guard`: the check makes its operand safe where it is false, and only when its first argument is one
    /// of these constants (`if ref.startswith("-"): abort()`).
    #[serde(default)]
    pub false_with: Vec<String>,
}

impl TaintSanitizer {
    pub fn covers(&self, class: &str) -> bool {
        self.classes.iter().any(|c| c == "*" || c == class)
    }
}

/// `rules/authz/_frameworks.toml`: names the authorization analysis recognises.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthzNames {
    /// Substrings (lowercase) of dependency, decorator, extractor or guard names that authenticate.
    #[serde(default)]
    pub auth_markers: Vec<String>,
    /// Exact decorator / dependency / extractor names that authenticate.
    #[serde(default)]
    pub auth_names: Vec<String>,
    /// Names that grant authority beyond authentication (admin/superuser/permission checks).
    #[serde(default)]
    pub privilege_markers: Vec<String>,
    /// Texts that contain a privilege marker without being a privilege check: OAuth client calls
    /// (`authorize_redirect`, `authorize_access_token`) start a login, they check no role.
    #[serde(default)]
    pub not_privilege_markers: Vec<String>,
    /// Fields naming an object's owner.
    #[serde(default)]
    pub owner_fields: Vec<String>,
    /// Expressions naming the authenticated principal's id (`current_user.id`, `request.user`).
    #[serde(default)]
    pub principal_markers: Vec<String>,
    /// Route path / handler name words that are public by design (health, login, register, webhook …).
    #[serde(default)]
    pub public_route_words: Vec<String>,
    /// Permission classes / decorators that allow everyone.
    #[serde(default)]
    pub allow_all_names: Vec<String>,
    /// Calls that ask whether the application's first-run setup is done (`is_setup`, `is_installed`): a route
    /// that branches on one is an install wizard, open until setup completes and closed after.
    #[serde(default)]
    pub first_run_checks: Vec<String>,
    /// Names of calls that load a record by key (`get`, `get_or_404`, `filter_by`, `objects.get`, `query` …).
    #[serde(default)]
    pub lookup_calls: Vec<String>,
    /// Names of calls that change state (delete, commit, save, update, execute …).
    #[serde(default)]
    pub mutation_calls: Vec<String>,
    /// Fields a client must not set on a record (role, `is_admin`, owner ids, balance, verified flags): a request
    /// schema that declares one and is copied into a model whole is a mass assignment.
    #[serde(default)]
    pub privileged_fields: Vec<String>,
}
