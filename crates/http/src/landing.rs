//! What a newcomer finds first: `GET /` and `GET /api/v1` answer with where to
//! go next (the docs, the OpenAPI document, health), and `/docs` browses the
//! native API's OpenAPI document in Swagger UI.
//!
//! Swagger UI's files are compiled into the binary (`utoipa-swagger-ui` with
//! its `vendored` feature: the release ships inside a crate from crates.io, so
//! the build downloads nothing either), and the page's content-security policy
//! lets the browser load nothing but Folio itself: `/docs` works with no
//! internet on either side. `tests/tests/docs.rs` opens it in headless
//! Chromium and checks both.

use std::sync::{Arc, LazyLock};

use actix_web::http::header::{self, ContentType};
use actix_web::{HttpResponse, Resource, web};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_swagger_ui::Config;

use crate::envelope::{self, Data};
use crate::error::ApiError;

/// Where the browsable documentation is served (it redirects to `/docs/`,
/// under which Swagger UI's files resolve).
pub const DOCS_PATH: &str = "/docs";

/// Where the native API's OpenAPI document is served.
pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";

/// What the docs page may load: its own scripts and styles (Swagger UI also
/// sets inline styles), its inline SVG icons, and this API (the document and
/// "Try it out"). Every other page keeps the API's deny-all policy.
const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Swagger UI's settings: the one document, and no online validator (its
/// default sends the document to validator.swagger.io).
static SWAGGER_CONFIG: LazyLock<Arc<Config<'static>>> = LazyLock::new(|| {
    Arc::new(Config::new([OPENAPI_PATH]).validator_url("none").try_it_out_enabled(true).display_operation_id(true))
});

/// Where to go next, as `GET /` and `GET /api/v1` answer it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Landing {
    /// `Folio`.
    name: &'static str,
    /// What is served where.
    description: &'static str,
    links: Links,
}

/// Paths on this server.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Links {
    /// The browsable documentation.
    docs: &'static str,
    /// The OpenAPI 3.1 document of the native API.
    openapi: &'static str,
    /// The native API.
    api: &'static str,
    /// The RealWorld ("Conduit") surface.
    realworld: &'static str,
    /// Liveness.
    health: &'static str,
    /// Readiness.
    ready: &'static str,
}

const LANDING: Landing = Landing {
    name: "Folio",
    description: "A content-platform backend: the native API under /api/v1, the RealWorld (Conduit) API under /api. \
Browse the documentation at /docs.",
    links: Links {
        docs: DOCS_PATH,
        openapi: OPENAPI_PATH,
        api: "/api/v1",
        realworld: "/api",
        health: "/health",
        ready: "/ready",
    },
};

/// `GET /`: the links, in the native envelope. `GET /api/v1` answers the
/// same from the route table (`v1/mod.rs`), which documents it.
pub(crate) fn root() -> Resource {
    web::resource("/").route(web::get().to(index)).default_service(web::to(get_only))
}

/// Where to go next: the documentation, the OpenAPI document, health. `GET /`
/// answers the same.
#[utoipa::path(
    get,
    path = crate::v1::paths::ROOT,
    operation_id = "getApiIndex",
    tag = "meta",
    responses((status = 200, description = "Links to the documentation, the OpenAPI document and health.",
        body = Data<Landing>)),
)]
pub(crate) async fn index() -> HttpResponse {
    envelope::ok(LANDING)
}

/// `GET /docs` (a redirect to `/docs/`) and `GET /docs/{file}`: Swagger UI.
pub(crate) fn docs() -> actix_web::Scope {
    web::scope(DOCS_PATH)
        .service(web::resource("").route(web::get().to(to_docs_folder)).default_service(web::to(get_only)))
        .service(web::resource("/{file:.*}").route(web::get().to(serve_docs)).default_service(web::to(get_only)))
}

async fn get_only() -> Result<HttpResponse, ApiError> {
    Err(ApiError::method_not_allowed("GET"))
}

/// Swagger UI's page loads its files by relative path, so it must be read
/// from the folder URL.
async fn to_docs_folder() -> HttpResponse {
    HttpResponse::PermanentRedirect().insert_header((header::LOCATION, format!("{DOCS_PATH}/"))).finish()
}

