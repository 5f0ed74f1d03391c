//! Generates the C header `include/idle_entraconnect.h` from the `ffi` module's doc comments and
//! signatures. The header is committed; `scripts/check-header.sh` fails when it is stale.

use std::env;
use std::path::PathBuf;

fn main() {
    let crate_dir =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    // Set by the header check so a build can write the header somewhere else and compare.
    println!("cargo:rerun-if-env-changed=IDLE_EC_HEADER_OUT");
    let out = env::var_os("IDLE_EC_HEADER_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate_dir.join("include").join("idle_entraconnect.h"));

    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("cbindgen.toml is readable and valid");
    match cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
    {
        Ok(bindings) => {
            bindings.write_to_file(out);
        }
        // A syntax error elsewhere in the crate also stops cbindgen; let rustc report it instead
        // of failing the build script with a less precise message.
        Err(e) => println!("cargo:warning=cbindgen did not generate the header: {e}"),
    }
}
