//! What a GraphQL document is and what it costs, measured before async-graphql validates it.
//!
//! Every check here takes time linear in the text, whatever the document: bracket nesting is
//! bounded by a scan of the characters before the recursive parser sees them (a deep literal
//! would otherwise overflow a worker's stack), and each fragment is measured once and remembered,
//! so fragments that spread each other many times cannot make a small document expensive to
//! accept or refuse. Introspection (`__schema`, `__type`) is measured apart from the depth limit,
//! so the standard introspection query of GraphiQL and code generators is accepted.

use std::collections::HashMap;

use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};

/// Deepest bracket nesting (`{`, `[`, `(`) the query text or a JSON body may have.
pub const MAX_NESTING: usize = 64;
/// Deepest selection nesting outside introspection.
pub const MAX_DEPTH: usize = 10;
/// Deepest selection nesting inside `__schema`/`__type` (graphql-js's standard query needs 13).
pub const MAX_INTROSPECTION_DEPTH: usize = 16;
/// Most aliases a document may use (OWASP: aliases multiply work inside one request).
pub const MAX_ALIASES: usize = 15;
/// Most fields a document may select once every fragment spread is expanded.
pub const MAX_FIELDS: usize = 2_000;
/// Most directives on one field, fragment spread or inline fragment.
pub const MAX_DIRECTIVES: usize = 5;
/// Longest chain of fragments spreading fragments.
const MAX_FRAGMENT_CHAIN: usize = 32;

/// Why a document is refused before it runs. The messages are sentences for the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("The query nests brackets more than {MAX_NESTING} levels deep.")]
    TooNested,
    #[error("The query has a syntax error{0}.")]
    Syntax(String),
    #[error("The query is nested {0} levels deep; at most {MAX_DEPTH} are allowed.")]
    TooDeep(usize),
    #[error(
        "The introspection query is nested {0} levels deep; at most {MAX_INTROSPECTION_DEPTH} are allowed."
    )]
    IntrospectionTooDeep(usize),
    #[error(
        "The query uses {0} aliases once its fragments are expanded; at most {MAX_ALIASES} are allowed."
    )]
    TooManyAliases(usize),
    #[error(
        "The query selects {0} fields once its fragments are expanded; at most {MAX_FIELDS} are allowed."
    )]
    TooManyFields(usize),
    #[error("A field or fragment carries more than {MAX_DIRECTIVES} directives.")]
    TooManyDirectives,
    #[error("Fragment \"{0}\" spreads itself, directly or through other fragments.")]
    FragmentCycle(String),
    #[error("Fragments spread fragments more than {MAX_FRAGMENT_CHAIN} levels deep.")]
    FragmentChainTooLong,
    #[error("Introspection is disabled on this server.")]
    IntrospectionDisabled,
}

impl Refusal {
    /// The `extensions.code` of the refusal.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooNested | Self::Syntax(_) => "GRAPHQL_PARSE_FAILED",
            _ => "GRAPHQL_VALIDATION_FAILED",
        }
    }
}

/// A parsed document that is within every limit.
#[derive(Clone)]
pub struct Inspected {
    pub document: ExecutableDocument,
    /// Whether it holds anything but queries.
    pub writes: bool,
    /// The root fields of its mutations, through fragments too.
    pub mutation_fields: Vec<String>,
    /// Fields it selects once every fragment spread is expanded.
    pub fields: usize,
}

