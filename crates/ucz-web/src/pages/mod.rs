//! The web pages people use: server-rendered HTML in Korean (English on request), styled with
//! KRDS, working offline. Every page goes through the API's own handlers and role rules; this
//! module adds only presentation, forms and files.

mod account;
mod assets;
mod awards;
mod bookings;
mod calls;
mod catalog;
mod charts;
mod edit;
mod evaluation;
pub(crate) mod export;
mod firm;
mod form;
mod housing;
mod hubs;
mod import;
mod members;
mod network;
mod occupancy;
mod overview;
mod pipeline;
pub(crate) mod placement;
mod statements;
mod suitability;
mod zone;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::value::Serde;
use minijinja::{Environment, State as TemplateState, UndefinedBehavior};
use serde_json::{Value, json};
use ucz_core::message::Message;
use ucz_core::{Catalog, Lang};

use crate::AppState;
use crate::auth::{Caller, Role, SESSION_COOKIE, cookie, random_token, session_user};
use crate::error::ApiError;
use ucz_service::Code;

pub const LANG_COOKIE: &str = "ucz_lang";
/// Before logging in, forms are protected by a double-submit token in this cookie.
pub const FORM_COOKIE: &str = "ucz_form";

const TEMPLATES: [(&str, &str); 53] = [
    (
        "pipeline.html",
        include_str!("../../templates/pipeline.html"),
    ),
    ("hubs.html", include_str!("../../templates/hubs.html")),
    (
        "suitability.html",
        include_str!("../../templates/suitability.html"),
    ),
    ("network.html", include_str!("../../templates/network.html")),
    (
        "planning_tabs.html",
        include_str!("../../templates/planning_tabs.html"),
    ),
    (
        "evaluation.html",
        include_str!("../../templates/evaluation.html"),
    ),
    (
        "evaluation_zone.html",
        include_str!("../../templates/evaluation_zone.html"),
    ),
    (
        "evaluation_records.html",
        include_str!("../../templates/evaluation_records.html"),
    ),
    (
        "evaluation_plan.html",
        include_str!("../../templates/evaluation_plan.html"),
    ),
    (
        "evaluation_report.html",
        include_str!("../../templates/evaluation_report.html"),
    ),
    ("housing.html", include_str!("../../templates/housing.html")),
    (
        "housing_manage.html",
        include_str!("../../templates/housing_manage.html"),
    ),
    (
        "housing_round.html",
        include_str!("../../templates/housing_round.html"),
    ),
    (
        "occupancy.html",
        include_str!("../../templates/occupancy.html"),
    ),
    (
        "statements.html",
        include_str!("../../templates/statements.html"),
    ),
    (
        "statement.html",
        include_str!("../../templates/statement.html"),
    ),
    (
        "bookings.html",
        include_str!("../../templates/bookings.html"),
    ),
    (
        "bookings_manage.html",
        include_str!("../../templates/bookings_manage.html"),
    ),
    ("awards.html", include_str!("../../templates/awards.html")),
    ("award.html", include_str!("../../templates/award.html")),
    (
        "award_manage.html",
        include_str!("../../templates/award_manage.html"),
    ),
    ("layout.html", include_str!("../../templates/layout.html")),
    ("macros.html", include_str!("../../templates/macros.html")),
    (
        "overview.html",
        include_str!("../../templates/overview.html"),
    ),
    ("zone.html", include_str!("../../templates/zone.html")),
    ("firm.html", include_str!("../../templates/firm.html")),
    ("firms.html", include_str!("../../templates/firms.html")),
    ("catalog.html", include_str!("../../templates/catalog.html")),
    ("form.html", include_str!("../../templates/form.html")),
    ("import.html", include_str!("../../templates/import.html")),
    ("preview.html", include_str!("../../templates/preview.html")),
    ("login.html", include_str!("../../templates/login.html")),
    ("calls.html", include_str!("../../templates/calls.html")),
    ("call.html", include_str!("../../templates/call.html")),
    (
        "call_queue.html",
        include_str!("../../templates/call_queue.html"),
    ),
    (
        "call_review.html",
        include_str!("../../templates/call_review.html"),
    ),
    (
        "call_import.html",
        include_str!("../../templates/call_import.html"),
    ),
    (
        "call_calendar.html",
        include_str!("../../templates/call_calendar.html"),
    ),
    ("account.html", include_str!("../../templates/account.html")),
    ("message.html", include_str!("../../templates/message.html")),
    ("signup.html", include_str!("../../templates/signup.html")),
    ("verify.html", include_str!("../../templates/verify.html")),
    ("forgot.html", include_str!("../../templates/forgot.html")),
    ("reset.html", include_str!("../../templates/reset.html")),
    ("privacy.html", include_str!("../../templates/privacy.html")),
    ("inbox.html", include_str!("../../templates/inbox.html")),
    (
        "zone_links.html",
        include_str!("../../templates/zone_links.html"),
    ),
    ("outbox.html", include_str!("../../templates/outbox.html")),
    (
        "unsubscribe.html",
        include_str!("../../templates/unsubscribe.html"),
    ),
    ("error.html", include_str!("../../templates/error.html")),
    ("confirm.html", include_str!("../../templates/confirm.html")),
    (
        "placement.html",
        include_str!("../../templates/placement.html"),
    ),
    (
        "retention.html",
        include_str!("../../templates/retention.html"),
    ),
];

