//! Bad input: every case under fixtures/errors must fail with a clear message that names
//! the file, line, column and key path where it has them. The messages are snapshots.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code: a failure should stop the test

use compose2helm_core::source::FileSystem;
use compose2helm_core::{convert_project, ConvertOptions};

#[test]
fn bad_input_is_refused_with_a_located_message() {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../../snapshots");
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s.bind(|| {
        insta::glob!("../../fixtures/errors", "*/compose.yaml", |path| {
            let name =
                path.parent().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let opts = ConvertOptions::new(std::path::Path::new("../fixtures/errors").join(&name));
            match convert_project(&opts, &FileSystem) {
                Ok(_) => panic!("{name}: converted, but it is a bad-input case"),
                Err(e) => insta::assert_snapshot!("error", format!("kind: {:?}\n{e}\n", e.kind)),
            }
        });
    });
}