/// Scans, parses and measures `query`; `introspection` says whether introspection is allowed.
pub fn inspect(query: &str, introspection: bool) -> Result<Inspected, Refusal> {
    check_nesting(query, Syntax::GraphQl)?;
    let document = async_graphql::parser::parse_query(query).map_err(syntax_error)?;
    let mut measure = Measure::new(&document);
    let mut totals = Shape::default();
    for (_, operation) in document.operations.iter() {
        let shape = measure.selection_set(&operation.node.selection_set.node, 0)?;
        totals = totals.beside(shape);
    }
    if totals.depth > MAX_DEPTH {
        return Err(Refusal::TooDeep(totals.depth));
    }
    if totals.introspection_depth > MAX_INTROSPECTION_DEPTH {
        return Err(Refusal::IntrospectionTooDeep(totals.introspection_depth));
    }
    if totals.introspection_depth > 0 && !introspection {
        return Err(Refusal::IntrospectionDisabled);
    }
    if totals.aliases > MAX_ALIASES {
        return Err(Refusal::TooManyAliases(totals.aliases));
    }
    if totals.fields > MAX_FIELDS {
        return Err(Refusal::TooManyFields(totals.fields));
    }
    let writes = document
        .operations
        .iter()
        .any(|(_, op)| op.node.ty != OperationType::Query);
    let mutation_fields = mutation_fields(&document);
    Ok(Inspected {
        document,
        writes,
        mutation_fields,
        fields: totals.fields,
    })
}

/// Which bracket language a text is written in: GraphQL has comments and block strings.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    GraphQl,
    Json,
}

/// Refuses a text whose brackets nest deeper than `MAX_NESTING`, counting only brackets outside
/// strings (and, in GraphQL, comments). Malformed text passes: the parser judges it later.
pub fn check_nesting(text: &str, syntax: Syntax) -> Result<(), Refusal> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(Refusal::TooNested);
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            b'#' if syntax == Syntax::GraphQl => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if syntax == Syntax::GraphQl && bytes[i..].starts_with(b"\"\"\"") => {
                i = block_string_end(bytes, i + 3);
            }
            b'"' => i = string_end(bytes, i + 1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// The index of the quote closing a string that starts at `i` (escapes skipped).
fn string_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The index of the last quote closing a block string whose text starts at `i`.
fn block_string_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        if bytes[i..].starts_with(b"\\\"\"\"") {
            i += 4;
        } else if bytes[i..].starts_with(b"\"\"\"") {
            return i + 2;
        } else {
            i += 1;
        }
    }
    bytes.len()
}

/// Turns the parser's multi-line report into one sentence with the position.
fn syntax_error(error: async_graphql::parser::Error) -> Refusal {
    let at = error
        .positions()
        .next()
        .map(|pos| format!(" at line {}, column {}", pos.line, pos.column))
        .unwrap_or_default();
    let detail = match &error {
        async_graphql::parser::Error::Syntax { message, .. } => message
            .lines()
            .rev()
            .find_map(|line| line.trim().strip_prefix("= "))
            .map(|expected| expected.replace('_', " "))
            .unwrap_or_else(|| "unexpected input".to_owned()),
        other => other.to_string().trim_end_matches('.').to_owned(),
    };
    Refusal::Syntax(format!("{at}: {detail}"))
}

/// The measures of a selection set once its fragments are expanded.
#[derive(Clone, Copy, Default)]
struct Shape {
    /// Nesting of fields outside introspection.
    depth: usize,
    /// Nesting of fields inside `__schema`/`__type` (0 when there is none).
    introspection_depth: usize,
    fields: usize,
    aliases: usize,
}

impl Shape {
    /// Two selections side by side: the deeper one counts, sizes add up.
    fn beside(self, other: Self) -> Self {
        Self {
            depth: self.depth.max(other.depth),
            introspection_depth: self.introspection_depth.max(other.introspection_depth),
            fields: self.fields.saturating_add(other.fields),
            aliases: self.aliases.saturating_add(other.aliases),
        }
    }
}

/// What is known of a fragment: being measured (a spread now is a cycle) or its shape.
#[derive(Clone, Copy)]
enum Known {
    Measuring,
    Measured(Shape),
}

/// Measures selection sets, remembering each fragment's shape.
struct Measure<'a> {
    document: &'a ExecutableDocument,
    fragments: HashMap<&'a str, Known>,
}

impl<'a> Measure<'a> {
    fn new(document: &'a ExecutableDocument) -> Self {
        Self {
            document,
            fragments: HashMap::new(),
        }
    }

