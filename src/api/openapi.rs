//! The OpenAPI 3.1 description of `/api/v1`, generated from the handlers'
//! `#[utoipa::path]` attributes and the request and response types, and
//! served at `GET /api/v1/openapi.json`.

use super::{events, feed};
use axum::response::IntoResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// Name of the bearer security scheme in the description.
pub const BEARER: &str = "bearer_token";

/// The API's description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Convene API",
        version = "1",
        description = "The meetings of the token's owner: list by time range (series expanded), \
                       read, schedule, change, delete, answer invitations; and the private \
                       calendar feed URL. Authenticate with a personal API token made in \
                       Settings: `Authorization: Bearer cvn_...`. Errors are JSON \
                       `{\"code\", \"message\", \"field\"}` with a stable snake_case code."
    ),
    paths(
        events::list_events,
        events::get_event,
        events::create_event,
        events::update_event,
        events::delete_event,
        events::answer_event,
        feed::get_feed,
        feed::renew_feed,
    ),
    // Referenced from query parameters, which utoipa does not collect.
    components(schemas(events::Scope)),
    modifiers(&BearerAuth),
    security(("bearer_token" = [])),
    tags(
        (name = "events", description = "Meetings and series"),
        (name = "feed", description = "The private iCalendar feed URL"),
    )
)]
pub struct ApiDoc;

/// Declares the `Authorization: Bearer` scheme (RFC 6750) the API uses.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("cvn_ personal API token")
                    .description(Some("A personal API token made in Settings → API tokens"))
                    .build(),
            ),
        );
    }
}

/// `GET /api/v1/openapi.json` (no token needed).
/// The document is built once, on first request.
pub async fn openapi_json() -> axum::response::Response {
    static DOC: std::sync::LazyLock<utoipa::openapi::OpenApi> =
        std::sync::LazyLock::new(ApiDoc::openapi);
    axum::Json(&*DOC).into_response()
}
