// include_dir! cannot tell cargo which files it read; without this, editing a rule would not rebuild the binary.
fn main() {
    println!("cargo:rerun-if-changed=../../rules");
}