    /// `chain` counts the fragments being expanded around this selection set.
    fn selection_set(&mut self, set: &'a SelectionSet, chain: usize) -> Result<Shape, Refusal> {
        let mut shape = Shape::default();
        for item in &set.items {
            let item_shape = match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    check_directives(field.directives.len())?;
                    let inner = self.selection_set(&field.selection_set.node, chain)?;
                    let introspection = matches!(field.name.node.as_str(), "__schema" | "__type");
                    Shape {
                        depth: if introspection { 0 } else { inner.depth + 1 },
                        introspection_depth: if introspection {
                            inner.depth.max(inner.introspection_depth) + 1
                        } else if inner.introspection_depth > 0 {
                            inner.introspection_depth + 1
                        } else {
                            0
                        },
                        fields: inner.fields.saturating_add(1),
                        aliases: inner
                            .aliases
                            .saturating_add(usize::from(field.alias.is_some())),
                    }
                }
                Selection::InlineFragment(fragment) => {
                    check_directives(fragment.node.directives.len())?;
                    self.selection_set(&fragment.node.selection_set.node, chain)?
                }
                Selection::FragmentSpread(spread) => {
                    check_directives(spread.node.directives.len())?;
                    self.fragment(spread.node.fragment_name.node.as_str(), chain)?
                }
            };
            shape = shape.beside(item_shape);
        }
        Ok(shape)
    }

    fn fragment(&mut self, name: &'a str, chain: usize) -> Result<Shape, Refusal> {
        match self.fragments.get(name) {
            Some(Known::Measured(shape)) => return Ok(*shape),
            Some(Known::Measuring) => return Err(Refusal::FragmentCycle(name.to_owned())),
            None => {}
        }
        if chain >= MAX_FRAGMENT_CHAIN {
            return Err(Refusal::FragmentChainTooLong);
        }
        // An unknown fragment adds nothing here; validation reports it by name.
        let Some(fragment) = self.document.fragments.get(name) else {
            return Ok(Shape::default());
        };
        self.fragments.insert(name, Known::Measuring);
        let shape = self.selection_set(&fragment.node.selection_set.node, chain + 1)?;
        self.fragments.insert(name, Known::Measured(shape));
        Ok(shape)
    }
}

fn check_directives(count: usize) -> Result<(), Refusal> {
    if count > MAX_DIRECTIVES {
        Err(Refusal::TooManyDirectives)
    } else {
        Ok(())
    }
}

