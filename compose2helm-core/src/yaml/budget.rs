//! What a document may cost to build, checked before each alias is expanded, so an alias
//! bomb (ten lines that expand to a billion nodes) is refused after a few thousand nodes
//! and a few megabytes, not after the memory is gone.
//!
//! Docker compose's YAML library (go-yaml) refuses "excessive aliasing": once a document
//! has more than 1,000 nodes and more than 100 of them come from aliases, at most 99 % of
//! its nodes may come from aliases up to 400,000 nodes, falling to 10 % at 4,000,000.
//! The same rule is applied here, counted the same way (every node built, keys included,
//! and every node an alias copies), so a file is refused when docker compose refuses it.
//!
//! Two limits go-yaml does not need, because Go shares strings and we copy them:
//! - the text an alias copies is counted, and at most `MAX_ALIAS_TEXT` bytes may be copied
//!   (an anchored 1 MiB string aliased a thousand times is a gigabyte);
//! - a document has at most `MAX_NODES` nodes in all. The largest legitimate projects are
//!   far below it: the benchmark's 1000-service project (654 KiB, a merge-key anchor in
//!   every service) builds 65,000 nodes, so the cap leaves fifteen times that. Building up
//!   to the cap costs 140-150 MiB (peak RSS measured on refused files of a million
//!   integers or one-key mappings), so a refusal happens well inside a 512 MiB container.

/// At most this many nodes (keys, values and alias copies) in one document.
pub(super) const MAX_NODES: u64 = 1_000_000;

/// At most this many bytes of scalar text copied by aliases (twice the largest file).
pub(super) const MAX_ALIAS_TEXT: u64 = 32 << 20;

/// What has been built so far.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Cost {
    /// Nodes built, alias copies included.
    pub nodes: u64,
    /// Of those, nodes copied by aliases.
    pub alias_nodes: u64,
    /// Bytes of scalar text copied by aliases.
    pub alias_text: u64,
}

/// Why a document is refused.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Refusal {
    /// go-yaml's "excessive aliasing" rule.
    ExcessiveAliasing,
    /// More than `MAX_ALIAS_TEXT` bytes copied.
    AliasText,
    /// More than `MAX_NODES` nodes.
    TooManyNodes,
}

impl Refusal {
    /// The message, with the cost that was refused.
    pub(super) fn message(&self, cost: Cost) -> String {
        match self {
            Refusal::ExcessiveAliasing => format!(
                "excessive aliasing: expanding this alias would make {} of the document's {} nodes copies \
                 made by aliases (an \"alias bomb\"); docker compose refuses it too",
                cost.alias_nodes, cost.nodes
            ),
            Refusal::AliasText => format!(
                "expanding this alias would copy {} MiB of text through aliases; compose2helm copies at most {} MiB",
                cost.alias_text >> 20,
                MAX_ALIAS_TEXT >> 20
            ),
            Refusal::TooManyNodes => {
                format!("the document has more than {MAX_NODES} YAML nodes (aliases expanded); this is not a compose project")
            }
        }
    }
}

impl Cost {
    /// The cost after one more node built from the file itself.
    pub(super) fn node(self) -> Result<Cost, (Refusal, Cost)> {
        Cost { nodes: self.nodes + 1, ..self }.check()
    }

    /// The cost after an alias node (counted once, as go-yaml does) that copies a subtree
    /// of `nodes` nodes holding `text` bytes of scalars.
    pub(super) fn alias(self, nodes: u64, text: u64) -> Result<Cost, (Refusal, Cost)> {
        Cost {
            nodes: self.nodes + 1 + nodes,
            alias_nodes: self.alias_nodes + nodes,
            alias_text: self.alias_text + text,
        }
        .check()
    }

    /// This cost, or why it is refused (with the cost, for the message).
    fn check(self) -> Result<Cost, (Refusal, Cost)> {
        let ratio = self.alias_nodes as f64 / self.nodes.max(1) as f64;
        let refusal = if self.alias_nodes > 100 && self.nodes > 1000 && ratio > allowed_alias_ratio(self.nodes) {
            Refusal::ExcessiveAliasing
        } else if self.alias_text > MAX_ALIAS_TEXT {
            Refusal::AliasText
        } else if self.nodes > MAX_NODES {
            Refusal::TooManyNodes
        } else {
            return Ok(self);
        };
        Err((refusal, self))
    }
}

/// go-yaml's `DefaultAliasCheck` ratio: the share of nodes aliases may supply.
fn allowed_alias_ratio(nodes: u64) -> f64 {
    const LOW: u64 = 400_000;
    const HIGH: u64 = 4_000_000;
    match nodes {
        n if n <= LOW => 0.99,
        n if n >= HIGH => 0.10,
        n => 0.99 - 0.89 * ((n - LOW) as f64 / (HIGH - LOW) as f64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_documents_may_alias_freely() {
        // 100 alias copies in a small document: under go-yaml's floor of 100 aliases.
        let mut c = Cost::default();
        for _ in 0..10 {
            c = c.node().unwrap_or_default();
        }
        assert!(c.alias(100, 0).is_ok());
    }

    #[test]
    fn a_document_made_of_alias_copies_is_refused() {
        let mut c = Cost::default();
        for _ in 0..10 {
            c = c.node().unwrap_or_default();
        }
        // 2,000 copies for 11 nodes written: 99.4 % of the document.
        assert_eq!(c.alias(2_000, 0).map_err(|e| e.0), Err(Refusal::ExcessiveAliasing));
        // Half the document from aliases is fine at any size below the cap.
        let big = Cost { nodes: 500_000, alias_nodes: 250_000, alias_text: 0 };
        assert!(big.alias(1_000, 0).is_ok());
    }

    #[test]
    fn copied_text_and_total_size_are_capped() {
        let c = Cost { nodes: 5_000, alias_nodes: 0, alias_text: 0 };
        assert_eq!(c.alias(10, MAX_ALIAS_TEXT + 1).map_err(|e| e.0), Err(Refusal::AliasText));
        let c = Cost { nodes: MAX_NODES, alias_nodes: 0, alias_text: 0 };
        assert_eq!(c.node().map_err(|e| e.0), Err(Refusal::TooManyNodes));
    }

    #[test]
    fn ratio_follows_go_yaml() {
        assert_eq!(allowed_alias_ratio(1_000), 0.99);
        assert!((allowed_alias_ratio(2_200_000) - 0.545).abs() < 1e-9);
        assert_eq!(allowed_alias_ratio(5_000_000), 0.10);
    }
}