const WORDS: &str = include_str!("../../templates/words.toml");

/// The compiled templates, the words of both languages and the imports awaiting confirmation.
pub struct Pages {
    env: Environment<'static>,
    words: HashMap<Lang, Value>,
    /// Problems found when the templates or words were loaded; a test keeps this empty.
    pub problems: Vec<String>,
    pub(crate) imports: Mutex<import::Pending>,
    /// Files being read and checked for an import; more wait their turn.
    pub(crate) import_turns: tokio::sync::Semaphore,
}

impl Pages {
    pub fn new(catalog: &Catalog) -> Pages {
        let mut problems = Vec::new();
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        for (name, source) in TEMPLATES {
            if let Err(e) = env.add_template(name, source) {
                problems.push(format!("template {name}: {e:#}"));
            }
        }
        let names = Arc::new(catalog_names(catalog));
        env.add_function(
            "name",
            move |state: &TemplateState, kind: String, id: String| -> String {
                let en = state
                    .lookup("lang")
                    .is_some_and(|l| l.as_str() == Some("en"));
                // "areas": a 시·도 or a 광역경제권, wherever either may be named.
                let found = if kind == "areas" {
                    names
                        .get(&("regions".to_string(), id.clone()))
                        .or_else(|| names.get(&("economic_regions".to_string(), id.clone())))
                } else {
                    names.get(&(kind, id.clone()))
                };
                match found {
                    Some((ko, english)) => if en { english } else { ko }.clone(),
                    None => id,
                }
            },
        );
        env.add_filter("grouped", ucz_core::report::thousands);
        // A stored UTC moment as Korea reads it (`2026-12-27 23:59`).
        env.add_filter("kst", |stamp: String| -> String {
            ucz_core::date::korea_time(&stamp).unwrap_or(stamp)
        });
        // Unix seconds as Korea reads them (`2026-07-12 10:00`).
        env.add_filter("seconds_kst", |seconds: i64| -> String {
            ucz_core::booking::show(ucz_core::booking::from_seconds(seconds))
        });
        env.add_filter("cite", |state: &TemplateState, source: String| -> String {
            let en = state
                .lookup("lang")
                .is_some_and(|l| l.as_str() == Some("en"));
            if en { source } else { cite_ko(&source) }
        });
        let mut words = HashMap::new();
        match toml::from_str::<toml::Table>(WORDS) {
            Ok(table) => {
                for lang in [Lang::Ko, Lang::En] {
                    let mut map = serde_json::Map::new();
                    for (key, entry) in &table {
                        match entry.get(lang.to_string()).and_then(|v| v.as_str()) {
                            Some(text) => {
                                map.insert(key.clone(), Value::from(text));
                            }
                            None => problems.push(format!("words.toml: {key} has no {lang}")),
                        }
                    }
                    words.insert(lang, Value::Object(map));
                }
            }
            Err(e) => problems.push(format!("words.toml: {e}")),
        }
        Pages {
            env,
            words,
            problems,
            imports: Mutex::new(import::Pending::default()),
            import_turns: tokio::sync::Semaphore::new(import::CHECKING_AT_ONCE),
        }
    }