/// The root fields of the document's mutations, through fragments; each fragment is read once.
fn mutation_fields(document: &ExecutableDocument) -> Vec<String> {
    let mut names = Vec::new();
    let mut seen_fragments = std::collections::HashSet::new();
    let mut pending: Vec<&SelectionSet> = document
        .operations
        .iter()
        .filter(|(_, op)| op.node.ty == OperationType::Mutation)
        .map(|(_, op)| &op.node.selection_set.node)
        .collect();
    while let Some(set) = pending.pop() {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => names.push(field.node.name.node.to_string()),
                Selection::InlineFragment(fragment) => {
                    pending.push(&fragment.node.selection_set.node)
                }
                Selection::FragmentSpread(spread) => {
                    let name = &spread.node.fragment_name.node;
                    if seen_fragments.insert(name.as_str())
                        && let Some(fragment) = document.fragments.get(name)
                    {
                        pending.push(&fragment.node.selection_set.node);
                    }
                }
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    #[test]
    fn deep_brackets_are_refused_before_parsing() {
        let deep = format!(
            "{{ viewer(x: {}1{}) {{ role }} }}",
            "[".repeat(5_000),
            "]".repeat(5_000)
        );
        assert_eq!(inspect(&deep, true).err(), Some(Refusal::TooNested));
        let objects = format!("{{ a(x: {}) }}", "{a: ".repeat(3_000));
        assert_eq!(inspect(&objects, true).err(), Some(Refusal::TooNested));
        let selections = format!("{}{}", "{ a ".repeat(3_000), "}".repeat(3_000));
        assert_eq!(inspect(&selections, true).err(), Some(Refusal::TooNested));
        let json = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert_eq!(check_nesting(&json, Syntax::Json), Err(Refusal::TooNested));
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        let text = format!(
            "{{ a(x: \"{0}\", y: \"\"\"{0}\\\"\"\"{0}\"\"\") # {0}\n }}",
            "[".repeat(200)
        );
        assert!(check_nesting(&text, Syntax::GraphQl).is_ok());
        let json = format!("{{\"q\": \"{}\\\"{}\"}}", "[".repeat(200), "{".repeat(200));
        assert!(check_nesting(&json, Syntax::Json).is_ok());
    }

    #[test]
    fn self_multiplying_fragments_are_refused_in_bounded_time() {
        // F0 spreads F1 twice, F1 spreads F2 twice, …: 2^40 fields once expanded.
        let mut query = String::from("{ viewer { ...F0 } }");
        for level in 0..40 {
            query.push_str(&format!(
                " fragment F{level} on Viewer {{ ...F{next} ...F{next} }}",
                next = level + 1
            ));
        }
        query.push_str(" fragment F40 on Viewer { role }");
        let started = Instant::now();
        assert!(matches!(
            inspect(&query, true).err(),
            Some(Refusal::FragmentChainTooLong | Refusal::TooManyFields(_))
        ));
        assert!(started.elapsed() < Duration::from_millis(50));
        let mut wide = String::from("{ viewer { ...F0 } }");
        for level in 0..20 {
            wide.push_str(&format!(
                " fragment F{level} on Viewer {{ ...F{next} ...F{next} }}",
                next = level + 1
            ));
        }
        wide.push_str(" fragment F20 on Viewer { role }");
        assert!(matches!(
            inspect(&wide, true).err(),
            Some(Refusal::TooManyFields(_))
        ));
    }

    #[test]
    fn cycles_are_refused() {
        let query =
            "{ viewer { ...A } } fragment A on Viewer { ...B } fragment B on Viewer { ...A }";
        assert_eq!(
            inspect(query, true).err(),
            Some(Refusal::FragmentCycle("A".into()))
        );
    }

    #[test]
    fn depth_counts_fields_through_fragments_but_not_introspection() {
        let nine = "{ a { b { c { d { e { f { g { h { i } } } } } } } } }";
        assert!(inspect(nine, true).is_ok());
        let through_fragment = "{ a { b { c { d { e { ...F } } } } } } fragment F on T { f { g { h { i { j { k } } } } } }";
        assert_eq!(
            inspect(through_fragment, true).err(),
            Some(Refusal::TooDeep(11))
        );
        let introspection = "{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } }";
        assert!(inspect(introspection, true).is_ok());
        assert_eq!(
            inspect(introspection, false).err(),
            Some(Refusal::IntrospectionDisabled)
        );
        assert!(inspect("{ __typename }", false).is_ok());
    }

    #[test]
    fn aliases_count_once_per_spread() {
        let fifteen =
            "{ a: x { ...F } b: x { ...F } c: x { ...F } } fragment F on T { p: y q: y r: y s: y }";
        assert!(inspect(fifteen, true).is_ok());
        let twenty = "{ a: x { ...F } b: x { ...F } c: x { ...F } d: x { ...F } } fragment F on T { p: y q: y r: y s: y }";
        assert_eq!(
            inspect(twenty, true).err(),
            Some(Refusal::TooManyAliases(20))
        );
    }

    #[test]
    fn mutation_fields_are_found_through_every_fragment() {
        let mut query = String::from("mutation { ...M0 }");
        for i in 0..300 {
            query.push_str(&format!(
                " fragment M{i} on Mutation {{ f{i}: signUp ...M{} }}",
                i + 1
            ));
        }
        query.push_str(" fragment M300 on Mutation { logIn }");
        let fields = mutation_fields(&async_graphql::parser::parse_query(&query).expect("parses"));
        assert!(fields.iter().any(|f| f == "logIn"));
    }

    #[test]
    fn syntax_errors_read_as_sentences() {
        let Err(Refusal::Syntax(detail)) = inspect("{ viewer { role }", true) else {
            panic!("expected a syntax error");
        };
        assert!(detail.starts_with(" at line 1, column"), "{detail}");
        assert!(
            !detail.contains('\n') && !detail.contains("-->"),
            "{detail}"
        );
    }
}
