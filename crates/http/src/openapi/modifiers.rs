//! The document-wide edits utoipa's derive cannot express: the responses every
//! operation shares, and references in place of inline copies of named schemas.

use utoipa::Modify;
use utoipa::openapi::schema::ArrayItems;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Ref, RefOr, Schema};

use super::errors::{
    BadRequest, InternalError, PayloadTooLarge, RateLimited, Unauthenticated, Unavailable, UnsupportedMediaType,
    error_schema, reference,
};
use super::{BEARER, ERROR_SCHEMA};

/// Adds what every operation shares: the error schema, the bearer scheme, and
/// the error responses that do not depend on the operation's own logic.
#[derive(Debug)]
pub(super) struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.schemas.insert(ERROR_SCHEMA.to_owned(), RefOr::T(error_schema()));
        components.security_schemes.insert(
            BEARER.to_owned(),
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A short-lived access token from `POST /api/v1/auth/login`, `register` or `refresh`, sent as \
                         `Authorization: Bearer <access token>`.",
                    ))
                    .build(),
            ),
        );
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.options,
                &mut item.head,
                &mut item.patch,
                &mut item.trace,
            ];
            for operation in operations.into_iter().flatten() {
                let takes_body = operation.request_body.is_some();
                let takes_token = operation.security.iter().flatten().any(|requirement| {
                    serde_json::to_value(requirement).is_ok_and(|value| value.get(BEARER).is_some())
                });
                let mut shared = Vec::new();
                if takes_body {
                    shared.extend([
                        ("400", reference::<BadRequest>()),
                        ("413", reference::<PayloadTooLarge>()),
                        ("415", reference::<UnsupportedMediaType>()),
                    ]);
                }
                if takes_token {
                    shared.push(("401", reference::<Unauthenticated>()));
                }
                shared.extend([
                    ("429", reference::<RateLimited>()),
                    ("500", reference::<InternalError>()),
                    ("503", reference::<Unavailable>()),
                ]);
                let responses = &mut operation.responses.responses;
                for (status, reference) in shared {
                    responses.entry(status.to_owned()).or_insert(reference);
                }
            }
        }
    }
}

/// Replaces every inline copy of a named schema with a `$ref` to it.
///
/// utoipa 5 inlines the arguments of generic schemas, so `Data<UserResponse>`
/// would carry a full copy of `User`, and client generators would see an
/// anonymous type instead of `User`. A subschema equal to a component schema
/// is that schema, so referencing it changes nothing but the names.
#[derive(Debug)]
pub(super) struct ReferenceNamedSchemas;

impl Modify for ReferenceNamedSchemas {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        let named: Vec<(String, RefOr<Schema>)> =
            components.schemas.iter().map(|(name, schema)| (name.clone(), schema.clone())).collect();
        for (name, schema) in &mut components.schemas {
            let RefOr::T(schema) = schema else { continue };
            replace_in_schema(schema, &named, name);
        }
    }
}

/// Replaces the copies in the subschemas of `schema` (not `schema` itself).
fn replace_in_schema(schema: &mut Schema, named: &[(String, RefOr<Schema>)], own_name: &str) {
    let children: Vec<&mut RefOr<Schema>> = match schema {
        Schema::Object(object) => object.properties.values_mut().collect(),
        Schema::Array(array) => match &mut array.items {
            ArrayItems::RefOrSchema(items) => vec![items.as_mut()],
            _ => Vec::new(),
        },
        Schema::AllOf(all_of) => all_of.items.iter_mut().collect(),
        Schema::OneOf(one_of) => one_of.items.iter_mut().collect(),
        Schema::AnyOf(any_of) => any_of.items.iter_mut().collect(),
        _ => Vec::new(),
    };
    for child in children {
        if let Some((name, _)) = named.iter().find(|(name, schema)| name != own_name && schema == &*child) {
            *child = RefOr::Ref(Ref::from_schema_name(name.clone()));
        } else if let RefOr::T(child) = child {
            replace_in_schema(child, named, own_name);
        }
    }
}
