//! Null in the place of each failed nullable field, filled in after execution from the errors'
//! paths. async-graphql 7 leaves a failed field out of its parent object (and answers an object
//! whose every field failed as null); the GraphQL spec asks for `null` in a nullable field's
//! place, next to its error, so a client sees `{ "shop": null }` rather than `{}`.
//!
//! Doing this once per answer instead of in a per-field extension keeps every field on
//! async-graphql's fast path: registering any extension makes each field build its resolve
//! info and pass through the hook, which halved the throughput of field-heavy queries. Errors
//! are rare, so the document is walked only for the answers that have them.

use std::collections::{HashMap, HashSet};

use async_graphql::parser::types::{
    BaseType, DocumentOperations, ExecutableDocument, Field, OperationType, Selection,
    SelectionSet, TypeKind, TypeSystemDefinition,
};
use async_graphql::{Name, PathSegment, ServerError, Value};

/// Deepest fragment nesting followed; validated documents stay far below it.
const MAX_FRAGMENT_DEPTH: usize = 64;

/// The declared type of a field: whether it may be null, and the named type inside any list.
#[derive(Clone, Debug)]
struct FieldShape {
    nullable: bool,
    named: String,
}

/// Every field of every object and interface type of the schema, by (type, field).
#[derive(Debug, Default)]
pub struct Shapes {
    fields: HashMap<(String, String), FieldShape>,
}

impl Shapes {
    /// Reads the field types of `sdl`.
    pub fn of(sdl: &str) -> Self {
        let mut fields = HashMap::new();
        let document = match async_graphql::parser::parse_schema(sdl) {
            Ok(document) => document,
            Err(err) => {
                // Failed nullable fields would then be left out instead of null; a unit test
                // reads Steward's own SDL, so this cannot ship unnoticed.
                tracing::error!(error = %err, "could not read the schema's field types");
                return Self::default();
            }
        };
        for definition in document.definitions {
            let TypeSystemDefinition::Type(definition) = definition else {
                continue;
            };
            let definition = definition.node;
            let declared = match definition.kind {
                TypeKind::Object(object) => object.fields,
                TypeKind::Interface(interface) => interface.fields,
                _ => continue,
            };
            for field in declared {
                let field = field.node;
                let mut ty = &field.ty.node;
                while let BaseType::List(inner) = &ty.base {
                    ty = inner;
                }
                let BaseType::Named(named) = &ty.base else {
                    continue;
                };
                fields.insert(
                    (
                        definition.name.node.to_string(),
                        field.name.node.to_string(),
                    ),
                    FieldShape {
                        nullable: field.ty.node.nullable,
                        named: named.to_string(),
                    },
                );
            }
        }
        Self { fields }
    }

    fn get(&self, type_name: &str, field: &str) -> Option<&FieldShape> {
        self.fields.get(&(type_name.to_owned(), field.to_owned()))
    }
}

/// A field of the document found under a response key, with the type it was selected on.
struct Found<'d> {
    on: String,
    field: &'d Field,
}

/// Selection sets of the document, each with the type it selects on.
type Sets<'d> = Vec<(String, &'d SelectionSet)>;

/// Walks the selections of a document, through its fragments.
struct Walk<'d> {
    document: &'d ExecutableDocument,
}

