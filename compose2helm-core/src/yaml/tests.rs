//! The YAML layer against cases modelled on the YAML test suite (yaml/yaml-test-suite) and
//! on what docker compose's go-yaml accepts: values, positions (1-based, columns in
//! characters) and located, explained errors.
use super::{parse, Node, Tag, Value};
use crate::error::ErrorKind;

fn p(s: &str) -> Node {
    match parse(s, "t.yaml") {
        Ok(n) => n,
        Err(e) => unreachable!("{e}\n{s}"),
    }
}

fn err(s: &str) -> String {
    match parse(s, "t.yaml") {
        Ok(n) => unreachable!("parsed: {n:?}"),
        Err(e) => e.to_string(),
    }
}

/// The node at a path of keys and indices (`"services.s.ports.0"`).
fn at<'n>(n: &'n Node, path: &str) -> &'n Node {
    path.split('.').fold(n, |n, k| match &n.value {
        Value::Map(m) => m.get(k).unwrap_or_else(|| unreachable!("no key {k} in {n:?}")),
        Value::Seq(s) => k.parse::<usize>().ok().and_then(|i| s.get(i)).unwrap_or_else(|| unreachable!("no item {k}")),
        _ => unreachable!("{k}: not a collection"),
    })
}

fn strs(n: &Node) -> Vec<String> {
    match &n.value {
        Value::Seq(items) => items.iter().filter_map(Node::scalar_text).collect(),
        _ => unreachable!("not a sequence: {n:?}"),
    }
}

fn pos(n: &Node) -> (u32, u32) {
    (n.mark.line, n.mark.col)
}

#[test]
fn keeps_positions() {
    let n = p("a:\n  b: 1\n");
    assert_eq!(pos(at(&n, "a.b")), (2, 6));
}

#[test]
fn flow_sequence_over_lines_with_a_comment_closing_below_its_key() {
    // docker compose (go-yaml, from libyaml) reads this; a strict YAML 1.2 parser does not.
    let n = p("services:\n  s:\n    image: busybox\n    healthcheck:\n      test: [\n          \"CMD-SHELL\",\n          # a comment inside the flow sequence\n          \"wget -q -O- http://localhost:80/ || exit 1\"\n      ]\n");
    let test = at(&n, "services.s.healthcheck.test");
    assert_eq!(strs(test), ["CMD-SHELL", "wget -q -O- http://localhost:80/ || exit 1"]);
    assert_eq!(pos(test), (5, 13));
    assert_eq!(pos(at(test, "1")), (8, 11));
}

#[test]
fn flow_collections_close_at_any_indentation() {
    // Closing bracket at the parent key's column, and at column 1 below a nested key.
    let n = p("a:\n  b: [x,\n    y\n  ]\n  c: {k: 1,\n  l: 2\n}\n  d: [ {m: [1,\n 2]},\n{n: 3} ]\n");
    assert_eq!(strs(at(&n, "a.b")), ["x", "y"]);
    assert_eq!(at(&n, "a.c.l").value, Value::Int(2));
    assert_eq!(strs(at(&n, "a.d.0.m")), ["1", "2"]);
    assert_eq!(at(&n, "a.d.1.n").value, Value::Int(3));
    assert_eq!(pos(at(&n, "a.d.1.n")), (10, 5));
}

#[test]
fn flow_mapping_over_lines_with_comments_and_trailing_comma() {
    let n = p("x: {\n  # first\n  a: 1,   # one\n  b: \"two\",\n}\n");
    assert_eq!(at(&n, "x.a").value, Value::Int(1));
    assert_eq!(at(&n, "x.b").as_str(), Some("two"));
}

#[test]
fn plain_scalars_over_lines_fold() {
    // Suite 4ZYM (spec example 6.4) and flow plain scalars over lines.
    let n = p("plain: text\n  lines\nquoted: \"text\n  \tlines\"\nflow: [a\n  b, c]\n");
    assert_eq!(at(&n, "plain").as_str(), Some("text lines"));
    assert_eq!(at(&n, "quoted").as_str(), Some("text lines"));
    assert_eq!(strs(at(&n, "flow")), ["a b", "c"]);
}

#[test]
fn block_scalars_keep_their_indicators() {
    // Suites with indentation indicators and chomping (e.g. 4QFQ, R4YG, 6VJK).
    let n = p("lit: |2\n   indented\n  x\nstrip: |-\n  a\n\nkeep: |+\n  a\n\nfold: >\n  a\n  b\n\n  c\n");
    assert_eq!(at(&n, "lit").as_str(), Some(" indented\nx\n"));
    assert_eq!(at(&n, "strip").as_str(), Some("a"));
    assert_eq!(at(&n, "keep").as_str(), Some("a\n\n"));
    assert_eq!(at(&n, "fold").as_str(), Some("a b\nc\n"));
}

