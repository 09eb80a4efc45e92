//! Reads YAML text with libyaml's rules (through `libyaml-safer`, a safe Rust port of
//! libyaml) and hands its events to the builder. Docker compose reads YAML with go-yaml,
//! itself a port of libyaml, so both accept the same files: flow collections over several
//! lines whose closing bracket sits at the parent key's indentation, comments inside them,
//! and the other leniencies libyaml has and a strict YAML 1.2 parser refuses.
use std::borrow::Cow;
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Once};

use libyaml_safer::{EventData, Parser, ScalarStyle};

use super::build::Builder;
use super::{Mark, Node, Value};
use crate::error::{Error, ErrorKind, Location, Result};

/// Parses one YAML document. `file` is how messages will name the file. An empty
/// document gives a `Null` node; empty documents after the first (a trailing `---`) are
/// ignored; a second document with content is refused.
pub fn parse(text: &str, file: &str) -> Result<Node> {
    let file: Arc<str> = Arc::from(file);
    match read_stream(text, &file, false)?.pop() {
        Some(root) => Ok(root),
        None => Ok(Node::new(Value::Null, Mark { file, line: 1, col: 1 })),
    }
}

/// Parses every document of a YAML stream (documents separated by `---`), leaving out
/// empty ones. Docker compose reads a compose file this way: each document is merged over
/// the previous ones like an override file.
pub fn parse_documents(text: &str, file: &str) -> Result<Vec<Node>> {
    read_stream(text, &Arc::from(file), true)
}

fn read_stream(text: &str, file: &Arc<str>, several: bool) -> Result<Vec<Node>> {
    // libyaml-safer reads past the end of a text without a final line break (its C
    // original relied on padding there) and panics, so one is added; `Events` takes it off
    // again from a block scalar that ran to the end of the file.
    let appended = !text.is_empty() && !text.ends_with(['\n', '\r']);
    let input: Cow<str> = if appended { Cow::Owned(format!("{text}\n")) } else { Cow::Borrowed(text) };
    let mut events = Events {
        file: file.clone(),
        text,
        appended,
        builder: Builder::new(file.clone()),
        documents: Documents { several, ..Documents::default() },
        finished: Vec::new(),
        last_quoted: None,
        last_end: 0,
    };
    // libyaml-safer 0.3 still panics where its C original had an unfinished branch (a tag
    // directly followed by `,` in a flow collection, its issue #7). The panic is turned into
    // an error so that one file cannot abort the process, and its message is kept off
    // stderr: the error says what happened.
    let outcome = {
        let _quiet = QuietParserPanics::enter();
        catch_unwind(AssertUnwindSafe(|| events.read(&input)))
    };
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(e),
        Err(_) => return Err(events.parser_defect()),
    }
    let mut documents = events.finished;
    documents.extend(events.builder.finish());
    Ok(documents)
}

thread_local! {
    /// Whether this thread is inside the parser, whose panics are caught and reported.
    static INSIDE_PARSER: Cell<bool> = const { Cell::new(false) };
}

/// While alive, a panic on this thread prints nothing: the panic hook installed once
/// (around whatever hook the program had) stays silent for this thread's parser and hands
/// every other panic to the previous hook unchanged.
struct QuietParserPanics {
    was_inside: bool,
}

impl QuietParserPanics {
    fn enter() -> Self {
        static INSTALL: Once = Once::new();
        INSTALL.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                if !INSIDE_PARSER.with(Cell::get) {
                    previous(info);
                }
            }));
        });
        Self { was_inside: INSIDE_PARSER.with(|inside| inside.replace(true)) }
    }
}

impl Drop for QuietParserPanics {
    fn drop(&mut self) {
        INSIDE_PARSER.with(|inside| inside.set(self.was_inside));
    }
}

/// Which documents the stream has shown so far.
#[derive(Default)]
struct Documents {
    /// The `---` (or first node) of the document being read.
    start: Option<Mark>,
    /// Whether the document being read has shown a node yet.
    started: bool,
    /// Whether a document with content was read before this one.
    had_content: bool,
    /// Whether the document being read is skipped (empty, after one with content).
    skipping: bool,
    /// Whether several documents with content are read (a compose file) or refused.
    several: bool,
}

