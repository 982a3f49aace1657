//! GraphiQL, the in-browser IDE, in development mode: its page and every file the page loads.
//!
//! The React, ReactDOM and GraphiQL bundles are vendored in `api/assets/graphiql/` (pinned
//! versions, reproducible with `scripts/update-graphiql.sh`) so the IDE works without internet
//! access and the page can send a strict Content-Security-Policy: nothing is loaded from another
//! host and no script is inline.

use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use sha2::{Digest, Sha256};

use super::HttpState;

/// Where the page and its fetcher send GraphQL requests.
const ENDPOINT: &str = "/graphql";

/// URL prefix of the embedded files; `routes` in `http/mod.rs` serves `{ASSETS_PATH}/{file}`.
const ASSETS_PATH: &str = "/graphiql/assets";

/// What the page may load: its own origin only, and no inline script. GraphiQL's dialogs
/// (settings, short keys) inject a `<style>` element to lock page scrolling, whose text varies with
/// the scrollbar width, so styles need `'unsafe-inline'` rather than a hash. Its CSS carries fonts
/// and icons as `data:` URLs, and the page's empty favicon is one too. `connect-src 'self'` keeps
/// the IDE from sending a pasted token anywhere but this server.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; font-src 'self' data:; img-src 'self' data:; \
     connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// For asset URLs that carry the current content version: the URL changes whenever the file does,
/// so a browser may keep it for a year without asking again.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// One embedded file.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $content_type:literal) => {
        Asset {
            name: $name,
            content_type: $content_type,
            body: include_bytes!(concat!("../../assets/graphiql/", $name)),
        }
    };
}

/// Everything under `ASSETS_PATH`. The license files are embedded and served too, so the
/// notices travel with the code they cover wherever the binary goes.
const ASSETS: &[Asset] = &[
    asset!("react.production.min.js", "text/javascript; charset=utf-8"),
    asset!(
        "react-dom.production.min.js",
        "text/javascript; charset=utf-8"
    ),
    asset!("graphiql.min.js", "text/javascript; charset=utf-8"),
    asset!("graphiql.min.css", "text/css; charset=utf-8"),
    asset!("page.css", "text/css; charset=utf-8"),
    asset!("index.js", "text/javascript; charset=utf-8"),
    asset!("react.LICENSE.txt", "text/plain; charset=utf-8"),
    asset!("react-dom.LICENSE.txt", "text/plain; charset=utf-8"),
    asset!("graphiql.LICENSE.txt", "text/plain; charset=utf-8"),
];

/// A short content hash, appended to asset URLs as `?v=` so a changed file gets a new URL.
fn version(body: &[u8]) -> String {
    Sha256::digest(body)[..8]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Content hashes by asset, computed once on first use.
static VERSIONS: LazyLock<Vec<String>> =
    LazyLock::new(|| ASSETS.iter().map(|asset| version(asset.body)).collect());

fn versioned_url(name: &str) -> String {
    let index = ASSETS
        .iter()
        .position(|asset| asset.name == name)
        .expect("the page names only embedded assets");
    format!("{ASSETS_PATH}/{name}?v={}", VERSIONS[index])
}

/// The page: styles first, then React, ReactDOM, GraphiQL and the start-up script (`index.js`),
/// in the order the UMD globals depend on each other.
static PAGE: LazyLock<String> = LazyLock::new(|| {
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Steward GraphiQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{graphiql_css}">
<link rel="stylesheet" href="{page_css}">
</head>
<body>
<div id="graphiql" data-endpoint="{ENDPOINT}"><p class="steward-loading">Loading GraphiQL…</p></div>
<noscript>GraphiQL needs JavaScript.</noscript>
<script src="{react}"></script>
<script src="{react_dom}"></script>
<script src="{graphiql}"></script>
<script src="{index}"></script>
</body>
</html>
"#,
        graphiql_css = versioned_url("graphiql.min.css"),
        page_css = versioned_url("page.css"),
        react = versioned_url("react.production.min.js"),
        react_dom = versioned_url("react-dom.production.min.js"),
        graphiql = versioned_url("graphiql.min.js"),
        index = versioned_url("index.js"),
    )
});

/// GET /graphiql (and GET /graphql without a query): the IDE, or 404 in production.
pub async fn page(state: web::Data<HttpState>) -> HttpResponse {
    if state.app.settings.is_production() {
        return HttpResponse::NotFound().finish();
    }
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .body(PAGE.as_str())
}

/// GET /graphiql/assets/{file}: an embedded file of the page, or 404 in production and for any
/// name not in the list.
pub async fn asset(
    req: HttpRequest,
    state: web::Data<HttpState>,
    file: web::Path<String>,
) -> HttpResponse {
    if state.app.settings.is_production() {
        return HttpResponse::NotFound().finish();
    }
    let Some(index) = ASSETS.iter().position(|asset| asset.name == file.as_str()) else {
        return HttpResponse::NotFound().finish();
    };
    let asset = &ASSETS[index];
    let mut response = HttpResponse::Ok();
    response.content_type(asset.content_type);
    // Only the URL the page links to (the current `?v=`) may be cached for good; any other URL of
    // the file keeps the server-wide `no-store`, so it never pins an old copy.
    let current = format!("v={}", VERSIONS[index]);
    if req.query_string() == current {
        response.insert_header((header::CACHE_CONTROL, IMMUTABLE));
    }
    response.body(asset.body)
}