#[test]
fn a_block_scalar_at_the_end_of_a_file_without_final_line_break() {
    // libyaml gives `x`: the line break added for the parser must not show.
    assert_eq!(at(&p("a: |\n  x"), "a").as_str(), Some("x"));
    assert_eq!(at(&p("a: |+\n  x\n  "), "a").as_str(), Some("x\n"));
    assert_eq!(at(&p("a: >\n  x\n  y"), "a").as_str(), Some("x y"));
    assert_eq!(at(&p("a: |\n  x\n"), "a").as_str(), Some("x\n"));
    assert_eq!(at(&p("a: |\n  x\n# end"), "a").as_str(), Some("x\n"));
}

#[test]
fn anchors_and_aliases() {
    // The copy keeps the anchor's positions; a redefined anchor is used from then on.
    let n = p("a: &x {k: 1}\nb: *x\nc: &x 2\nd: *x\n");
    assert_eq!(pos(at(&n, "b.k")), (1, 11));
    assert_eq!(at(&n, "d").value, Value::Int(2));
    let e = err("a: *nothing\n");
    assert_eq!(e, "t.yaml:1:4: a: the alias `*nothing` refers to no anchor `&nothing` defined before it");
}

#[test]
fn merge_keys_explicit_wins_first_source_wins() {
    let n = p("x: &x {a: 1, b: 1}\ny: &y {b: 2, c: 2}\nz:\n  <<: [*x, *y]\n  a: 9\n");
    assert_eq!(at(&n, "z.a").value, Value::Int(9));
    assert_eq!(at(&n, "z.b").value, Value::Int(1));
    assert_eq!(at(&n, "z.c").value, Value::Int(2));
}

#[test]
fn only_a_plain_merge_key_merges() {
    let n = p("x: &x {a: 1}\nz:\n  \"<<\": *x\n");
    assert_eq!(at(&n, "z.<<.a").value, Value::Int(1));
}

#[test]
fn duplicate_key_is_an_error_with_both_positions() {
    assert_eq!(err("a: 1\nb: 2\na: 3\n"), "t.yaml:3:1: a: duplicate key `a` (first defined at line 1)");
    assert_eq!(
        err("s:\n  - {p: [x, {k: 1, k: 2}]}\n"),
        "t.yaml:2:20: s[0].p[1].k: duplicate key `k` (first defined at line 2)"
    );
    // The first line is the key's, also when its value is a block collection.
    assert_eq!(err("a:\n  x: 1\nb: 2\na: 3\n"), "t.yaml:4:1: a: duplicate key `a` (first defined at line 1)");
}

#[test]
fn tags_compose_uses_and_core_types() {
    let n =
        p("a: !reset []\nb: !override {x: 1}\nc: !!str 80\nd: !!int \"80\"\ne: !<tag:yaml.org,2002:str> 1\nf: ! 12\n");
    assert_eq!(at(&n, "a").tag, Tag::Reset);
    assert_eq!(at(&n, "b").tag, Tag::Override);
    assert_eq!(at(&n, "c").value, Value::Str("80".into()));
    assert_eq!(at(&n, "d").value, Value::Int(80));
    assert_eq!(at(&n, "e").value, Value::Str("1".into()));
    assert_eq!(at(&n, "f").value, Value::Str("12".into()));
}

#[test]
fn unknown_tags_are_refused_where_they_stand() {
    let e = err("services:\n  s:\n    environment:\n      PASSWORD: !vault |\n        $ANSIBLE_VAULT;1.1;AES256\n");
    assert!(e.starts_with("t.yaml:4:17: services.s.environment.PASSWORD: unknown YAML tag `!vault`"), "{e}");
    let e = err("x: !!set {a, b}\n");
    assert!(e.starts_with("t.yaml:1:4: x: unknown YAML tag `!!set`"), "{e}");
    let e = err("x: !Ref Bucket\n");
    assert!(e.starts_with("t.yaml:1:4: x: unknown YAML tag `!Ref`"), "{e}");
    let e = err("%TAG !e! tag:example.com,2000:\n---\nx: !e!thing 1\n");
    assert!(e.starts_with("t.yaml:3:4: x: unknown YAML tag `tag:example.com,2000:thing`"), "{e}");
    let e = err("x: !!int eighty\n");
    assert_eq!(e, "t.yaml:1:4: x: `eighty` is tagged `!!int` but is not an integer");
}

#[test]
fn document_markers() {
    let n = p("%YAML 1.2\n---\nservices: {}\n...\n");
    assert!(at(&n, "services").as_map().is_some());
    // A trailing `---` (an empty document) is harmless.
    assert!(p("services: {}\n---\n").as_map().is_some());
    assert_eq!(
        err("a: 1\n---\nb: 2\n"),
        "t.yaml:2:1: the file holds several YAML documents (`---`); a compose file is one document"
    );
    assert_eq!(p("").value, Value::Null);
    assert_eq!(p("# only a comment\n").value, Value::Null);
}