struct Events<'t> {
    file: Arc<str>,
    /// The text as given (without the line break added for the parser).
    text: &'t str,
    appended: bool,
    builder: Builder,
    documents: Documents,
    /// The documents with content read before the current one (when several are read).
    finished: Vec<Node>,
    /// Start and end (0-based line) of the last quoted scalar that spanned lines.
    last_quoted: Option<(Mark, u64)>,
    /// Byte offset where the last event ended.
    last_end: u64,
}

impl Events<'_> {
    fn read(&mut self, input: &str) -> Result<()> {
        let mut parser = Parser::new();
        let mut bytes = input.as_bytes();
        parser.set_input_string(&mut bytes);
        loop {
            let event = parser.parse().map_err(|e| self.syntax_error(&e))?;
            let mark = self.builder.mark(event.start_mark.line, event.start_mark.column);
            self.last_end = event.end_mark.index;
            match event.data {
                EventData::StreamEnd => return Ok(()),
                EventData::StreamStart { .. } | EventData::DocumentEnd { .. } => {}
                EventData::DocumentStart { .. } => {
                    if self.documents.several {
                        self.finished.extend(self.builder.take_document());
                    }
                    self.documents.had_content |= self.documents.started;
                    self.documents.start = Some(mark);
                    self.documents.started = false;
                    self.documents.skipping = false;
                }
                EventData::Scalar { anchor, tag, mut value, style, .. } => {
                    let empty = value.is_empty() && tag.is_none() && anchor.is_none() && style == ScalarStyle::Plain;
                    if !self.enter_node(empty)? {
                        continue;
                    }
                    let block = matches!(style, ScalarStyle::Literal | ScalarStyle::Folded);
                    if block && self.appended && event.end_mark.index > self.text.len() as u64 && value.ends_with('\n')
                    {
                        // The line break added for the parser is not part of the file.
                        value.pop();
                    }
                    let quoted = matches!(style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted);
                    if quoted && event.end_mark.line > event.start_mark.line {
                        self.last_quoted = Some((mark.clone(), event.end_mark.line));
                    }
                    self.builder.scalar(value, style == ScalarStyle::Plain, tag.as_deref(), anchor, mark)?;
                }
                EventData::Alias { anchor } => {
                    if self.enter_node(false)? {
                        self.builder.alias(&anchor, mark)?;
                    }
                }
                EventData::SequenceStart { anchor, tag, .. } => {
                    if self.enter_node(false)? {
                        self.builder.start(false, tag.as_deref(), anchor, mark)?;
                    }
                }
                EventData::MappingStart { anchor, tag, .. } => {
                    if self.enter_node(false)? {
                        self.builder.start(true, tag.as_deref(), anchor, mark)?;
                    }
                }
                EventData::SequenceEnd | EventData::MappingEnd => {
                    if !self.documents.skipping {
                        self.builder.end()?;
                    }
                }
            }
        }
    }

    /// Whether a node event is built: the first node of a document decides whether the
    /// document is read (the first with content), skipped (empty), or refused.
    fn enter_node(&mut self, empty_scalar: bool) -> Result<bool> {
        let docs = &mut self.documents;
        if docs.started {
            return Ok(!docs.skipping);
        }
        docs.started = true;
        if empty_scalar && docs.several {
            // An empty document of a stream read whole (`---` at the end) holds nothing.
            docs.skipping = true;
            docs.started = false;
            return Ok(false);
        }
        if !docs.had_content || docs.several {
            return Ok(true);
        }
        if empty_scalar {
            docs.skipping = true;
            docs.started = false;
            return Ok(false);
        }
        let at = docs.start.clone().unwrap_or_else(Mark::none);
        Err(Error::at(
            ErrorKind::Syntax,
            &at,
            "",
            "the file holds several YAML documents (`---`); a compose file is one document",
        ))
    }

    /// A parser error as a located message, with the usual cause when it is recognisable.
    fn syntax_error(&self, e: &libyaml_safer::Error) -> Error {
        let problem = e.problem();
        let (line, column) = match e.problem_mark() {
            Some(m) => self.position(m.index, m.line, m.column),
            None => self.position_of_offset(e.to_string().as_str()),
        };
        // The context ("while parsing a block mapping") helps when it starts elsewhere.
        let context = e.context().map(|context| {
            let (l, c) = e.context_mark().map_or((0, 0), |m| self.position(m.index, m.line, m.column));
            (context, l, c)
        });
        let context = context.filter(|&(_, l, c)| (l, c) != (line, column));
        let message = match context {
            Some(("while scanning a quoted scalar", l, c)) if problem.contains("end of stream") => {
                let message = "invalid YAML: this quoted string is never closed (is a closing quote missing?)";
                return located(&self.file, l, c, message.into());
            }
            Some((context, l, c)) => format!("invalid YAML: {problem} ({context} at line {l}, column {c})"),
            None => format!("invalid YAML: {problem}"),
        };
        let message = match self.hint(problem, line) {
            Some(hint) => format!("{message}; {hint}"),
            None => message,
        };
        located(&self.file, line, column, message)
    }

    /// The cause a user most likely has to fix, for an error on 1-based `line`.
    fn hint(&self, problem: &str, line: u32) -> Option<String> {
        let text_line = self.text.lines().nth(line.saturating_sub(1) as usize).unwrap_or("");
        let indent: String = text_line.chars().take_while(|c| c.is_whitespace()).collect();
        if indent.contains('\t') || problem.contains("tab") {
            return Some("indent with spaces, not tabs".into());
        }
        match &self.last_quoted {
            // `line` is 1-based, `end` 0-based: the error is on or after the quote's last line.
            Some((start, end)) if u64::from(line) > *end => Some(format!(
                "the quoted string at line {}, column {} runs on to line {}: is a closing quote missing?",
                start.line,
                start.col,
                end + 1
            )),
            _ => None,
        }
    }

    /// 1-based line and column of a libyaml mark; a mark in the line break added for the
    /// parser is moved back to the end of the text.
    fn position(&self, index: u64, line: u64, column: u64) -> (u32, u32) {
        if self.appended && index >= self.text.len() as u64 {
            return end_of(self.text);
        }
        (to_u32(line + 1), to_u32(column + 1))
    }

    /// Reader errors (control characters) name a byte offset in their text, not a mark.
    fn position_of_offset(&self, message: &str) -> (u32, u32) {
        let offset = message
            .split("offset ")
            .nth(1)
            .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse::<usize>().ok());
        match offset {
            Some(offset) => line_and_column(self.text, offset),
            None => (0, 0),
        }
    }

    /// The error for a panic inside the parser, located where it stopped reading.
    fn parser_defect(&self) -> Error {
        let from = usize::try_from(self.last_end).unwrap_or(usize::MAX).min(self.text.len());
        let at = tag_before_comma(self.text, from).unwrap_or(from);
        let (line, column) = line_and_column(self.text, at);
        located(
            &self.file,
            line,
            column,
            "invalid YAML: the parser cannot read this (a tag directly followed by `,` in a flow collection?); \
             put a space between the tag and the comma"
                .into(),
        )
    }
}

fn located(file: &str, line: u32, column: u32, message: String) -> Error {
    Error {
        kind: ErrorKind::Syntax,
        location: Some(Location { file: file.to_string(), line, column }),
        key_path: None,
        message,
    }
}

/// The first `!tag,` at or after byte `from`: where libyaml-safer gives up.
fn tag_before_comma(text: &str, from: usize) -> Option<usize> {
    let rest = text.get(from..)?;
    let mut search = 0;
    while let Some(i) = rest[search..].find('!') {
        let start = search + i;
        let tail = &rest[start..];
        let end =
            tail.find(|c: char| c.is_whitespace() || matches!(c, ',' | '[' | ']' | '{' | '}')).unwrap_or(tail.len());
        if tail[end..].starts_with(',') {
            return Some(from + start);
        }
        search = start + 1;
    }
    None
}

/// 1-based line and column (in characters) of byte `offset`.
fn line_and_column(text: &str, offset: usize) -> (u32, u32) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (to_u32(line as u64), to_u32(column as u64))
}

/// The position just after the last character.
fn end_of(text: &str) -> (u32, u32) {
    line_and_column(text, text.len())
}

fn to_u32(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