    fn render(&self, template: &str, context: &Value) -> Result<String, ApiError> {
        self.env
            .get_template(template)
            .and_then(|t| t.render(Serde(context)))
            .map_err(|e| ApiError::internal(format!("page {template}: {e:#}")))
    }

    pub fn word(&self, lang: Lang, key: &str) -> String {
        self.words
            .get(&lang)
            .and_then(|w| w.get(key))
            .and_then(Value::as_str)
            .unwrap_or(key)
            .to_string()
    }
}

/// A field error as a page shows it: its message in the visitor's language, by its key.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Shown {
    pub field: String,
    pub message: String,
}

impl Shown {
    pub fn new(error: &crate::error::FieldError, lang: Lang) -> Self {
        Shown {
            field: error.field.clone(),
            message: error.message.render(lang),
        }
    }
}

/// A message as a page says it: where it names a region or a designated zone by its id
/// (`region`, `zone_region`, `left_to`, `zone`), the catalog's name in the visitor's language.
pub fn named(catalog: &Catalog, message: &Message, lang: Lang) -> Message {
    use ucz_core::message::Arg;
    let mut message = message.clone();
    for (name, arg) in &mut message.args {
        match arg {
            Arg::Text(id) if matches!(*name, "region" | "zone_region" | "left_to") => {
                if catalog.region(id.as_str()).is_some() {
                    *id = catalog.name(ucz_core::catalog::Kind::Region, id.as_str(), lang);
                }
            }
            Arg::Text(id) if *name == "zone" => {
                if let Some(zone) = catalog.designated_zone(id.as_str()) {
                    *id = lang.pick(&zone.name_ko, &zone.name_en).to_string();
                }
            }
            Arg::Text(_) => {}
            Arg::Message(inner) => **inner = named(catalog, inner, lang),
        }
    }
    message
}

/// Every catalog entry's Korean and English name, by (kind, id).
fn catalog_names(catalog: &Catalog) -> HashMap<(String, String), (String, String)> {
    let mut names = HashMap::new();
    if let Ok(Value::Object(kinds)) = serde_json::to_value(catalog) {
        for (kind, items) in kinds {
            for item in items.as_array().into_iter().flatten() {
                let text = |key: &str| item[key].as_str().unwrap_or_default().to_string();
                names.insert(
                    (kind.clone(), text("id")),
                    (text("name_ko"), text("name_en")),
                );
            }
        }
    }
    names
}

/// A citation of the brief (`Figure 4; Section 3, 공간전략`) as a Korean page writes it
/// (`그림 4; 3장, 공간전략`): the catalog cites the brief by its own numbering in one form.
fn cite_ko(source: &str) -> String {
    let mut text = source.to_string();
    for (en, ko) in [
        ("Since the brief:", "정책브리프 이후:"),
        ("Since the brief", "정책브리프 이후"),
        ("since the brief", "정책브리프 이후"),
        ("Not in the brief:", "정책브리프에 없음:"),
        ("designated since the brief", "정책브리프 이후 지정"),
    ] {
        text = text.replace(en, ko);
    }
    let words = ["Figure", "Section", "Table"];
    for (word, ko) in words.iter().zip(["그림", "", "표"]) {
        while let Some(at) = text.find(word) {
            let rest = &text[at + word.len()..];
            let digits: String = rest
                .trim_start()
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            let skip = rest.len() - rest.trim_start().len() + digits.len();
            let korean = if word == &"Section" {
                format!("{digits}장")
            } else {
                format!("{ko} {digits}")
            };
            text = format!("{}{korean}{}", &text[..at], &text[at + word.len() + skip..]);
        }
    }
    text
}