#[test]
fn tab_indentation_is_explained() {
    let e = err("services:\n\tweb:\n\t\timage: x\n");
    assert!(e.starts_with("t.yaml:2:"), "{e}");
    assert!(e.contains("indent with spaces, not tabs"), "{e}");
    // A tab after the indentation (before a value) is fine, as in go-yaml.
    assert_eq!(at(&p("a:\t1\n"), "a").value, Value::Int(1));
}

#[test]
fn unclosed_quotes_are_explained() {
    let e = err("services:\n  web:\n    image: \"nginx:1.27\n");
    assert_eq!(e, "t.yaml:3:12: invalid YAML: this quoted string is never closed (is a closing quote missing?)");
    let e = err("services:\n  web:\n    image: \"nginx:1.27\n    ports: [\"80\"]\n");
    assert!(e.contains("the quoted string at line 3, column 12 runs on to line 4: is a closing quote missing?"), "{e}");
}

#[test]
fn columns_count_characters_and_errors_past_multibyte_text_are_located() {
    let n = p("ünï: [a, ß]\nb: ü\n");
    assert_eq!(pos(at(&n, "ünï.1")), (1, 10));
    // Found by the fuzzer: positions count characters, not bytes.
    let e = parse("services:\n \u{7c8}eb:\n    image: x\n    envir]]]]", "t.yaml").err().map(|e| e.kind);
    assert_eq!(e, Some(ErrorKind::Syntax));
    let e = err("a: ünï\n\tb: 1\n");
    assert!(e.contains("indent with spaces"), "{e}");
}

#[test]
fn an_error_at_the_end_of_a_file_without_final_line_break_stays_on_its_last_line() {
    let e = err("a: [1, 2");
    assert!(e.starts_with("t.yaml:1:9: "), "{e}");
}

#[test]
fn crlf_line_endings_and_a_byte_order_mark() {
    let n = p("\u{feff}a:\r\n  b: [1,\r\n    2]\r\n");
    assert_eq!(strs(at(&n, "a.b")), ["1", "2"]);
    assert_eq!(pos(at(&n, "a.b.1")), (3, 5));
}

#[test]
fn binary_values_are_decoded_text() {
    assert_eq!(at(&p("a: !!binary aGVsbG8=\n"), "a").as_str(), Some("hello"));
}

#[test]
fn deep_nesting_is_refused_before_it_can_exhaust_the_stack() {
    let deep = format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let e = err(&deep);
    assert!(e.contains("more than 500 levels deep"), "{e}");
    let fine = format!("a: {}1{}\n", "[".repeat(400), "]".repeat(400));
    assert!(parse(&fine, "t.yaml").is_ok());
}

#[test]
fn a_parser_defect_is_an_error_not_a_crash() {
    // libyaml-safer 0.3 panics on a tag followed directly by `,` (its issue #7).
    let e = err("a: [x, !!str,\n  b]\n");
    assert!(e.starts_with("t.yaml:1:8: invalid YAML: the parser cannot read this"), "{e}");
}

#[test]
fn alias_bomb_is_refused_early() {
    let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        s.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n",
            p = i - 1
        ));
    }
    let e = err(&s);
    // Refused in the fourth line, after some ten thousand nodes, not a hundred million.
    assert!(e.starts_with("t.yaml:4:"), "{e}");
    assert!(e.contains("excessive aliasing"), "{e}");
}

#[test]
fn text_copied_by_aliases_is_bounded() {
    let big = "x".repeat(1 << 20);
    let mut s = format!("a: &a \"{big}\"\nb: [");
    s.push_str(&vec!["*a"; 40].join(", "));
    s.push_str("]\n");
    // Few nodes, so the ratio rule does not apply; the copied text does.
    let e = err(&s);
    assert!(e.contains("copies at most 32 MiB"), "{e}");
}

#[test]
fn the_deepest_document_accepted_goes_through_loading_and_printing() {
    // The depth limit exists for the recursive walks after parsing; run them at the limit
    // on a test thread's small stack (2 MiB), in a debug build.
    let depth = super::build::MAX_DEPTH - 3;
    let text = format!(
        "x-deep: {}1{}\nservices:\n  web:\n    image: nginx:1.27\n    <<: &deep {{labels: {{a: \"{}\"}}}}\n",
        "[".repeat(depth),
        "]".repeat(depth),
        "x".repeat(10)
    );
    let mut src = crate::source::MemorySource::new();
    src.insert("p/compose.yaml", text);
    let opts = crate::LoadOptions { working_dir: "p".into(), ..Default::default() };
    let (project, _) = match crate::load_project(&opts, &src) {
        Ok(p) => p,
        Err(e) => unreachable!("{e}"),
    };
    let printed = crate::config_yaml(&project, false);
    assert!(printed.contains("x-deep"), "{printed}");
}