impl<'d> Walk<'d> {
    /// Every field under `key` in `sets`, in document order.
    fn fields(&self, sets: &Sets<'d>, key: &str) -> Vec<Found<'d>> {
        let mut found = Vec::new();
        for (on, set) in sets {
            self.collect(on, set, key, 0, &mut found);
        }
        found
    }

    fn collect(
        &self,
        on: &str,
        set: &'d SelectionSet,
        key: &str,
        depth: usize,
        found: &mut Vec<Found<'d>>,
    ) {
        if depth > MAX_FRAGMENT_DEPTH {
            return;
        }
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    if field.node.response_key().node.as_str() == key {
                        found.push(Found {
                            on: on.to_owned(),
                            field: &field.node,
                        });
                    }
                }
                Selection::InlineFragment(fragment) => {
                    let on = fragment
                        .node
                        .type_condition
                        .as_ref()
                        .map_or(on, |condition| condition.node.on.node.as_str());
                    self.collect(on, &fragment.node.selection_set.node, key, depth + 1, found);
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) =
                        self.document.fragments.get(&spread.node.fragment_name.node)
                    {
                        let on = fragment.node.type_condition.node.on.node.as_str();
                        self.collect(on, &fragment.node.selection_set.node, key, depth + 1, found);
                    }
                }
            }
        }
    }

    /// The response keys of `sets`, in the order the document selects them.
    fn keys(&self, sets: &Sets<'d>) -> Vec<&'d str> {
        let mut keys = Vec::new();
        let mut seen = HashSet::new();
        for (_, set) in sets {
            self.keys_of(set, 0, &mut keys, &mut seen);
        }
        keys
    }

    fn keys_of(
        &self,
        set: &'d SelectionSet,
        depth: usize,
        keys: &mut Vec<&'d str>,
        seen: &mut HashSet<&'d str>,
    ) {
        if depth > MAX_FRAGMENT_DEPTH {
            return;
        }
        for selection in &set.items {
            let inner = match &selection.node {
                Selection::Field(field) => {
                    let key = field.node.response_key().node.as_str();
                    if seen.insert(key) {
                        keys.push(key);
                    }
                    continue;
                }
                Selection::InlineFragment(fragment) => &fragment.node.selection_set.node,
                Selection::FragmentSpread(spread) => {
                    match self.document.fragments.get(&spread.node.fragment_name.node) {
                        Some(fragment) => &fragment.node.selection_set.node,
                        None => continue,
                    }
                }
            };
            self.keys_of(inner, depth + 1, keys, seen);
        }
    }
}

/// The operation a request runs: the one named, or the only one.
fn operation<'d>(
    document: &'d ExecutableDocument,
    name: Option<&str>,
) -> Option<(OperationType, &'d SelectionSet)> {
    let operation = match (&document.operations, name) {
        (DocumentOperations::Single(operation), _) => operation,
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name)?,
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next()?
        }
        _ => return None,
    };
    Some((operation.node.ty, &operation.node.selection_set.node))
}

/// What `fill` learnt from the errors besides the nulls.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Filled {
    /// Root fields refused with FORBIDDEN, by field name (not alias), each once.
    pub forbidden_roots: Vec<String>,
}

fn is_forbidden(error: &ServerError) -> bool {
    error
        .extensions
        .as_ref()
        .and_then(|extensions| extensions.get("code"))
        .is_some_and(|code| *code == Value::from("FORBIDDEN"))
}

/// Puts `null` into `data` in the place of each failed nullable field named by an error of
/// `errors`, for the operation `operation_name` of `query`. A failed non-null field stays left
/// out, as async-graphql answers it.
pub fn fill(
    data: &mut Value,
    errors: &[ServerError],
    query: &str,
    operation_name: Option<&str>,
    shapes: &Shapes,
) -> Filled {
    let mut filled = Filled::default();
    if errors.iter().all(|error| error.path.is_empty()) {
        return filled;
    }
    let Ok(document) = async_graphql::parser::parse_query(query) else {
        return filled;
    };
    let Some((kind, root)) = operation(&document, operation_name) else {
        return filled;
    };
    let root_type = match kind {
        OperationType::Query => "Query",
        OperationType::Mutation => "Mutation",
        OperationType::Subscription => return filled,
    };
    let walk = Walk {
        document: &document,
    };
    let root: Sets<'_> = vec![(root_type.to_owned(), root)];
    let mut denied = HashSet::new();
    // A page of rows whose hidden field failed has one error per row: the document is walked
    // once per path of keys, not once per error.
    let mut resolved: HashMap<Vec<&str>, Option<Target<'_>>> = HashMap::new();
    for error in errors {
        let Some(PathSegment::Field(root_key)) = error.path.first() else {
            continue;
        };
        if error.path.len() == 1
            && is_forbidden(error)
            && let Some(found) = walk.fields(&root, root_key).first()
            && denied.insert(found.field.name.node.to_string())
        {
            filled
                .forbidden_roots
                .push(found.field.name.node.to_string());
        }
        let Some(PathSegment::Field(_)) = error.path.last() else {
            continue;
        };
        let keys: Vec<&str> = error
            .path
            .iter()
            .filter_map(|segment| match segment {
                PathSegment::Field(key) => Some(key.as_str()),
                PathSegment::Index(_) => None,
            })
            .collect();
        let target = resolved
            .entry(keys)
            .or_insert_with_key(|keys| Target::of(&walk, root.clone(), keys, shapes));
        if let Some(target) = target {
            null_at(data, &error.path, target);
        }
    }
    filled
}

