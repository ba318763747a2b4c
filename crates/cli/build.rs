// include_dir! cannot tell cargo which files it read: rebuild when the embedded demo changes.
fn main() {
    println!("cargo:rerun-if-changed=../../fixtures/demo");
}
