//! Which YAML tags a compose file may carry, and what they do to a value.
//!
//! Compose itself uses `!reset` and `!override`. Of the YAML core schema, the tags that
//! only state a scalar's type are kept, as docker compose's YAML library reads them:
//! `!!str`, `!!int`, `!!float`, `!!bool`, `!!null`, `!!map`, `!!seq`, plus `!!binary`
//! (base64 text, decoded) and the non-specific `!` (a plain scalar stays a string).
//! Any other tag (`!vault`, `!Ref`, `!!set`, `!!timestamp`, `%TAG` handles) belongs to
//! another tool: docker compose would read the bare value and drop the tag, so a file
//! written for CloudFormation or Ansible would convert into something nobody meant.
//! It is refused, naming the tag.
use super::scalar::plain_scalar;
use super::{Tag, Value};
use crate::error::ErrorKind;

/// Why a tag is refused: its kind (`Unsupported` for a tag compose does not use, `Type` for
/// a value that does not fit its tag) and the message.
pub(super) type Refused = (ErrorKind, String);

/// The prefix libyaml gives the `!!` handle.
const CORE: &str = "tag:yaml.org,2002:";

/// The value of a scalar with tag `tag` (as libyaml resolved it; `None` when untagged)
/// and its compose merge tag. `plain` is false for quoted and block scalars, which are
/// strings unless a tag says otherwise.
pub(super) fn scalar(tag: Option<&str>, plain: bool, text: String) -> Result<(Value, Tag), Refused> {
    let untyped = |text: String| if plain { plain_scalar(&text) } else { Value::Str(text) };
    let Some(tag) = tag else { return Ok((untyped(text), Tag::None)) };
    if let Some(merge) = compose_tag(tag) {
        return Ok((untyped(text), merge));
    }
    let value = match tag.strip_prefix(CORE) {
        _ if tag == "!" => Value::Str(text),
        Some("str") => Value::Str(text),
        Some("int") => match plain_scalar(&text) {
            v @ Value::Int(_) => v,
            _ => return Err(mistyped(&text, "!!int", "an integer")),
        },
        Some("float") => match plain_scalar(&text) {
            Value::Int(i) => Value::Float(i as f64),
            v @ Value::Float(_) => v,
            _ => return Err(mistyped(&text, "!!float", "a number")),
        },
        Some("bool") => match plain_scalar(&text) {
            v @ Value::Bool(_) => v,
            _ => return Err(mistyped(&text, "!!bool", "true or false")),
        },
        Some("null") => match plain_scalar(&text) {
            Value::Null => Value::Null,
            _ => return Err(mistyped(&text, "!!null", "null")),
        },
        Some("binary") => Value::Str(decode_binary(&text).map_err(|m| (ErrorKind::Type, m))?),
        Some(kind @ ("map" | "seq")) => return Err((ErrorKind::Type, format!("the tag `!!{kind}` is on a scalar"))),
        _ => return Err(unknown(tag)),
    };
    Ok((value, Tag::None))
}

/// The compose merge tag of a sequence (`is_map` false) or mapping, or the message when
/// its tag is refused.
pub(super) fn collection(tag: Option<&str>, is_map: bool) -> Result<Tag, Refused> {
    let Some(tag) = tag else { return Ok(Tag::None) };
    if let Some(merge) = compose_tag(tag) {
        return Ok(merge);
    }
    match (tag.strip_prefix(CORE), is_map) {
        _ if tag == "!" => Ok(Tag::None),
        (Some("map"), true) | (Some("seq"), false) => Ok(Tag::None),
        (Some(kind @ ("map" | "seq" | "str" | "int" | "float" | "bool" | "null" | "binary")), _) => Err((
            ErrorKind::Type,
            format!("the tag `!!{kind}` is on a {}", if is_map { "mapping" } else { "sequence" }),
        )),
        _ => Err(unknown(tag)),
    }
}

fn compose_tag(tag: &str) -> Option<Tag> {
    match tag {
        "!reset" => Some(Tag::Reset),
        "!override" => Some(Tag::Override),
        _ => None,
    }
}

/// How a tag is written in the file (`!!set`, not `tag:yaml.org,2002:set`).
fn written(tag: &str) -> String {
    match tag.strip_prefix(CORE) {
        Some(suffix) => format!("!!{suffix}"),
        None => tag.to_string(),
    }
}