/// A failed nullable field as the document selects it: the keys of the objects it is selected
/// in, in the document's order, and its own key.
struct Target<'d> {
    siblings: Vec<&'d str>,
}

impl<'d> Target<'d> {
    /// Follows `keys` through the document from the root `sets`; `None` unless the last key is
    /// a field that may be null under every type it is selected on.
    fn of(walk: &Walk<'d>, mut sets: Sets<'d>, keys: &[&str], shapes: &Shapes) -> Option<Self> {
        let (failed, parents) = keys.split_last()?;
        for key in parents {
            // Each selection continues on its own field's type: fragments on different types
            // may select different fields under one key.
            sets = walk
                .fields(&sets, key)
                .into_iter()
                .filter_map(|found| {
                    let shape = shapes.get(&found.on, found.field.name.node.as_str())?;
                    Some((shape.named.clone(), &found.field.selection_set.node))
                })
                .collect();
        }
        let found = walk.fields(&sets, failed);
        let nullable = !found.is_empty()
            && found.iter().all(|found| {
                shapes
                    .get(&found.on, found.field.name.node.as_str())
                    .is_some_and(|shape| shape.nullable)
            });
        nullable.then(|| Self {
            siblings: walk.keys(&sets),
        })
    }
}

/// Follows `path` from the root of `data` to the object of its failed field (`target`); when
/// the field is missing there, puts `null` in the position the document selects it.
fn null_at(data: &mut Value, path: &[PathSegment], target: &Target<'_>) {
    let Some((PathSegment::Field(failed), parents)) = path.split_last() else {
        return;
    };
    // Every object on the path resolved (a field under it ran), so a null there is an object
    // whose every field failed.
    let mut value = data;
    for segment in parents {
        value = match (segment, value) {
            (PathSegment::Index(index), Value::List(items)) => match items.get_mut(*index) {
                Some(item) => item,
                None => return,
            },
            (PathSegment::Field(key), value) => {
                match as_object(value).and_then(|object| object.get_mut(key.as_str())) {
                    Some(next) => next,
                    None => return,
                }
            }
            _ => return,
        };
    }
    let Some(object) = as_object(value) else {
        return;
    };
    if object.contains_key(failed.as_str()) {
        return;
    }
    let position = target
        .siblings
        .iter()
        .take_while(|key| **key != failed.as_str())
        .filter(|key| object.contains_key(**key))
        .count();
    object.shift_insert(position, Name::new(failed), Value::Null);
}