/// The pairs of a urlencoded form body.
pub fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The last value of a form field.
pub fn form_value<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// A stored zone's name in the language (its English name when it has one).
pub fn zone_name(plan: &ucz_core::record::ZonePlan, lang: Lang) -> String {
    let korean = plan.text("name").unwrap_or_default();
    match lang {
        Lang::En => plan.text("name_en").unwrap_or(korean).to_string(),
        Lang::Ko => korean.to_string(),
    }
}

/// Query parameters of a page; parameters it cannot read get an HTML page that says which.
pub struct PageQuery<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send> FromRequestParts<AppState> for PageQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::try_from_uri(&parts.uri) {
            Ok(axum::extract::Query(value)) => Ok(PageQuery(value)),
            Err(rejection) => {
                let visitor = Visitor::from_request_parts(parts, state).await?;
                let detail = rejection.body_text();
                Err(visitor.error_page(state, ApiError::unreadable(detail)))
            }
        }
    }
}

/// JSON for a `<script type="application/json">` element: no `<`, `>` or `&` can end the
/// element, whatever the names inside hold.
pub fn script_json(value: &Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// `?saved=1` after a form was saved: the page says so.
#[derive(serde::Deserialize)]
pub struct Flash {
    pub saved: Option<String>,
    pub deleted: Option<String>,
}

/// Who is looking at a page, in which language, with the token their forms must carry.
pub struct Visitor {
    pub caller: Caller,
    pub lang: Lang,
    pub csrf: String,
    /// The path and query of the page, for the language switch and the way back after login.
    pub here: String,
    /// The hash of the visitor's session, when logged in (its sessions list marks it).
    pub session: Option<String>,
    cookies: Vec<String>,
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let mut cookies = Vec::new();
        let secure = if state.secure_cookies { "; Secure" } else { "" };
        let asked = parts.uri.query().and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "lang")
                .and_then(|(_, v)| v.parse::<Lang>().ok())
        });
        let lang = match asked {
            Some(lang) => {
                cookies.push(format!(
                    "{LANG_COOKIE}={lang}; Path=/; SameSite=Lax; Max-Age=31536000{secure}"
                ));
                lang
            }
            None => cookie(parts, LANG_COOKIE)
                .and_then(|v| v.parse().ok())
                .unwrap_or_default(),
        };
        let token = cookie(parts, SESSION_COOKIE);
        let session = match &token {
            Some(token) => session_user(state, token)
                .await
                .map_err(IntoResponse::into_response)?,
            None => None,
        };
        let session_hash = session
            .as_ref()
            .and(token.as_deref())
            .map(crate::auth::token_hash);
        let (caller, csrf) = match session {
            Some(ucz_store::Session { user, csrf, .. }) => match Role::of(&user) {
                Some(role) => (Caller::User { user, role }, csrf),
                None => (Caller::Anonymous, String::new()),
            },
            None => (Caller::Anonymous, String::new()),
        };
        let csrf = if !csrf.is_empty() {
            csrf
        } else if let Some(token) = cookie(parts, FORM_COOKIE).filter(|t| t.len() == 64) {
            token
        } else {
            let token = random_token().map_err(IntoResponse::into_response)?;
            cookies.push(format!(
                "{FORM_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/{secure}"
            ));
            token
        };
        let here = parts
            .uri
            .path_and_query()
            .map_or("/".to_string(), |p| p.as_str().to_string());
        Ok(Visitor {
            caller,
            lang,
            csrf,
            here,
            session: session_hash,
            cookies,
        })
    }
}

impl Visitor {
    pub fn role(&self) -> Option<&Role> {
        self.caller.role()
    }

    /// A form's token must be the one of this visitor's session (or pre-login cookie).
    pub fn check_form(&self, sent: Option<&str>) -> Result<(), ApiError> {
        match sent {
            Some(token) if !self.csrf.is_empty() && token == self.csrf => Ok(()),
            _ => Err(ApiError::csrf()),
        }
    }

    /// The page's own path with another language.
    fn switch_to(&self, lang: Lang) -> String {
        let (path, query) = self.here.split_once('?').unwrap_or((&self.here, ""));
        let mut pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .filter(|(k, _)| k != "lang")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        pairs.push(("lang".into(), lang.to_string()));
        let query: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        format!("{path}?{query}")
    }

