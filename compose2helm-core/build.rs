//! Turns the image catalogue (`catalogue/images.yaml`, written for people) into JSON at
//! build time: the binary then reads it with serde_json in well under a millisecond, where
//! parsing the 200 kB of YAML took several on every run (most of a small project's
//! conversion). A unit test checks both readings give the same catalogue.
#![allow(clippy::expect_used, clippy::panic)] // a build script: a broken catalogue must stop the build

use std::path::PathBuf;

fn main() {
    let source = "catalogue/images.yaml";
    println!("cargo::rerun-if-changed={source}");
    let text = std::fs::read_to_string(source).expect("catalogue/images.yaml is readable");
    let value: serde_json::Value = match serde_yaml::from_str(&text) {
        Ok(v) => v,
        Err(e) => panic!("catalogue/images.yaml does not parse: {e}"),
    };
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("catalogue.json");
    std::fs::write(out, serde_json::to_string(&value).expect("JSON")).expect("OUT_DIR is writable");
}
