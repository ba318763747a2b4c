//! The `secreview` binary: a shim over the library's `run`.

fn main() -> std::process::ExitCode {
    secreview::run()
}