    fn base(&self, state: &AppState) -> Value {
        let user = match &self.caller {
            Caller::Anonymous => Value::Null,
            Caller::User { user, role } => json!({
                // A founder knows its account by its address, not the name ucz gave it.
                "name": user.email.clone().unwrap_or_else(|| user.username.clone()),
                "role": user.role,
                "zone": match role { Role::Operator { zone } => Value::from(zone.as_str()), _ => Value::Null },
                "firm": match role { Role::Firm { firm } => Value::from(firm.as_str()), _ => Value::Null },
                "reads_firms": matches!(role, Role::Admin | Role::Coordinator | Role::Operator { .. }),
                "imports": matches!(role, Role::Admin | Role::Operator { .. }),
                "member": matches!(role, Role::Firm { .. } | Role::Founder),
                "founder": matches!(role, Role::Founder),
                "operator": matches!(role, Role::Admin | Role::Operator { .. }),
                "admin": matches!(role, Role::Admin),
            }),
        };
        json!({
            "lang": self.lang.to_string(),
            "t": state.pages.words.get(&self.lang).cloned().unwrap_or_default(),
            "user": user,
            "csrf": self.csrf,
            "here": self.here,
            "other_lang": self.switch_to(match self.lang { Lang::Ko => Lang::En, Lang::En => Lang::Ko }),
        })
    }

    /// Renders a page with the common context added, and the visitor's cookies.
    pub fn page(
        &self,
        state: &AppState,
        status: StatusCode,
        template: &str,
        context: Value,
    ) -> Result<Response, ApiError> {
        let mut full = self.base(state);
        if let (Value::Object(full), Value::Object(extra)) = (&mut full, context) {
            full.extend(extra);
        }
        let html = state.pages.render(template, &full)?;
        Ok(self.with_cookies((status, Html(html)).into_response()))
    }

    fn with_cookies(&self, mut response: Response) -> Response {
        for cookie in &self.cookies {
            if let Ok(value) = HeaderValue::from_str(cookie) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
        }
        response
    }

    /// The page, or the error as a page: a visitor who must log in is sent to the login page.
    pub fn respond(&self, state: &AppState, result: Result<Response, ApiError>) -> Response {
        match result {
            Ok(response) => response,
            Err(error) if error.status() == StatusCode::UNAUTHORIZED => {
                let next: String = form_urlencoded::byte_serialize(self.here.as_bytes()).collect();
                self.with_cookies(Redirect::to(&format!("/login?next={next}")).into_response())
            }
            Err(error) => self.error_page(state, error),
        }
    }

    pub fn error_page(&self, state: &AppState, error: ApiError) -> Response {
        let key = match error.code {
            Code::Forbidden => "error_forbidden",
            Code::NotFound | Code::UnknownRoute => "error_not_found",
            Code::Csrf => "error_csrf",
            Code::TooLarge => "error_too_large",
            Code::MethodNotAllowed => "error_method",
            Code::TooManyAttempts => "error_too_many",
            Code::Internal => "error_internal",
            _ => "error_other",
        };
        // The API's details are for programs; a person reads the message, and the details
        // only where they say what to fix.
        let detail = match error.code {
            Code::BadRequest
            | Code::Validation
            | Code::Conflict
            | Code::IdTaken
            | Code::NotFound
            // A refusal says why, where it has a reason (not for records the caller may not
            // read, which are refused with the generic sentence).
            | Code::Forbidden => named(&state.catalog, &error.detail, self.lang).render(self.lang),
            _ => String::new(),
        };
        let errors: Vec<Shown> = error
            .errors
            .iter()
            .map(|e| Shown {
                field: e.field.clone(),
                message: named(&state.catalog, &e.message, self.lang).render(self.lang),
            })
            .collect();
        let context = json!({
            "status": error.status().as_u16(),
            "message": state.pages.word(self.lang, key),
            "detail": detail,
            "errors": errors,
        });
        let mut response = self
            .page(state, error.status(), "error.html", context)
            .unwrap_or_else(|e| (e.status(), e.0.detail.to_string()).into_response());
        crate::error::ServerProblem::attach(&error, &mut response);
        response
    }