fn unknown(tag: &str) -> Refused {
    let message = format!(
        "unknown YAML tag `{}`: compose files use only `!reset`, `!override` and the YAML types \
         `!!str`, `!!int`, `!!float`, `!!bool`, `!!null`, `!!map`, `!!seq`, `!!binary`; \
         remove the tag (is this file meant for another tool?)",
        written(tag)
    );
    (ErrorKind::Unsupported, message)
}

fn mistyped(text: &str, tag: &str, what: &str) -> Refused {
    (ErrorKind::Type, format!("`{text}` is tagged `{tag}` but is not {what}"))
}

/// `!!binary`: base64 (line breaks and spaces allowed, as YAML folds it). The bytes must be
/// UTF-8 text, since every compose value is text.
fn decode_binary(text: &str) -> Result<String, String> {
    let mut bits: u32 = 0;
    let mut nbits = 0;
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut padding = false;
    for c in text.chars().filter(|c| !c.is_ascii_whitespace()) {
        let six = match c {
            'A'..='Z' => c as u32 - 'A' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 26,
            '0'..='9' => c as u32 - '0' as u32 + 52,
            '+' => 62,
            '/' => 63,
            '=' => {
                padding = true;
                continue;
            }
            _ => return Err(format!("the `!!binary` value is not base64 (`{c}` is not a base64 character)")),
        };
        if padding {
            return Err("the `!!binary` value is not base64 (text after `=` padding)".into());
        }
        bits = (bits << 6) | six;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    String::from_utf8(out).map_err(|_| "the `!!binary` value decodes to bytes that are not UTF-8 text".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(tag: &str, plain: bool, text: &str) -> Result<Value, String> {
        scalar(Some(tag), plain, text.to_string()).map(|(v, _)| v).map_err(|(_, m)| m)
    }

    #[test]
    fn core_tags_type_the_value() {
        assert_eq!(value("tag:yaml.org,2002:str", true, "80"), Ok(Value::Str("80".into())));
        assert_eq!(value("tag:yaml.org,2002:int", false, "80"), Ok(Value::Int(80)));
        assert_eq!(value("tag:yaml.org,2002:float", true, "2"), Ok(Value::Float(2.0)));
        assert_eq!(value("tag:yaml.org,2002:bool", true, "true"), Ok(Value::Bool(true)));
        assert_eq!(value("tag:yaml.org,2002:null", true, ""), Ok(Value::Null));
        assert_eq!(value("!", true, "12"), Ok(Value::Str("12".into())));
        assert_eq!(value("tag:yaml.org,2002:binary", false, "aGVs\nbG8="), Ok(Value::Str("hello".into())));
    }

    #[test]
    fn a_value_that_does_not_fit_its_tag_is_refused() {
        assert_eq!(
            value("tag:yaml.org,2002:int", true, "eighty"),
            Err("`eighty` is tagged `!!int` but is not an integer".into())
        );
        assert!(value("tag:yaml.org,2002:binary", true, "a*b").is_err());
        assert!(value("tag:yaml.org,2002:binary", true, "/w==").is_err(), "0xff is not UTF-8");
        assert!(value("tag:yaml.org,2002:map", true, "x").is_err());
    }

    #[test]
    fn unknown_tags_are_named_as_written() {
        for (tag, shown) in [("!vault", "`!vault`"), ("!Ref", "`!Ref`"), ("tag:yaml.org,2002:set", "`!!set`")] {
            let e = value(tag, true, "x").err().unwrap_or_default();
            assert!(e.starts_with(&format!("unknown YAML tag {shown}")), "{e}");
            let e = collection(Some(tag), true).err().map(|(_, m)| m).unwrap_or_default();
            assert!(e.starts_with(&format!("unknown YAML tag {shown}")), "{e}");
        }
    }

    #[test]
    fn compose_tags_keep_the_value_untyped() {
        assert_eq!(scalar(Some("!reset"), true, "80".into()), Ok((Value::Int(80), Tag::Reset)));
        assert_eq!(collection(Some("!override"), false), Ok(Tag::Override));
        assert_eq!(collection(Some("tag:yaml.org,2002:seq"), false), Ok(Tag::None));
        assert!(collection(Some("tag:yaml.org,2002:seq"), true).is_err());
    }
}