async fn serve_docs(file: web::Path<String>) -> Result<HttpResponse, ApiError> {
    match utoipa_swagger_ui::serve(&file, SWAGGER_CONFIG.clone()) {
        Ok(Some(file)) => Ok(HttpResponse::Ok()
            .content_type(if file.content_type.starts_with("text/html") {
                ContentType::html().to_string()
            } else {
                file.content_type
            })
            .insert_header((header::CONTENT_SECURITY_POLICY, DOCS_CSP))
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .body(file.bytes.into_owned())),
        Ok(None) => Err(ApiError::new(crate::ErrorCode::NotFound, "No such file in the documentation.")),
        Err(error) => Err(ApiError::internal(&anyhow::anyhow!("Swagger UI: {error}"))),
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::StatusCode;
    use actix_web::{App, test};
    use serde_json::Value;

    use super::*;

    macro_rules! app {
        () => {
            test::init_service(
                App::new()
                    .service(root())
                    .service(web::resource("/api/v1").route(web::get().to(index)))
                    .service(docs()),
            )
            .await
        };
    }

    fn header(response: &actix_web::dev::ServiceResponse, name: header::HeaderName) -> String {
        response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
    }

    #[actix_web::test]
    async fn root_and_api_v1_answer_with_the_links_in_the_envelope() {
        let app = app!();
        for path in ["/", "/api/v1"] {
            let response = test::call_service(&app, test::TestRequest::get().uri(path).to_request()).await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            let body: Value = test::read_body_json(response).await;
            let links = &body["data"]["links"];
            assert_eq!(links["docs"], "/docs", "{path}: {body}");
            assert_eq!(links["openapi"], "/api/v1/openapi.json", "{path}: {body}");
            assert_eq!(links["health"], "/health", "{path}: {body}");
        }
    }

    #[actix_web::test]
    async fn docs_redirects_to_its_folder_where_swagger_ui_is_served_from_folio_itself() {
        let app = app!();
        let response = test::call_service(&app, test::TestRequest::get().uri("/docs").to_request()).await;
        assert_eq!(response.status(), StatusCode::PERMANENT_REDIRECT);
        assert_eq!(header(&response, header::LOCATION), "/docs/");

        let response = test::call_service(&app, test::TestRequest::get().uri("/docs/").to_request()).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(header(&response, header::CONTENT_TYPE).starts_with("text/html"));
        let policy = header(&response, header::CONTENT_SECURITY_POLICY);
        assert!(policy.contains("default-src 'none'") && policy.contains("script-src 'self';"), "{policy}");
        assert!(!policy.contains("http"), "the page may load nothing from elsewhere: {policy}");
        let page = String::from_utf8(test::read_body(response).await.to_vec()).expect("UTF-8");
        assert!(!page.contains("https://") && !page.contains("http://"), "no remote asset: {page}");

        let response =
            test::call_service(&app, test::TestRequest::get().uri("/docs/swagger-initializer.js").to_request()).await;
        assert_eq!(response.status(), StatusCode::OK);
        let script = String::from_utf8(test::read_body(response).await.to_vec()).expect("UTF-8");
        assert!(script.contains(OPENAPI_PATH), "the viewer reads Folio's document: {script}");
        assert!(script.contains(r#""validatorUrl": "none""#), "no online validator: {script}");

        let response =
            test::call_service(&app, test::TestRequest::get().uri("/docs/swagger-ui-bundle.js").to_request()).await;
        assert_eq!(response.status(), StatusCode::OK, "the viewer itself is compiled in");
    }

    #[actix_web::test]
    async fn landing_pages_refuse_other_methods_and_unknown_files_in_the_envelope() {
        let app = app!();
        for (request, status, code) in [
            (test::TestRequest::post().uri("/"), StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED"),
            (test::TestRequest::post().uri("/docs"), StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED"),
            (test::TestRequest::delete().uri("/docs/index.html"), StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED"),
            (test::TestRequest::get().uri("/docs/no-such-file.js"), StatusCode::NOT_FOUND, "NOT_FOUND"),
        ] {
            let response = test::call_service(&app, request.to_request()).await;
            assert_eq!(response.status(), status);
            let body: Value = test::read_body_json(response).await;
            assert_eq!(body["error"]["code"], code, "{body}");
        }
    }
}
