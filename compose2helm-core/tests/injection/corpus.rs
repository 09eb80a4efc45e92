//! The strings thrown at every field: a fixed corpus of what breaks templates and YAML,
//! and a deterministic generator of random mixes of the same ingredients.

/// Hostile strings: Go template syntax and functions, YAML syntax at the start and
/// inside, line breaks, NUL, quotes, backslashes, unicode, YAML 1.1 look-alikes, 100 kB.
pub fn fixed() -> Vec<String> {
    let mut v: Vec<String> = [
        "{{ }}",
        "{{-",
        "-}}",
        "{{ .Release.Name }}",
        "x{{- /* comment */ -}}y",
        "`raw`",
        "{{ lookup `v1` `Secret` `kube-system` `` | toJson | b64enc }}",
        "{{ lookup \"v1\" \"Secret\" \"kube-system\" \"\" }}",
        "{{ fail \"injected\" }}",
        "{{ include \"x\" . }}",
        "{{ tpl \"{{ .Release.Name }}\" . }}",
        "}}",
        "a\nb",
        "a\n---\napiVersion: v1\nkind: Secret",
        "---",
        "a: b",
        ": ",
        "#",
        "a #b",
        "# comment",
        "a\0b",
        "*alias",
        "&anchor",
        "!tag",
        "%directive",
        "@at",
        "|block",
        ">folded",
        "- item",
        "? key",
        "[a, b]",
        "{a: b}",
        "\"double\"",
        "'single'",
        "it's \"both\"",
        "back\\slash\\",
        "\\n not a newline",
        "tab\there",
        "carriage\rreturn",
        "\u{200f}rtl\u{200e} mark",
        "emoji 😀🚀",
        "e\u{301}\u{302} combining",
        "line\u{2028}separator",
        "next\u{85}line",
        "\u{feff}bom",
        " leading space",
        "trailing space ",
        "true",
        "on",
        "y",
        "null",
        "~",
        "1.0",
        "0x1F",
        "1e3",
        "1_000",
        "$literal dollar",
        "$(echo expanded)",
        "=",
        "日本語",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut big = String::new();
    while big.len() < 100 * 1024 {
        big.push_str("{{ fail \"x\" }}\n---\n: # `q` \"dq\" 'sq' \\ 😀\n");
    }
    v.push(big);
    v
}

/// The ingredients of random strings.
const PARTS: &[&str] = &[
    "{{", "}}", "{{-", "-}}", "{{ ", " }}", "`", "lookup", "fail", "include", "tpl", "\n", "---", ": ", "#", "\0", "*",
    "&", "!", "%", "@", "|", ">", "\"", "'", "\\", " ", "\t", "\r", "\u{200f}", "😀", "e\u{301}", "\u{2028}", "\u{85}",
    "\u{feff}", "$", "$(", "a", "b", "/", "..", "true", "null", "1e3", "0x1F", "=", ",", "[", "]", "{", "}", "?", "-",
    ".", "x.y", "日本",
];

/// A small deterministic generator (xorshift64*), so a failure can be replayed.
pub struct Random(u64);

impl Random {
    pub fn new(seed: u64) -> Self {
        Random(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A string of 1 to 8 ingredients, or random characters.
    pub fn string(&mut self) -> String {
        let mut s = String::new();
        for _ in 0..=self.below(8) {
            match self.below(6) {
                0 => s.push(char::from(b' ' + self.below(95) as u8)),
                1 => {
                    let ranges = [(0x00a0, 0x0800), (0x0900, 0x2000), (0x3000, 0xd7ff), (0x1f300, 0x1f6ff)];
                    let (lo, hi) = ranges[self.below(ranges.len())];
                    s.extend(char::from_u32(lo + self.below((hi - lo) as usize) as u32));
                }
                _ => s.push_str(PARTS[self.below(PARTS.len())]),
            }
        }
        s
    }
}

/// A YAML double-quoted scalar holding exactly `s` after compose interpolation (`$`
/// doubled) when `interpolated`.
pub fn scalar(s: &str, interpolated: bool) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' if interpolated => out.push_str("$$"),
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}') => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
