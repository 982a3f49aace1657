//! The schema as documentation: every part of it is described.

/// Descriptions are the API documentation: every type, field, input field and enum value has one.
/// Arguments of connection fields (`first`, `after`, …) are documented on the field.
#[test]
fn every_type_field_and_enum_value_is_described() {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};

    let document =
        async_graphql::parser::parse_schema(api::graphql::schema::sdl()).expect("SDL parses");
    let mut missing = Vec::new();
    for definition in &document.definitions {
        let TypeSystemDefinition::Type(ty) = definition else {
            continue;
        };
        let ty = &ty.node;
        let name = ty.name.node.as_str();
        if ["Query", "Mutation", "PageInfo"].contains(&name)
            || name.ends_with("Connection")
            || name.ends_with("Edge")
        {
            // Roots and pagination plumbing are described by the fields that return them.
        } else if ty.description.is_none() && !matches!(ty.kind, TypeKind::Scalar) {
            missing.push(name.to_owned());
        }
        match &ty.kind {
            TypeKind::Object(object) => {
                for field in &object.fields {
                    if field.node.description.is_none() {
                        missing.push(format!("{name}.{}", field.node.name.node));
                    }
                }
            }
            TypeKind::Interface(interface) => {
                for field in &interface.fields {
                    if field.node.description.is_none() {
                        missing.push(format!("{name}.{}", field.node.name.node));
                    }
                }
            }
            TypeKind::InputObject(input) => {
                for field in &input.fields {
                    if field.node.description.is_none() {
                        missing.push(format!("{name}.{}", field.node.name.node));
                    }
                }
            }
            TypeKind::Enum(enumeration) => {
                for value in &enumeration.values {
                    if value.node.description.is_none() {
                        missing.push(format!("{name}.{}", value.node.value.node));
                    }
                }
            }
            _ => {}
        }
    }
    assert!(missing.is_empty(), "undocumented: {}", missing.join(", "));
}