    pub fn redirect(&self, to: &str) -> Response {
        self.with_cookies(Redirect::to(to).into_response())
    }
}

/// The pages' routes; the API keeps `/api`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(overview::page))
        .route("/assets/{*path}", get(assets::serve))
        .route("/favicon.ico", get(assets::favicon))
        .route("/catalog", get(catalog::page))
        .route("/zones/{id}", get(zone::page))
        .route("/firms", get(firm::list))
        .route("/firms/{id}", get(firm::page))
        .route(
            "/import",
            get(import::start)
                .post(import::upload)
                .layer(axum::extract::DefaultBodyLimit::max(
                    import::MAX_FILE + 64 * 1024,
                )),
        )
        .route(
            "/import/{token}",
            post(import::confirm).get(import::revisit),
        )
        .route("/import/template/{file}", get(import::template))
        .route("/export/{file}", get(export::download))
        .route("/calls", get(calls::list))
        .route("/calls/review", get(calls::queue))
        .route("/calls/publish", post(calls::publish))
        .route(
            "/calls/import",
            get(calls::upload_page).post(calls::upload).layer(
                axum::extract::DefaultBodyLimit::max(
                    ucz_service::calls::MAX_IMPORT_BYTES + 64 * 1024,
                ),
            ),
        )
        .route(
            "/calls/calendar",
            get(calls::calendar_page).post(calls::renew_feed),
        )
        .route("/awards", get(awards::mine))
        .route("/awards/calls/{id}", get(awards::call))
        .route(
            "/awards/calls/{id}/apply",
            post(awards::apply).layer(axum::extract::DefaultBodyLimit::max(
                crate::api::awards::MAX_UPLOAD,
            )),
        )
        .route("/awards/calls/{id}/manage", get(awards::manage))
        .route("/awards/calls/{id}/export/{file}", get(awards::export))
        .route("/awards/calls/{id}/{act}", post(awards::run))
        .route("/awards/applications/{id}/{act}", post(awards::act))
        .route("/calls/{id}", get(calls::detail))
        .route("/calls/{id}/mark", post(calls::mark))
        .route("/calls/{id}/group", post(calls::regroup))
        .route(
            "/calls/{id}/review",
            get(calls::review_page).post(calls::review_submit),
        )
        .route("/calendar/{file}", get(calls::feed))
        .route("/calendar/bookings/{file}", get(bookings::feed))
        .route("/bookings", get(bookings::page))
        .route("/hubs", get(hubs::page))
        .route("/bookings/book", post(bookings::book))
        .route("/bookings/manage", get(bookings::manage))
        .route("/bookings/manage/{act}", post(bookings::manage_act))
        .route("/bookings/statements", get(statements::page))
        .route("/bookings/occupancy", get(occupancy::page))
        .route("/bookings/statements/issue", post(statements::issue))
        .route("/bookings/statements/export.xlsx", get(statements::export))
        .route("/bookings/statements/{id}", get(statements::one))
        .route("/bookings/statements/{id}/{act}", post(statements::act))
        .route("/bookings/{id}/{act}", post(bookings::act))
        .route("/evaluation", get(evaluation::overview))
        .route("/evaluation/{zone}", get(evaluation::zone))
        .route("/evaluation/{zone}/records", get(evaluation::records_page))
        .route("/evaluation/{zone}/plan", get(evaluation::plan))
        .route("/evaluation/{zone}/plan/{act}", post(evaluation::plan_act))
        .route("/evaluation/{zone}/report", get(evaluation::report_page))
        .route(
            "/evaluation/{zone}/report.xlsx",
            get(evaluation::report_xlsx),
        )
        .route("/evaluation/{zone}/report.pdf", get(evaluation::report_pdf))
        .route("/housing", get(housing::page))
        .route(
            "/housing/rounds/{id}/apply",
            post(housing::apply).layer(axum::extract::DefaultBodyLimit::max(
                4 * ucz_service::housing::MAX_DOCUMENT,
            )),
        )
        .route("/housing/rounds/{id}", get(housing::round))
        .route("/housing/manage", get(housing::manage))
        .route("/housing/manage/{act}", post(housing::manage_act))
        .route("/housing/{thing}/{id}/{act}", post(housing::act))
        .route("/placement", get(placement::page))
        .route("/planning/sites", get(suitability::page))
        .route("/planning/network", get(network::page))
        .route("/planning/pipeline", get(pipeline::page))
        .route("/planning/{file}", get(pipeline::export))
        .route("/placement/decide", post(placement::decide))
        .route("/login", get(account::login_page).post(account::login))
        .route("/logout", post(account::logout).get(account::logout_page))
        .route("/account", get(account::page))
        .route("/account/tokens", post(account::create_token))
        .route("/account/tokens/{id}/revoke", post(account::revoke_token))
        .route("/account/password", post(members::change_password))
        .route("/account/mail", post(members::mail_preferences))
        .route("/account/remove", post(members::remove))
        .route("/account/sessions/{id}/end", post(members::end_session))
        .route(
            "/account/profile",
            get(members::profile_page).post(members::make_profile),
        )
        .route("/signup", get(members::signup_page).post(members::signup))
        .route(
            "/signup/verify",
            get(members::verify_page).post(members::verify),
        )
        .route(
            "/password/forgot",
            get(members::forgot_page).post(members::forgot),
        )
        .route(
            "/password/reset",
            get(members::reset_page).post(members::reset),
        )
        .route("/privacy", get(members::privacy))
        .route("/inbox", get(members::inbox))
        .route("/inbox/read", post(members::read_notices))
        .route("/zone-links", get(members::zone_links))
        .route("/zone-links/{id}/{action}", post(members::decide_zone_link))
        .route("/admin/outbox", get(members::outbox))
        .route(
            "/unsubscribe",
            get(members::unsubscribe_page).post(members::unsubscribe),
        )
        .merge(edit::routes())
}