/// The object `value` is, an object whose every field failed (null) made empty.
fn as_object(value: &mut Value) -> Option<&mut async_graphql::indexmap::IndexMap<Name, Value>> {
    if *value == Value::Null {
        *value = Value::Object(Default::default());
    }
    match value {
        Value::Object(object) => Some(object),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::Pos;

    use super::*;

    const SDL: &str = r#"
        interface Node { id: ID! }
        type Shop implements Node { id: ID! name: String! cost: Int products: [Product!]! owner: User! }
        type Product implements Node { id: ID! sku: String! cost: Int }
        type User { email: String! }
        type Query { shop: Shop node(id: ID!): Node shops: [Shop!]! secret: Int }
        type Mutation { archive: Int }
    "#;

    fn error(path: &[PathSegment], code: &str) -> ServerError {
        let mut error = ServerError::new("failed", Some(Pos::default()));
        error.path = path.to_vec();
        let mut extensions = async_graphql::ErrorExtensionValues::default();
        extensions.set("code", code);
        error.extensions = Some(extensions);
        error
    }

    fn field(name: &str) -> PathSegment {
        PathSegment::Field(name.to_owned())
    }

    fn json(value: &Value) -> String {
        serde_json::to_string(value).unwrap_or_default()
    }

    #[test]
    fn a_failed_nullable_field_is_null_in_its_place_and_a_non_null_one_stays_out() {
        let shapes = Shapes::of(SDL);
        let query = "{ shop { id cost name owner { email } } }";
        let mut data = async_graphql::value!({ "shop": { "id": "1", "name": "A" } });
        let errors = [
            error(&[field("shop"), field("cost")], "FORBIDDEN"),
            error(&[field("shop"), field("owner")], "INTERNAL"),
        ];
        let filled = fill(&mut data, &errors, query, None, &shapes);
        assert_eq!(json(&data), r#"{"shop":{"id":"1","cost":null,"name":"A"}}"#);
        assert_eq!(filled, Filled::default(), "not a root field");
    }

    #[test]
    fn aliases_fragments_lists_and_objects_whose_every_field_failed_are_followed() {
        let shapes = Shapes::of(SDL);
        let query = "query Q { all: shops { ...S } first: node(id: \"1\") { ... on Product { price: cost } } } \
                     fragment S on Shop { products { sku c: cost } }";
        // The second product's only selected nullable field failed, and `first` has only
        // its failed field: async-graphql answers both as null.
        let mut data = async_graphql::value!({
            "all": [{ "products": [{ "sku": "A" }, { "sku": "B" }] }],
            "first": null,
        });
        let errors = [
            error(
                &[
                    field("all"),
                    PathSegment::Index(0),
                    field("products"),
                    PathSegment::Index(1),
                    field("c"),
                ],
                "FORBIDDEN",
            ),
            error(&[field("first"), field("price")], "FORBIDDEN"),
        ];
        fill(&mut data, &errors, query, Some("Q"), &shapes);
        assert_eq!(
            json(&data),
            r#"{"all":[{"products":[{"sku":"A"},{"sku":"B","c":null}]}],"first":{"price":null}}"#
        );
    }

    #[test]
    fn steward_schema_is_read_with_its_nullable_and_non_null_fields() {
        let shapes = Shapes::of(&crate::graphql::schema::sdl());
        let nullable = |ty: &str, field: &str| shapes.get(ty, field).map(|s| s.nullable);
        assert_eq!(nullable("Product", "cost"), Some(true));
        assert_eq!(nullable("Product", "sku"), Some(false));
        assert_eq!(nullable("Query", "shop"), Some(true));
        assert_eq!(nullable("Mutation", "createShop"), Some(false));
    }

    #[test]
    fn a_key_selected_on_several_types_is_null_only_where_every_one_may_be_null() {
        let sdl = "interface Node { id: ID! } type A implements Node { id: ID! x: Int! y: Int } \
                   type B implements Node { id: ID! x: Int y: Int } \
                   type Query { node: Node }";
        let shapes = Shapes::of(sdl);
        let query = "{ node { id ... on A { x y } ... on B { x y } } }";
        let mut data = async_graphql::value!({ "node": { "id": "1" } });
        let errors = [
            error(&[field("node"), field("x")], "FORBIDDEN"),
            error(&[field("node"), field("y")], "FORBIDDEN"),
        ];
        fill(&mut data, &errors, query, None, &shapes);
        // `x` is non-null on A: which type answered is not known here, so it stays out.
        assert_eq!(json(&data), r#"{"node":{"id":"1","y":null}}"#);
    }

    #[test]
    fn root_fields_refused_as_forbidden_are_named_once_and_left_null() {
        let shapes = Shapes::of(SDL);
        let query = "{ a: secret b: secret shop { id } }";
        let mut data = async_graphql::value!({ "shop": { "id": "1" } });
        let errors = [
            error(&[field("a")], "FORBIDDEN"),
            error(&[field("b")], "FORBIDDEN"),
        ];
        let filled = fill(&mut data, &errors, query, None, &shapes);
        assert_eq!(filled.forbidden_roots, ["secret"]);
        assert_eq!(json(&data), r#"{"a":null,"b":null,"shop":{"id":"1"}}"#);
        // Every root field failed: async-graphql answers no data at all.
        let mut nothing = Value::Null;
        fill(
            &mut nothing,
            &errors,
            "{ a: secret b: secret }",
            None,
            &shapes,
        );
        assert_eq!(json(&nothing), r#"{"a":null,"b":null}"#);
    }
}
