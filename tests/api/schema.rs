//! The schema as documentation: every part of it is described.

use serde_json::{Value, json};

use crate::support::TestApp;

/// Scalars the GraphQL specification defines; their descriptions are not ours to write.
const SPEC_SCALARS: &[&str] = &["String", "Int", "Float", "Boolean", "ID"];

/// Shallow on purpose: the server limits query depth, and this needs no `ofType` chains.
const INTROSPECTION: &str = "{ __schema { types { name kind description \
    fields(includeDeprecated: true) { name description args { name description } } \
    inputFields { name description } \
    enumValues(includeDeprecated: true) { name description } } } }";

/// Descriptions are the API documentation: every type, field, field argument, input field and
/// enum value of our schema has one, as a client sees it through introspection.
#[tokio::test]
async fn every_type_field_argument_and_enum_value_is_described() {
    let app = TestApp::spawn().await;
    let response = app.gql(None, INTROSPECTION, json!({})).await;
    let types = response.ok()["__schema"]["types"]
        .as_array()
        .expect("types");

    let undescribed = |item: &Value| {
        item["description"]
            .as_str()
            .is_none_or(|text| text.trim().is_empty())
    };
    let items = |ty: &Value, key: &str| ty[key].as_array().cloned().unwrap_or_default();
    let name = |item: &Value| item["name"].as_str().expect("name").to_owned();

    let mut missing = Vec::new();
    for ty in types {
        let type_name = name(ty);
        if type_name.starts_with("__") || SPEC_SCALARS.contains(&type_name.as_str()) {
            continue;
        }
        if undescribed(ty) {
            missing.push(type_name.clone());
        }
        for field in items(ty, "fields") {
            let field_name = name(&field);
            if undescribed(&field) {
                missing.push(format!("{type_name}.{field_name}"));
            }
            for arg in items(&field, "args").iter().filter(|arg| undescribed(arg)) {
                missing.push(format!("{type_name}.{field_name}({})", name(arg)));
            }
        }
        for key in ["inputFields", "enumValues"] {
            for item in items(ty, key).iter().filter(|item| undescribed(item)) {
                missing.push(format!("{type_name}.{}", name(item)));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "{} parts of the schema have no description:\n{}",
        missing.len(),
        missing.join("\n")
    );
}