/// An HTML 404 for paths outside the API.
pub async fn not_found(
    axum::extract::State(state): axum::extract::State<AppState>,
    visitor: Visitor,
) -> Response {
    visitor.error_page(&state, ApiError::unknown_route())
}

#[cfg(test)]
mod tests {

    #[test]
    fn brief_citations_read_in_korean() {
        assert_eq!(
            super::cite_ko("Section 3, 제도 개선과제 (광주 신도시형)"),
            "3장, 제도 개선과제 (광주 신도시형)"
        );
        assert_eq!(
            super::cite_ko("Table 1, 정주기반 결합형; Figure 3, 혁신 ⇔ 정주여건"),
            "표 1, 정주기반 결합형; 그림 3, 혁신 ⇔ 정주여건"
        );
        assert_eq!(
            super::cite_ko("Since the brief: designated"),
            "정책브리프 이후: designated"
        );
    }

    use super::*;

    #[test]
    fn templates_and_words_load_without_problems() {
        let catalog = Catalog::bundled().expect("bundled catalog");
        let pages = Pages::new(&catalog);
        assert!(pages.problems.is_empty(), "{:#?}", pages.problems);
    }

    #[test]
    fn api_messages_read_in_korean_on_korean_pages() {
        use crate::error::{FieldError, Key, Message};
        let error = FieldError::new(
            "type",
            Message::new(Key::UnknownOf)
                .with("what", Key::NounFacilityType)
                .arg("id", "castle")
                .arg("values", "a, b"),
        );
        assert_eq!(
            Shown::new(&error, Lang::Ko).message,
            "알 수 없는 시설 유형 \"castle\"; 가능한 값: a, b"
        );
        assert_eq!(
            Shown::new(&error, Lang::En).message,
            "unknown facility type \"castle\"; expected one of: a, b"
        );
    }

    #[test]
    fn forms_read_the_last_value_of_a_field() {
        let pairs = form_pairs(b"a=1&b=%EC%B0%BD%EC%97%85&a=2");
        assert_eq!(form_value(&pairs, "a"), Some("2"));
        assert_eq!(form_value(&pairs, "b"), Some("창업"));
        assert_eq!(form_value(&pairs, "c"), None);
    }
}
