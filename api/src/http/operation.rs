//! What a GraphQL document asks for, read before it runs (for transport and idempotency rules).

use async_graphql::parser::types::{OperationType, Selection, SelectionSet};

/// Whether a document holds anything but queries; `None` when it does not parse.
pub fn writes(query: &str) -> Option<bool> {
    let document = async_graphql::parser::parse_query(query).ok()?;
    Some(
        document
            .operations
            .iter()
            .any(|(_, op)| op.node.ty != OperationType::Query),
    )
}

/// The root fields of the document's mutations (through fragments too).
pub fn mutation_fields(query: &str) -> Vec<String> {
    let Ok(document) = async_graphql::parser::parse_query(query) else {
        return Vec::new();
    };
    let mut names = Vec::new();
    let mut pending: Vec<&SelectionSet> = document
        .operations
        .iter()
        .filter(|(_, op)| op.node.ty == OperationType::Mutation)
        .map(|(_, op)| &op.node.selection_set.node)
        .collect();
    // Fragments cannot nest forever in a valid document; the bound keeps an invalid one finite.
    let mut budget = 256;
    while let Some(set) = pending.pop() {
        for item in &set.items {
            budget -= 1;
            if budget == 0 {
                return names;
            }
            match &item.node {
                Selection::Field(field) => names.push(field.node.name.node.to_string()),
                Selection::InlineFragment(fragment) => {
                    pending.push(&fragment.node.selection_set.node)
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node)
                    {
                        pending.push(&fragment.node.selection_set.node);
                    }
                }
            }
        }
    }
    names
}
