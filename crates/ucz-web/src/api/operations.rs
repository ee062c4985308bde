//! Every operation of the JSON API, declared once: its method and path, the handler that serves
//! it, who may call it, and the Rust types of its query, body and answer. The router and the
//! OpenAPI document (`crate::openapi_doc`) are both made from this list, so they cannot
//! disagree, and the document's schemas are generated from the same types the handlers read
//! and the use cases return.

use axum::handler::Handler;
use axum::routing::{MethodFilter, MethodRouter, on};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use ucz_core::record::{FacilityBody, HubBody, InstitutionBody, LeaseBody, SpaceBody};
use ucz_service::analysis::{AuditPage, AuditParams, PackageParams};
use ucz_service::ladder::{Decision, PlanParams, RegionPlan, RegionRetention, RetentionParams};
use ucz_service::records::{
    FacilityQuery, FirmQuery, HubQuery, InstitutionQuery, LeaseQuery, SpaceQuery, ZoneQuery,
};

use super::{analysis, ladder};
use crate::AppState;
use crate::session::{self, Login, NewToken, NewTokenAnswer, SessionAnswer, TokensAnswer};

/// The schema of a Rust type, as the document's generator makes it.
pub type SchemaOf = fn(&mut SchemaGenerator) -> Schema;

fn schema<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// What a successful call answers with.
#[derive(Clone, Copy)]
pub enum Answer {
    /// No body (204), or a body the document does not describe.
    Undescribed,
    /// One value of a type.
    One(SchemaOf),
    /// A page of records of a type: `{items, total, limit, offset}`.
    Page(SchemaOf),
    /// The value of one field of a type, the path naming which (one kind of the catalog).
    FieldOf(SchemaOf),
    /// A file, of the media type it was stored with.
    File,
}

/// One operation of the API: how it is documented.
pub struct Operation {
    /// The operation's name, unique, in camelCase (`listFirms`, `readFirm`, …): the document's
    /// `x-name` (its `operationId` stays the one clients generated from earlier documents know).
    pub id: &'static str,
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    /// Who may call it, in words (the rules are in `ucz_service::access`).
    pub access: &'static str,
    /// The component schema of the request body, if any.
    pub body: Option<&'static str>,
    pub body_schema: Option<SchemaOf>,
    /// The query parameters, as the fields of a type.
    pub query: Option<SchemaOf>,
    pub answer: Answer,
    /// The success statuses.
    pub statuses: &'static [&'static str],
}

/// An operation and the handler that serves it.
pub struct Route {
    pub operation: Operation,
    pub handler: MethodRouter<AppState>,
}

/// The method's name in the document and its filter in the router.
#[derive(Clone, Copy)]
enum Verb {
    Get,
    Post,
    Put,
    Delete,
}

fn route<H, T>(verb: Verb, id: &'static str, path: &'static str, handler: H) -> Route
where
    H: Handler<T, AppState>,
    T: 'static,
{
    let (method, filter, statuses): (_, _, &'static [&'static str]) = match verb {
        Verb::Get => ("get", MethodFilter::GET, &["200"]),
        Verb::Post => ("post", MethodFilter::POST, &["201"]),
        Verb::Put => ("put", MethodFilter::PUT, &["200"]),
        Verb::Delete => ("delete", MethodFilter::DELETE, &["204"]),
    };
    Route {
        operation: Operation {
            id,
            method,
            path,
            summary: "",
            access: "anyone",
            body: None,
            body_schema: None,
            query: None,
            answer: Answer::Undescribed,
            statuses,
        },
        handler: on(filter, handler),
    }
}

impl Route {
    fn doc(mut self, summary: &'static str, access: &'static str) -> Self {
        self.operation.summary = summary;
        self.operation.access = access;
        self
    }
    fn body<B: JsonSchema>(mut self) -> Self {
        self.operation.body = Some(match B::schema_name() {
            std::borrow::Cow::Borrowed(name) => name,
            std::borrow::Cow::Owned(name) => name.leak(),
        });
        self.operation.body_schema = Some(schema::<B>);
        self
    }
    fn query<Q: JsonSchema>(mut self) -> Self {
        self.operation.query = Some(schema::<Q>);
        self
    }
    /// Answers the value of one of `A`'s fields.
    fn answers_a_field_of<A: JsonSchema>(mut self) -> Self {
        self.operation.answer = Answer::FieldOf(schema::<A>);
        self
    }

    fn answers_a_file(mut self) -> Self {
        self.operation.answer = Answer::File;
        self
    }

    fn answers<A: JsonSchema>(mut self) -> Self {
        self.operation.answer = Answer::One(schema::<A>);
        self
    }
    fn pages<A: JsonSchema>(mut self) -> Self {
        self.operation.answer = Answer::Page(schema::<A>);
        self
    }
    /// A larger body than `MAX_BODY` for this route alone (a portal's response).
    fn body_limit(mut self, bytes: usize) -> Self {
        self.handler = self
            .handler
            .layer(axum::extract::DefaultBodyLimit::max(bytes));
        self
    }
    fn statuses(mut self, statuses: &'static [&'static str]) -> Self {
        self.operation.statuses = statuses;
        self
    }
}

/// The five operations of a record: list, create, read, replace, delete.
macro_rules! record {
    ($handlers:path, $body:ty, $query:ty, [$plural:ident, $singular:ident], $collection:literal, $one:literal, [$list:literal, $create:literal, $read:literal, $update:literal, $delete:literal], $reads:expr, $writes:expr) => {{
        use $handlers as h;
        vec![
            route(
                Verb::Get,
                concat!("list", stringify!($plural)),
                $collection,
                h::list,
            )
            .doc($list, $reads)
            .query::<$query>()
            .pages::<$body>(),
            route(
                Verb::Post,
                concat!("create", stringify!($singular)),
                $collection,
                h::create,
            )
            .doc($create, $writes)
            .body::<$body>()
            .answers::<$body>(),
            route(
                Verb::Get,
                concat!("read", stringify!($singular)),
                $one,
                h::read,
            )
            .doc($read, $reads)
            .answers::<$body>(),
            route(
                Verb::Put,
                concat!("update", stringify!($singular)),
                $one,
                h::update,
            )
            .doc($update, $writes)
            .body::<$body>()
            .answers::<$body>(),
            route(
                Verb::Delete,
                concat!("delete", stringify!($singular)),
                $one,
                h::delete,
            )
            .doc($delete, $writes),
        ]
    }};
}

/// Every operation of the API, in the order of the document.
pub fn routes() -> Vec<Route> {
    let anyone = "anyone";
    let account = "any account";
    let operator = "admin, the zone's operator";
    let lessor = "admin, the space's zone operator; coordinators for hub spaces";
    let ladder_readers = "admin, coordinator, operators of the region's zones";
    let mut all = vec![
        route(
            Verb::Get,
            "readCatalog",
            "/api/v1/catalog",
            analysis::catalog,
        )
        .doc("The whole catalog, one array per kind", anyone)
        .answers::<ucz_core::Catalog>(),
        route(
            Verb::Get,
            "readCatalogKind",
            "/api/v1/catalog/{kind}",
            analysis::catalog_kind,
        )
        .doc(
            "One kind of the catalog (programs, designations, …)",
            anyone,
        )
        .answers_a_field_of::<ucz_core::Catalog>(),
    ];
    all.extend(record!(
        super::zones,
        ucz_core::Zone,
        ZoneQuery,
        [Zones, Zone],
        "/api/v1/zones",
        "/api/v1/zones/{id}",
        [
            "Zones, paginated",
            "Create a zone (its top-level plan)",
            "A zone",
            "Replace a zone's plan",
            "Delete a zone with what it holds"
        ],
        anyone,
        "admin, coordinator"
    ));
    // A zone's operator replaces its plan; only admins delete zones.
    all[5].operation.access = "admin, coordinator, the zone's operator";
    all[6].operation.access = "admin";
    all.push(
        route(
            Verb::Get,
            "readZoneDiagnosis",
            "/api/v1/zones/{id}/diagnosis",
            analysis::diagnosis,
        )
        .doc(
            "The zone's diagnosis against the model of the brief",
            anyone,
        )
        .answers::<ucz_core::Diagnosis>(),
    );
    all.push(
        route(
            Verb::Get,
            "readZoneEvaluation",
            "/api/v1/zones/{id}/evaluation",
            super::evaluation::scorecard,
        )
        .doc(
            "The zone's performance evaluation of a year (decree Art. 20): every indicator of the catalog computed from the operations records, with its value compared across zones and the measures the formulas read",
            anyone,
        )
        .query::<super::evaluation::YearQuery>()
        .answers::<ucz_service::evaluation::Scorecard>(),
    );
    all.extend(evaluation_routes());
    all.extend(planning_routes());
    all.extend(record!(
        super::facilities,
        FacilityBody,
        FacilityQuery,
        [Facilities, Facility],
        "/api/v1/facilities",
        "/api/v1/facilities/{id}",
        [
            "Facilities, paginated; ?zone_id=",
            "Create a facility",
            "A facility",
            "Replace a facility",
            "Delete a facility and its spaces"
        ],
        account,
        operator
    ));
    all.extend(record!(
        super::spaces,
        SpaceBody,
        SpaceQuery,
        [Spaces, Space],
        "/api/v1/spaces",
        "/api/v1/spaces/{id}",
        [
            "Spaces (rooms, units), paginated; ?facility_id=",
            "Create a space",
            "A space",
            "Replace a space",
            "Delete a space"
        ],
        account,
        operator
    ));
    all.extend(record!(
        super::institutions,
        InstitutionBody,
        InstitutionQuery,
        [Institutions, Institution],
        "/api/v1/institutions",
        "/api/v1/institutions/{id}",
        [
            "Institutions, paginated; ?zone_id=",
            "Create an institution",
            "An institution",
            "Replace an institution",
            "Delete an institution"
        ],
        account,
        operator
    ));
    all.extend(record!(
        super::hubs,
        HubBody,
        HubQuery,
        [Hubs, Hub],
        "/api/v1/hubs",
        "/api/v1/hubs/{id}",
        [
            "Hubs outside the zones, paginated; ?region=",
            "Register a hub of a region's network",
            "A hub",
            "Replace a hub",
            "Delete a hub and its spaces"
        ],
        account,
        "admin, coordinator"
    ));
    all.extend(record!(
        super::leases,
        LeaseBody,
        LeaseQuery,
        [Leases, Lease],
        "/api/v1/leases",
        "/api/v1/leases/{id}",
        [
            "Leases the caller may see, paginated; ?space_id=&firm_id=",
            "Create a lease (refused with the conflict named when another lease is in the way or it ends before it starts; written with `warnings` when it goes beyond its facility's or hub's terms)",
            "A lease",
            "Replace a lease (renew, end, record where the firm went)",
            "Delete a lease"
        ],
        account,
        lessor
    ));
    all.extend([
        route(
            Verb::Get,
            "readPlacementPlan",
            "/api/v1/placement",
            ladder::placement_plan,
        )
        .doc(
            "A region's graduation forecast and optimal placement plan; ?region=&as_of=&horizon=",
            ladder_readers,
        )
        .query::<PlanParams>()
        .answers::<RegionPlan>(),
        route(
            Verb::Post,
            "acceptPlacement",
            "/api/v1/placement/accept",
            ladder::accept,
        )
        .doc("Accept a proposal: creates the lease", lessor)
        .body::<Decision>()
        .answers::<LeaseBody>(),
        route(
            Verb::Post,
            "rejectPlacement",
            "/api/v1/placement/reject",
            ladder::reject,
        )
        .doc(
            "Reject a proposal: the plan does not propose it again",
            "admin, coordinator, the space's zone operator",
        )
        .body::<Decision>()
        .answers::<ucz_store::Rejection>()
        .statuses(&["201", "200"]),
        route(
            Verb::Post,
            "unrejectPlacement",
            "/api/v1/placement/unreject",
            ladder::unreject,
        )
        .doc(
            "Take a rejection back: the plan may propose it again",
            "admin, coordinator, the space's zone operator",
        )
        .body::<Decision>()
        .statuses(&["204"]),
        route(
            Verb::Get,
            "readRetention",
            "/api/v1/retention",
            ladder::retention,
        )
        .doc(
            "Post-BI retention by year of graduation; ?region=&zone=&as_of=",
            ladder_readers,
        )
        .query::<RetentionParams>()
        .answers::<RegionRetention>(),
    ]);
    let firms_at = all.len();
    all.extend(record!(
        super::firms,
        ucz_core::firm::Firm,
        FirmQuery,
        [Firms, Firm],
        "/api/v1/firms",
        "/api/v1/firms/{id}",
        [
            "Firms, paginated; ?zone=&region=&stage= (an operator sees its zone's)",
            "Create a firm",
            "A firm",
            "Replace a firm's profile",
            "Delete a firm"
        ],
        "admin, coordinator, operator",
        "admin, the zone's operator"
    ));
    // A firm reads and updates its own profile.
    all[firms_at + 2].operation.access = "admin, coordinator, its zone's operator, the firm";
    all[firms_at + 3].operation.access = "admin, its zone's operator, the firm";
    all[firms_at + 4].operation.access = "admin, its zone's operator";
    all.extend([
        route(Verb::Get, "readFirmPackage", "/api/v1/firms/{id}/package", analysis::package)
            .doc(
                "The firm's program package with reasons; ?as_of=",
                "admin, coordinator, its zone's operator, the firm",
            )
            .query::<PackageParams>()
            .answers::<ucz_core::eligibility::Package>(),
        route(Verb::Get, "readAudit", "/api/v1/audit", analysis::audit)
            .doc(
                "The audit trail, newest first, and the state of its hash chain",
                "admin, coordinator",
            )
            .query::<AuditParams>()
            .answers::<AuditPage>(),
        route(Verb::Post, "logIn", "/api/v1/session", session::login)
            .doc("Log in: sets the session cookie, returns the CSRF token", anyone)
            .body::<Login>()
            .answers::<SessionAnswer>()
            .statuses(&["200"]),
        route(Verb::Get, "readSession", "/api/v1/session", session::me)
            .doc("The logged-in account", account)
            .answers::<SessionAnswer>(),
        route(Verb::Delete, "logOut", "/api/v1/session", session::logout).doc("Log out", account),
        route(Verb::Post, "createToken", "/api/v1/tokens", session::create_token)
            .doc(
                "An API token for the caller's account (shown once; expires after `days`, default 90; at most 20 live tokens)",
                account,
            )
            .body::<NewToken>()
            .answers::<NewTokenAnswer>(),
        route(Verb::Get, "listTokens", "/api/v1/tokens", session::list_tokens)
            .doc(
                "The caller's live API tokens (ids, names, expiry; never the secrets)",
                account,
            )
            .answers::<TokensAnswer>(),
        route(Verb::Delete, "revokeToken", "/api/v1/tokens/{id}", session::revoke_token)
            .doc("Revoke one of the caller's API tokens", account),
        route(
            Verb::Get,
            "readOpenApiDocument",
            "/api/openapi.json",
            |axum::extract::State(state): axum::extract::State<AppState>| async move {
                axum::Json(crate::openapi_for(&state.catalog))
            },
        )
        .doc("This document", anyone),
        route(Verb::Get, "readReferencePage", "/api/docs", || async {
            axum::response::Html(crate::reference_page())
        })
        .doc("The API reference as a page", anyone),
    ]);
    let coordinators = "admin, coordinator";
    all.extend([
        route(Verb::Get, "listCalls", "/api/v1/calls", super::calls::list)
            .doc(
                "Open calls (K-Startup, 기업마당, the zones'), searched in Korean and filtered, with how each fits a firm (a firm account's own, or ?firm=); the same call from both portals once",
                anyone,
            )
            .query::<ucz_service::calls::CallQuery>()
            .answers::<ucz_service::calls::CallList>(),
        route(Verb::Post, "publishCall", "/api/v1/calls", super::calls::publish)
            .doc(
                "Publish a zone's own call (source ucz), approved as published",
                "admin, the zone's operator",
            )
            .body::<ucz_service::calls::PublishBody>()
            .answers::<ucz_core::call::StoredCall>(),
        route(
            Verb::Post,
            "importCalls",
            "/api/v1/calls/import",
            super::calls::import,
        )
        .doc(
            "Import a K-Startup or 기업마당 response as it came (?source=kstartup|bizinfo): new calls created, changed ones updated, bad records reported by index and field",
            coordinators,
        )
        .query::<super::calls::ImportQuery>()
        .answers::<ucz_service::calls::ImportReport>()
        .statuses(&["200"])
        .body_limit(ucz_service::calls::MAX_IMPORT_BYTES),
        route(
            Verb::Get,
            "listCallsToReview",
            "/api/v1/calls/review",
            super::calls::queue,
        )
        .doc(
            "The review queue: open and upcoming calls whose rule is a draft or changed since approval",
            coordinators,
        )
        .answers::<Vec<ucz_service::calls::CallView>>(),
        route(
            Verb::Get,
            "listCallHistory",
            "/api/v1/calls/history",
            super::calls::history,
        )
        .doc(
            "The calls the caller viewed, bookmarked and applied to, latest first",
            account,
        )
        .answers::<Vec<ucz_service::calls::HistoryItem>>(),
        route(Verb::Get, "readCall", "/api/v1/calls/{id}", super::calls::read)
            .doc(
                "A call with its portal record, status, D-day and fit (?firm=); the view is recorded in the caller's history",
                anyone,
            )
            .query::<super::calls::CallRead>()
            .answers::<ucz_service::calls::CallView>(),
        route(
            Verb::Put,
            "reviewCall",
            "/api/v1/calls/{id}/review",
            super::calls::review,
        )
        .doc(
            "Edit (and approve) a call's rule: type-checked, then tried on the review firms",
            coordinators,
        )
        .body::<ucz_service::calls::ReviewBody>()
        .answers::<ucz_service::calls::Reviewed>(),
        route(
            Verb::Put,
            "regroupCall",
            "/api/v1/calls/{id}/group",
            super::calls::regroup,
        )
        .doc(
            "Join a call to another's group, or split it off (with: null); imports keep it",
            coordinators,
        )
        .body::<super::calls::Regroup>()
        .answers::<ucz_core::call::StoredCall>(),
        route(
            Verb::Put,
            "markCall",
            "/api/v1/calls/{id}/marks/{kind}",
            super::calls::mark,
        )
        .doc(
            "Bookmark a call (kind bookmarked: 관심사업, on the calendar) or say the firm applied (applied)",
            account,
        )
        .statuses(&["204"]),
        route(
            Verb::Delete,
            "unmarkCall",
            "/api/v1/calls/{id}/marks/{kind}",
            super::calls::unmark,
        )
        .doc("Take a bookmark or an applied mark off", account),
        route(
            Verb::Post,
            "renewCalendar",
            "/api/v1/calendar",
            super::calls::renew_calendar,
        )
        .doc(
            "Make or renew the caller's private calendar feed (iCalendar of its bookmarked calls' deadlines); the old address stops working",
            account,
        )
        .answers::<super::calls::CalendarFeed>(),
    ]);
    all.extend(account_routes());
    all.extend(award_routes());
    all.extend(booking_routes());
    all.extend(statement_routes());
    all.extend(housing_routes());
    all
}

/// Accounts founders make themselves, their care, notices and mail, and background jobs.
fn account_routes() -> Vec<Route> {
    use super::accounts as a;
    let anyone = "anyone";
    let account = "any account";
    let admins = "admin";
    vec![
        route(Verb::Post, "signUp", "/api/v1/signup", a::sign_up)
            .doc(
                "Sign up as a founder: e-mail, password, consent to the privacy notice's version, the business registration number of a registered firm. Mails a verification link; the answer is the same whether the address is registered or not",
                anyone,
            )
            .body::<ucz_service::accounts::SignUp>()
            .answers::<ucz_service::accounts::Accepted>()
            .statuses(&["202"]),
        route(Verb::Post, "verifyEmail", "/api/v1/signup/verify", a::verify)
            .doc("Verify an address by the secret of its mailed link (once, within 24 hours)", anyone)
            .body::<a::LinkToken>()
            .answers::<a::Done>()
            .statuses(&["200"]),
        route(Verb::Post, "forgotPassword", "/api/v1/password/forgot", a::forgot)
            .doc(
                "Mail a password reset link (30 minutes, once) to the address's account, if it has one; the answer is the same either way",
                anyone,
            )
            .body::<a::Forgot>()
            .answers::<ucz_service::accounts::Accepted>()
            .statuses(&["202"]),
        route(Verb::Post, "resetPassword", "/api/v1/password/reset", a::reset)
            .doc("Set a new password by a reset link's secret; every session of the account ends", anyone)
            .body::<a::Reset>()
            .answers::<a::Done>()
            .statuses(&["200"]),
        route(Verb::Get, "readPrivacyNotice", "/api/v1/privacy", a::privacy)
            .doc("The privacy notice (개인정보 처리방침) in force, with its version", anyone)
            .answers::<ucz_core::credentials::PrivacyNotice>(),
        route(Verb::Get, "readAccount", "/api/v1/account", a::account)
            .doc("The caller's account: its personal data, sessions, mail stopped, zone link request", account)
            .answers::<ucz_service::accounts::AccountView>(),
        route(Verb::Put, "changePassword", "/api/v1/account/password", a::change_password)
            .doc("Change the caller's password, given the current one; its other sessions end", account)
            .body::<a::PasswordChange>()
            .answers::<a::Done>(),
        route(Verb::Delete, "endSession", "/api/v1/account/sessions/{id}", a::end_session)
            .doc("End one of the caller's sessions (ids from readAccount)", account),
        route(Verb::Post, "removeAccount", "/api/v1/account/remove", a::remove)
            .doc(
                "Remove the caller's account, given its password: personal data erased, the account a pseudonym, the audit chain intact",
                account,
            )
            .body::<a::Removal>()
            .answers::<a::Done>()
            .statuses(&["200"]),
        route(Verb::Post, "makeProfile", "/api/v1/account/profile", a::make_profile)
            .doc(
                "A founder makes its firm profile (the firm fields); a zone named is asked for, and the zone's operator links the firm as its tenant",
                "a founder's account without a firm",
            )
            .body::<ucz_core::firm::Firm>()
            .answers::<a::ProfileMade>(),
        route(Verb::Get, "readInbox", "/api/v1/inbox", a::inbox)
            .doc("The caller's notices, newest first, and how many are unread", account)
            .answers::<ucz_service::notices::Inbox>(),
        route(Verb::Post, "readNotices", "/api/v1/inbox/read", a::read_notices)
            .doc("Mark one notice (id) or all of them read", account)
            .body::<a::ReadNotices>()
            .answers::<a::Marked>()
            .statuses(&["200"]),
        route(Verb::Get, "readMailPreferences", "/api/v1/account/mail", a::preferences)
            .doc("Which kinds of notice the caller gets by mail", account)
            .answers::<ucz_service::notices::MailPreferences>(),
        route(Verb::Put, "setMailPreferences", "/api/v1/account/mail", a::set_preferences)
            .doc("Start or stop kinds of notice mail (kinds not named stay as they are)", account)
            .body::<ucz_service::notices::MailPreferences>()
            .answers::<ucz_service::notices::MailPreferences>(),
        route(Verb::Post, "unsubscribe", "/api/v1/unsubscribe", a::unsubscribe)
            .doc("Stop one kind of mail by the secret of a mail's unsubscribe link", anyone)
            .body::<a::Unsubscribe>()
            .answers::<a::Unsubscribed>()
            .statuses(&["200"]),
        route(Verb::Get, "listZoneLinks", "/api/v1/zone-links", a::zone_links)
            .doc("Founders' firms asking to be a zone's tenant record: an operator's zone's, or all", "admin, coordinator, operator")
            .query::<a::ZoneLinkQuery>()
            .answers::<a::ZoneLinks>(),
        route(Verb::Post, "approveZoneLink", "/api/v1/zone-links/{id}/approve", a::approve_zone_link)
            .doc("Approve a request: the firm becomes the zone's tenant record", "the zone's operator, admin")
            .answers::<ucz_store::ZoneLink>()
            .statuses(&["200"]),
        route(Verb::Post, "refuseZoneLink", "/api/v1/zone-links/{id}/refuse", a::refuse_zone_link)
            .doc("Refuse a request", "the zone's operator, admin")
            .answers::<ucz_store::ZoneLink>()
            .statuses(&["200"]),
        route(Verb::Get, "listOutbox", "/api/v1/outbox", a::outbox)
            .doc("Mail queued, sent, held (no relay configured) or failed, newest first", admins)
            .query::<a::OutboxQuery>()
            .answers::<a::OutboxPage>(),
        route(Verb::Get, "listJobs", "/api/v1/jobs", a::list_jobs)
            .doc("The scheduled jobs (notices, digest) and how their last run went", admins)
            .answers::<a::Jobs>(),
        route(Verb::Post, "runJob", "/api/v1/jobs/{name}/run", a::run_job)
            .doc("Run a job now: notices, digest (still one per account and day) or mail", admins)
            .answers::<ucz_service::jobs::JobRun>()
            .statuses(&["200"]),
    ]
}

/// Running a zone's programs: competitions, applications, review, selection, agreements, filings.
fn award_routes() -> Vec<Route> {
    use super::awards as w;
    use ucz_service::awards as s;
    let anyone = "anyone";
    let operator = "admin, the call's zone operator";
    let firm = "a firm account (its own)";
    let evaluator = "an evaluator of the call";
    vec![
        route(Verb::Get, "readCompetition", "/api/v1/awards/calls/{id}", w::read_competition)
            .doc("A published call's competition: its form, rubric, budget and rules of selection", anyone)
            .answers::<s::CompetitionView>(),
        route(Verb::Put, "setCompetition", "/api/v1/awards/calls/{id}", w::set_competition)
            .doc("Set a published call's competition (budget, awards, form, rubric, stages, k, load, blind, normalisation, trimming, ties, skip rule, reserve, KPIs); every problem reported at once", operator)
            .body::<ucz_core::award::Competition>()
            .answers::<s::CompetitionView>(),
        route(Verb::Get, "precheckApplication", "/api/v1/awards/calls/{id}/precheck", w::precheck)
            .doc("Whether the caller's firm meets the call's rules, with the reasons in Korean and English", firm)
            .answers::<s::Precheck>(),
        route(Verb::Post, "uploadApplicationFile", "/api/v1/awards/calls/{id}/files", w::upload)
            .doc("Upload a file answering a file question (?question=&name=; the body is the file, its Content-Type its type); kept by its SHA-256; the answer is what the application's answer gives", firm)
            .query::<w::UploadQuery>()
            .answers::<ucz_core::award::FileRef>()
            .body_limit(w::MAX_UPLOAD),
        route(Verb::Post, "createApplication", "/api/v1/awards/calls/{id}/applications", w::create_application)
            .doc("Start an application as a draft, within the call's period (one per firm unless the call allows more)", firm)
            .body::<s::ApplicationBody>()
            .answers::<s::ApplicationView>(),
        route(Verb::Get, "listApplications", "/api/v1/awards/calls/{id}/applications", w::list_applications)
            .doc("A call's applications, by number", operator)
            .answers::<w::Items<s::ApplicationView>>(),
        route(Verb::Get, "listMyApplications", "/api/v1/awards/applications", w::my_applications)
            .doc("The caller firm's applications", firm)
            .answers::<w::Items<s::ApplicationView>>(),
        route(Verb::Get, "readApplication", "/api/v1/awards/applications/{id}", w::read_application)
            .doc("An application: its firm, the call's operator, or an evaluator assigned it (without the firm and file names when the call is blind)", "the firm, the operator, an assigned evaluator")
            .answers::<s::ApplicationView>(),
        route(Verb::Put, "updateApplication", "/api/v1/awards/applications/{id}", w::update_application)
            .doc("Save a draft's answers", firm)
            .body::<s::ApplicationBody>()
            .answers::<s::ApplicationView>(),
        route(Verb::Post, "submitApplication", "/api/v1/awards/applications/{id}/submit", w::submit)
            .doc("Submit a draft before the closing moment (server time): answers complete, the firm eligible; the receipt gives its number, time and SHA-256", firm)
            .answers::<s::ApplicationView>()
            .statuses(&["200"]),
        route(Verb::Post, "withdrawApplication", "/api/v1/awards/applications/{id}/withdraw", w::withdraw)
            .doc("Withdraw an application before the results are published", firm)
            .answers::<s::ApplicationView>()
            .statuses(&["200"]),
        route(Verb::Get, "readApplicationFile", "/api/v1/awards/applications/{id}/files/{question}", w::application_file)
            .doc("A file of an application, for those who may read it (named by its question in a blind review)", "the firm, the operator, an assigned evaluator")
            .answers_a_file(),
        route(Verb::Post, "inviteEvaluator", "/api/v1/awards/calls/{id}/evaluators", w::invite)
            .doc("Invite an evaluator by address (an evaluator account, or a new one mailed a link to set its password), with its affiliations", operator)
            .body::<s::InviteBody>()
            .answers::<s::EvaluatorView>(),
        route(Verb::Get, "listEvaluators", "/api/v1/awards/calls/{id}/evaluators", w::evaluators)
            .doc("A call's evaluators with their loads and conflicts", operator)
            .answers::<w::Items<s::EvaluatorView>>(),
        route(Verb::Post, "declareConflict", "/api/v1/awards/applications/{id}/conflict", w::declare_conflict)
            .doc("Declare a conflict of interest on an application (same firm, former employer, relative…): taken off it", evaluator)
            .body::<s::ConflictBody>()
            .answers::<w::Done>()
            .statuses(&["200"]),
        route(Verb::Post, "assignEvaluators", "/api/v1/awards/calls/{id}/assign", w::assign)
            .doc("Assign a stage's applications: k evaluators each, no conflict (declared or from affiliations), no load above the limit, loads even as conflicts allow", operator)
            .query::<w::StageQuery>()
            .answers::<s::AssignmentReport>()
            .statuses(&["200"]),
        route(Verb::Get, "listMyAssignments", "/api/v1/awards/assignments", w::my_assignments)
            .doc("The applications assigned to the calling evaluator, with its sheets", "an evaluator account")
            .answers::<w::Items<s::Assignment>>(),
        route(Verb::Put, "scoreApplication", "/api/v1/awards/applications/{id}/score", w::score)
            .doc("Score an assigned application on the rubric, with a comment", evaluator)
            .body::<s::ScoreBody>()
            .answers::<w::Done>(),
        route(Verb::Get, "readRanking", "/api/v1/awards/calls/{id}/ranking", w::ranking)
            .doc("A stage's ranking and the selection down it, from the stored scores now", operator)
            .query::<w::StageQuery>()
            .answers::<s::Results>(),
        route(Verb::Post, "selectApplications", "/api/v1/awards/calls/{id}/selection", w::select)
            .doc("Select down the ranking (or by hand, within budget and awards), store the results, publish them when asked", operator)
            .body::<s::SelectBody>()
            .answers::<s::Results>()
            .statuses(&["200"]),
        route(Verb::Get, "readResults", "/api/v1/awards/calls/{id}/results", w::results)
            .doc("The stored results", operator)
            .answers::<s::Results>(),
        route(Verb::Get, "readOwnResult", "/api/v1/awards/applications/{id}/result", w::own_result)
            .doc("An applicant's own rank, scores and outcome once published (never others')", firm)
            .answers::<s::OwnResult>(),
        route(Verb::Post, "objectToResult", "/api/v1/awards/applications/{id}/objections", w::object)
            .doc("Object to the result within the call's objection period", firm)
            .body::<s::ObjectionBody>()
            .answers::<ucz_store::ObjectionRow>(),
        route(Verb::Get, "listObjections", "/api/v1/awards/calls/{id}/objections", w::objections)
            .doc("Objections to a call's results", operator)
            .answers::<w::Items<ucz_store::ObjectionRow>>(),
        route(Verb::Put, "signAgreement", "/api/v1/awards/applications/{id}/agreement", w::sign_agreement)
            .doc("Sign a selected application's agreement: period, amount (at most the award), milestones", operator)
            .body::<ucz_core::award::filing::AgreementBody>()
            .answers::<s::Agreement>(),
        route(Verb::Get, "readAgreement", "/api/v1/awards/applications/{id}/agreement", w::agreement)
            .doc("An application's agreement and its filing periods", "the firm, the operator")
            .answers::<s::Agreement>(),
        route(Verb::Post, "fileKpis", "/api/v1/awards/applications/{id}/filings", w::file)
            .doc("File a period's figures (a correction is a new version); the firm's dated facts record them", firm)
            .body::<ucz_core::award::filing::FilingBody>()
            .answers::<s::Filing>(),
        route(Verb::Get, "listFilings", "/api/v1/awards/applications/{id}/filings", w::filings)
            .doc("Every version of an application's filings", "the firm, the operator")
            .answers::<w::Items<s::Filing>>(),
        route(Verb::Get, "readFilingsTable", "/api/v1/awards/calls/{id}/filings", w::filings_table)
            .doc("Each agreement's periods, the latest version filed and the late ones", operator)
            .answers::<w::Items<s::FilingStatus>>(),
        route(Verb::Get, "readFirmFacts", "/api/v1/firms/{id}/facts", w::facts)
            .doc("A firm's dated facts (from filings and its own edits), newest first", "those who may read the firm")
            .answers::<s::Facts>(),
    ]
}

/// Booking the zone's shared resources: resources, days, bookings, waitlist, closures, trainings.
fn booking_routes() -> Vec<Route> {
    use super::awards::Items;
    use super::bookings as b;
    use ucz_service::bookings as s;
    let anyone = "anyone";
    let keeper = "admin, the resource's zone operator (a coordinator for a hub's)";
    let firm = "a firm account (its own)";
    let firm_or_keeper = "the booking's firm, or the resource's keeper";
    vec![
        route(Verb::Get, "listResources", "/api/v1/resources", b::list_resources)
            .doc("Bookable resources (rooms, equipment, desks, mentors' hours) of a zone or hub, with their rules and prices", anyone)
            .query::<b::PlaceQuery>()
            .answers::<Items<s::ResourceView>>(),
        route(Verb::Get, "readResource", "/api/v1/resources/{id}", b::read_resource)
            .doc("A resource with its rules by kind of applicant and time window", anyone)
            .answers::<s::ResourceView>(),
        route(Verb::Put, "setResource", "/api/v1/resources/{id}", b::set_resource)
            .doc("Create or replace a resource: its place, bundle, training, approval, grace period, prices and rules (hours, holidays, slot, min/max, notice, horizon, buffer, quotas); every problem reported by field", keeper)
            .body::<ucz_core::booking::Resource>()
            .answers::<s::ResourceView>(),
        route(Verb::Get, "readResourceDay", "/api/v1/resources/{id}/day", b::resource_day)
            .doc("A day of a resource under the rules for the caller: its slots free, taken, the caller's or past, or why it is closed", anyone)
            .query::<b::DateQuery>()
            .answers::<s::Day>(),
        route(Verb::Get, "readResourceCalendar", "/api/v1/resources/{id}/calendar", b::resource_feed)
            .doc("A resource's held slots as iCalendar (RFC 5545), without firms' names", anyone)
            .answers_a_file(),
        route(Verb::Post, "createBooking", "/api/v1/bookings", b::book)
            .doc("Book a resource (and its bundle, all or nothing) once or weekly; each date checked against the rules for the firm, a refused date named by its rule; a taken slot is 409, or 202 with a waitlist entry when `waitlist` is set", firm)
            .body::<s::BookingBody>()
            .answers::<s::BookingOutcome>()
            .statuses(&["201", "202"]),
        route(Verb::Get, "listBookings", "/api/v1/bookings", b::list_bookings)
            .doc("The bookings of a zone's (or hub's) resources over some days", keeper)
            .query::<b::BookingsQuery>()
            .answers::<Items<s::BookingView>>(),
        route(Verb::Get, "listMyBookings", "/api/v1/bookings/mine", b::mine)
            .doc("The caller firm's bookings from yesterday on, and its waitlist", firm)
            .answers::<b::Mine>(),
        route(Verb::Post, "approveBooking", "/api/v1/bookings/{id}/approve", b::approve)
            .doc("Approve a booking waiting for approval", keeper)
            .answers::<s::BookingView>()
            .statuses(&["200"]),
        route(Verb::Post, "declineBooking", "/api/v1/bookings/{id}/decline", b::decline)
            .doc("Decline a booking waiting for approval; its slot goes to the waitlist", keeper)
            .answers::<s::BookingView>()
            .statuses(&["200"]),
        route(Verb::Post, "cancelBooking", "/api/v1/bookings/{id}/cancel", b::cancel)
            .doc("Cancel a booking (with its bundle); its slot goes to the waitlist", firm_or_keeper)
            .answers::<s::BookingView>()
            .statuses(&["200"]),
        route(Verb::Post, "checkInBooking", "/api/v1/bookings/{id}/check-in", b::check_in)
            .doc("Check in, from 15 minutes before the start to the end of the grace period (after it the booking is a no-show and the slot freed)", firm_or_keeper)
            .answers::<s::BookingView>()
            .statuses(&["200"]),
        route(Verb::Post, "takeOffer", "/api/v1/bookings/{id}/take", b::take_offer)
            .doc("Take a slot the waitlist offered: confirmed (or requested when the resource needs approval)", firm)
            .answers::<s::BookingView>()
            .statuses(&["200"]),
        route(Verb::Post, "letGoOffer", "/api/v1/bookings/{id}/let-go", b::let_go)
            .doc("Let an offered slot go: it is offered to the next firm waiting", firm)
            .answers::<s::BookingView>()
            .statuses(&["200"]),
        route(Verb::Post, "cancelSeries", "/api/v1/bookings/series/{id}/cancel", b::cancel_series)
            .doc("Cancel a weekly series from a date on (every booking to come when none); the earlier ones stay", firm)
            .query::<b::FromQuery>()
            .answers::<Items<s::BookingView>>()
            .statuses(&["200"]),
        route(Verb::Delete, "leaveWaitlist", "/api/v1/bookings/waitlist/{id}", b::leave_waitlist)
            .doc("Leave a waitlist the firm is still waiting on", firm),
        route(Verb::Post, "addClosure", "/api/v1/bookings/closures", b::add_closure)
            .doc("Close a zone's (or hub's) resources, or one of them, from a date to a date: a temporary holiday, maintenance", keeper)
            .body::<s::ClosureBody>()
            .answers::<s::ClosureView>(),
        route(Verb::Post, "recordTraining", "/api/v1/bookings/trainings", b::record_training)
            .doc("Record that a firm holds a training its resources require (who attended)", keeper)
            .body::<s::TrainingBody>()
            .answers::<s::TrainingView>(),
        route(Verb::Get, "readUpkeep", "/api/v1/bookings/upkeep", b::upkeep)
            .doc("A zone's (or hub's) closures to come, trainings recorded, and the last year the holiday table covers", keeper)
            .query::<b::PlaceQuery>()
            .answers::<s::Upkeep>(),
        route(Verb::Get, "listHolidays", "/api/v1/holidays", b::holidays)
            .doc("Korean public holidays of the catalog (substitute and temporary holidays and election days included), with their source", anyone)
            .query::<b::YearQuery>()
            .answers::<Items<ucz_core::catalog::Holiday>>(),
    ]
}

/// Monthly statements of rent and usage, credit notes, payments, a lease's rent history.
fn statement_routes() -> Vec<Route> {
    use super::awards::Items;
    use super::statements as w;
    use ucz_service::statements as s;
    let keeper = "admin, the zone's operator";
    let firm = "a firm account (its own)";
    vec![
        route(Verb::Post, "issueStatements", "/api/v1/statements/issue", w::issue)
            .doc("Issue a zone's statements of a month that has ended: per firm, rent by the days each rent applied and usage of shared resources (a tenant's free hours deducted), VAT 10% rounded down; numbered without gaps per zone and year; firms issued before are left out. Statements, not tax invoices", keeper)
            .body::<s::IssueBody>()
            .answers::<Items<s::StatementView>>(),
        route(Verb::Get, "listStatements", "/api/v1/statements", w::list)
            .doc("A zone's statements and credit notes, by number", keeper)
            .query::<w::StatementsQuery>()
            .answers::<Items<s::StatementView>>(),
        route(Verb::Get, "listMyStatements", "/api/v1/statements/mine", w::mine)
            .doc("The caller firm's statements, newest first", firm)
            .answers::<Items<s::StatementView>>(),
        route(Verb::Get, "readStatement", "/api/v1/statements/{id}", w::read)
            .doc("A statement with its lines, totals and payments", "its firm, the zone's operator")
            .answers::<s::StatementView>(),
        route(Verb::Post, "creditStatement", "/api/v1/statements/{id}/credit", w::credit)
            .doc("Reverse a statement by a credit note (statements are never edited), numbered next", keeper)
            .body::<s::CreditBody>()
            .answers::<s::StatementView>(),
        route(Verb::Post, "recordPayment", "/api/v1/statements/{id}/payments", w::pay)
            .doc("Record a payment received (by hand: ucz takes no payments)", keeper)
            .body::<s::PaymentBody>()
            .answers::<s::StatementView>(),
        route(Verb::Get, "readOccupancy", "/api/v1/occupancy", super::occupancy::dashboard)
            .doc("A zone's occupancy of rooms by facility and month (12 months), utilisation of its shared resources by hour of the week with no-show rates, and the leases ending within 90/60/30 days with renewal or graduation", keeper)
            .query::<super::occupancy::ZoneQuery>()
            .answers::<ucz_service::occupancy::Dashboard>(),
        route(Verb::Get, "readLeaseRent", "/api/v1/leases/{id}/rent", w::rent)
            .doc("A lease's rent and deposit history (the space's listed rent when none is recorded)", "the lease's firm, the zone's operator")
            .answers::<s::RentHistory>(),
        route(Verb::Post, "setLeaseRent", "/api/v1/leases/{id}/rent", w::set_rent)
            .doc("Record a lease's rent and deposit from a day on; the history is kept", keeper)
            .body::<s::RentBody>()
            .answers::<s::RentHistory>(),
    ]
}

/// Worker housing: units and tenancies, invited employees, rounds, applications, the draw,
/// offers.
fn housing_routes() -> Vec<Route> {
    use super::awards::Items;
    use super::housing as w;
    use ucz_service::housing as s;
    let keeper = "admin, the zone's operator";
    let anyone = "anyone";
    let firm = "a firm account";
    let applicant = "a resident account its firm invited, or a founder's firm account";
    vec![
        route(Verb::Get, "listHousingUnits", "/api/v1/housing/units", w::units)
            .doc("A zone's housing units with their signed tenancies", keeper)
            .query::<super::occupancy::ZoneQuery>()
            .answers::<Items<s::UnitView>>(),
        route(Verb::Post, "putHousingUnit", "/api/v1/housing/units", w::put_unit)
            .doc("Create or replace a unit (type, area, rooms, rent, deposit, accessibility, the day it can be lived in); problems by field", keeper)
            .query::<super::occupancy::ZoneQuery>()
            .body::<ucz_core::housing::Unit>()
            .answers::<s::UnitView>()
            .statuses(&["200"]),
        route(Verb::Post, "signTenancy", "/api/v1/housing/tenancies", w::sign)
            .doc("Sign a household's tenancy of a unit by hand; one tenancy per unit at a time (409 naming the tenancy in the way)", keeper)
            .query::<super::occupancy::ZoneQuery>()
            .body::<s::TenancyBody>()
            .answers::<ucz_store::TenancyRow>(),
        route(Verb::Post, "renewTenancy", "/api/v1/housing/tenancies/{id}/renew", w::renew)
            .doc("Renew a tenancy to a later last day (409 if the unit is let then)", keeper)
            .query::<super::occupancy::ZoneQuery>()
            .body::<w::RenewBody>()
            .answers::<ucz_store::TenancyRow>()
            .statuses(&["200"]),
        route(Verb::Post, "inviteEmployee", "/api/v1/housing/employees", w::invite)
            .doc("Invite an employee to apply for housing: a resident account mailed a link to set its password", firm)
            .body::<s::InviteBody>()
            .answers::<Items<w::EmployeeView>>(),
        route(Verb::Get, "listEmployees", "/api/v1/housing/employees", w::employees)
            .doc("The employees the firm invited", firm)
            .answers::<Items<w::EmployeeView>>(),
        route(Verb::Get, "listEmployment", "/api/v1/housing/employment", w::employment)
            .doc("The submitted applications naming the firm as employer: the employment to confirm (name, months employed), nothing else", firm)
            .answers::<Items<s::EmploymentView>>(),
        route(Verb::Post, "openHousingRound", "/api/v1/housing/rounds", w::open_round)
            .doc("Open a special supply round: units by type (no more than are free for the first term), criteria and unit-type rules in CEL over `applicant` (type-checked), tiers in priority order with quotas (not above the units) and scoring; problems by field", keeper)
            .query::<super::occupancy::ZoneQuery>()
            .body::<ucz_core::housing::Setup>()
            .answers::<s::RoundView>(),
        route(Verb::Get, "listHousingRounds", "/api/v1/housing/rounds", w::rounds)
            .doc("Rounds, newest first (a zone's when named)", anyone)
            .query::<super::occupancy::ZoneQuery>()
            .answers::<Items<s::RoundView>>(),
        route(Verb::Get, "readHousingRound", "/api/v1/housing/rounds/{id}", w::round)
            .doc("A round's setup, state, and once frozen the list's hash and the public random value's source and time", anyone)
            .answers::<s::RoundView>(),
        route(Verb::Get, "readHousingResult", "/api/v1/housing/rounds/{id}/result", w::result)
            .doc("A drawn round's published result: applicant numbers, tier, rank, unit type, housed or reserve; points only for tiers of at least five applicants", anyone)
            .answers::<s::ResultView>(),
        route(Verb::Get, "readPublishedDraw", "/api/v1/housing/rounds/{id}/round.json", w::published)
            .doc("The published draw (inputs and outcome) that `ucz housing verify` re-runs", anyone)
            .answers::<ucz_core::housing::Published>(),
        route(Verb::Post, "freezeHousingRound", "/api/v1/housing/rounds/{id}/freeze", w::freeze)
            .doc("After closing: freeze the verified list, publish its SHA-256 and the public random value the draw will use (its source, and a time later than now)", keeper)
            .body::<s::FreezeBody>()
            .answers::<s::RoundView>()
            .statuses(&["200"]),
        route(Verb::Post, "drawHousingRound", "/api/v1/housing/rounds/{id}/draw", w::draw)
            .doc("Draw with the public random value once its time has come; refused (409) before then or when the list no longer hashes as frozen; the housed are offered units", keeper)
            .body::<s::DrawBody>()
            .answers::<s::ResultView>()
            .statuses(&["200"]),
        route(Verb::Get, "listHousingApplications", "/api/v1/housing/rounds/{id}/applications", w::applications)
            .doc("A round's applications with each criterion met, not met or unverified with its reason, the household's shared members flagged", keeper)
            .answers::<Items<s::ApplicationView>>(),
        route(Verb::Get, "listHousingOffers", "/api/v1/housing/rounds/{id}/offers", w::offers)
            .doc("A round's offers; offers past their deadline lapse and the reserve list moves", keeper)
            .answers::<Items<ucz_store::OfferRow>>(),
        route(Verb::Post, "applyForHousing", "/api/v1/housing/rounds/{id}/applications", w::apply)
            .doc("Apply (or edit the application) while the round takes applications: the person and household declared; one per applicant and round", applicant)
            .body::<s::ApplyBody>()
            .answers::<s::ApplicationView>()
            .statuses(&["200"]),
        route(Verb::Get, "listMyHousingApplications", "/api/v1/housing/applications/mine", w::mine)
            .doc("The caller's applications with their checks, outcome and offers", applicant)
            .answers::<Items<s::ApplicationView>>(),
        route(Verb::Post, "submitHousingApplication", "/api/v1/housing/applications/{id}/submit", w::submit)
            .doc("Submit an application (it gets its number) while the round takes applications", applicant)
            .answers::<s::ApplicationView>()
            .statuses(&["200"]),
        route(Verb::Post, "withdrawHousingApplication", "/api/v1/housing/applications/{id}/withdraw", w::withdraw)
            .doc("Withdraw an application while the round takes applications", applicant)
            .answers::<s::ApplicationView>()
            .statuses(&["200"]),
        route(Verb::Post, "uploadHousingDocument", "/api/v1/housing/applications/{id}/documents", w::upload)
            .doc("Upload a document the round asks for (?kind=&name=; the body is the file): PDF, PNG or JPEG by its bytes, at most 5 MB", applicant)
            .query::<w::DocumentQuery>()
            .answers::<ucz_store::DocumentRow>()
            .body_limit(ucz_service::housing::MAX_DOCUMENT + 1024),
        route(Verb::Get, "readHousingDocument", "/api/v1/housing/documents/{id}", w::document)
            .doc("A document's file (gone once the round's personal data is erased)", "the applicant, the round's operator")
            .answers_a_file(),
        route(Verb::Post, "giveHousingVerdict", "/api/v1/housing/applications/{id}/verdicts", w::verdict)
            .doc("The employer confirms the employment (no criterion; 204), or the operator gives its verdict on a criterion or `household` against the documents; until the round is frozen", "the employer firm, the round's operator")
            .body::<s::VerdictBody>()
            .answers::<s::ApplicationView>()
            .statuses(&["200", "204"]),
        route(Verb::Post, "acceptHousingOffer", "/api/v1/housing/offers/{id}/accept", w::accept)
            .doc("Accept an offer before its deadline: the tenancy is signed for the round's term at the unit's rent", applicant)
            .answers::<w::Answered>()
            .statuses(&["200"]),
        route(Verb::Post, "refuseHousingOffer", "/api/v1/housing/offers/{id}/refuse", w::refuse)
            .doc("Refuse an offer: the unit is offered to the next on the reserve list", applicant)
            .answers::<w::Answered>()
            .statuses(&["200"]),
    ]
}

/// Planning: site suitability, the hub network and the startup pipeline.
fn planning_routes() -> Vec<Route> {
    use super::network as n;
    use super::suitability as s;
    let planners = "admin, coordinator, operator";
    let ladder_readers = "admin, coordinator, operators of the region's zones";
    vec![
        route(Verb::Post, "scoreSites", "/api/v1/site/score", s::score)
            .doc("Score a suitability file's grid (the bundled Daejeon sample when no file is given) with the weights given, keep the surface, and rank the candidate sites with each criterion's part", planners)
            .body::<ucz_service::suitability::ScoreRequest>()
            .answers::<ucz_service::suitability::Answer>(),
        route(Verb::Get, "readSiteTile", "/api/v1/site/{key}/tiles/{z}/{x}/{y}", s::tile)
            .doc("A map tile (PNG, Web Mercator; the last segment is `{y}.png`) of a kept surface, coloured by score", planners)
            .answers_a_file(),
        route(Verb::Get, "readSiteGeotiff", "/api/v1/site/{key}/score.tif", s::geotiff)
            .doc("A kept surface as a GeoTIFF (32-bit float scores, NaN outside the area, EPSG:5179)", planners)
            .answers_a_file(),
        route(Verb::Get, "readSites", "/api/v1/site/{key}/sites.geojson", s::sites)
            .doc("A kept surface's candidate sites as GeoJSON (WGS84, or EPSG:5179 with ?crs=EPSG:5179), each with its rank, score and every criterion's value, rating and part", planners)
            .query::<s::CrsQuery>()
            .answers_a_file(),
        route(Verb::Post, "simulatePipeline", "/api/v1/pipeline/simulate", super::pipeline::simulate)
            .doc("Simulate a scenario's startup pipeline (the bundled Daejeon example when none is given): its base and variants on common random numbers, per region and year with 90% intervals, optionally calibrated from ucz's leases and retention; JSON, or CSV with ?format=csv", planners)
            .query::<super::pipeline::FormatQuery>()
            .body::<ucz_service::pipeline::SimulateRequest>()
            .statuses(&["200"])
            .answers::<ucz_service::pipeline::Simulated>(),
        route(Verb::Get, "readNetwork", "/api/v1/network/{region}", n::read)
            .doc("The hub network of a 시·도 or 광역경제권: hubs with functions and spaces, Post-BI moves and bookings between them, road travel times, and the functions each hub lacks within reach", ladder_readers)
            .answers::<ucz_core::network::Network>(),
        route(Verb::Post, "readNetworkByTransit", "/api/v1/network/{region}/gtfs", n::with_gtfs)
            .doc("The hub network with travel times by transit: the request body is a GTFS feed's .zip (stops.txt and stop_times.txt are read)", ladder_readers)
            .body_limit(64 << 20)
            .statuses(&["200"])
            .answers::<ucz_core::network::Network>(),
    ]
}

/// The evaluation of zones: the records behind a number, the report, every zone side by side,
/// the open data, and the records a zone's evaluation reads.
fn evaluation_routes() -> Vec<Route> {
    use super::awards::Items;
    use super::evaluation as w;
    use ucz_service::evaluation as s;
    let anyone = "anyone";
    let writers = "admin, coordinator, the zone's operator";
    let drillers = "admin, coordinator, the zone's operator; a firm sees its own records";
    vec![
        route(Verb::Get, "drillZoneEvaluation", "/api/v1/zones/{id}/evaluation/records", w::drill)
            .doc("The records behind one measure of a zone's year (firms, filings, leases, investment records, applications, milestones), each with what it adds", drillers)
            .query::<w::DrillQuery>()
            .answers::<s::Drill>(),
        route(Verb::Get, "readZoneReport", "/api/v1/zones/{id}/evaluation/report", w::report)
            .doc("The zone's annual evaluation report: the scorecard, the basic plan's checklist, milestones, the procedure and investment records, all as of one moment", anyone)
            .query::<w::YearQuery>()
            .answers::<s::report::Report>(),
        route(Verb::Get, "readEvaluationOverview", "/api/v1/evaluation/overview", w::overview)
            .doc("Every zone's scorecard of a year side by side, with the statutory steps at risk or overdue", anyone)
            .query::<w::YearQuery>()
            .answers::<s::Overview>(),
        route(Verb::Get, "readOpenData", "/api/v1/evaluation/open-data", w::open_data)
            .doc("Open data: every zone's non-personal indicators of a year, as JSON or CSV (?format=csv)", anyone)
            .query::<w::OpenQuery>()
            .answers::<Items<s::report::OpenRow>>(),
        route(Verb::Get, "readOpenDataSchema", "/api/v1/evaluation/open-data/schema", w::open_schema)
            .doc("The JSON Schema of an open-data row", anyone)
            .answers_a_file(),
        route(Verb::Get, "readZonePlan", "/api/v1/zones/{id}/plan", w::plan)
            .doc("The zone's basic plan with the act's required items, each present, partial or missing and where", anyone)
            .query::<w::AsOfQuery>()
            .answers::<s::records::PlanView>(),
        route(Verb::Put, "putZonePlan", "/api/v1/zones/{id}/plan", w::put_plan)
            .doc("Replace the zone's basic plan (a new version; the one before kept); problems by field", writers)
            .body::<ucz_core::evaluation::plan::BasicPlan>()
            .answers::<s::records::PlanView>(),
        route(Verb::Get, "listZoneTargets", "/api/v1/zones/{id}/targets", w::targets)
            .doc("The zone's targets per indicator and year", anyone)
            .query::<w::AsOfQuery>()
            .answers::<Items<ucz_core::evaluation::plan::Target>>(),
        route(Verb::Put, "putZoneTarget", "/api/v1/zones/{id}/targets", w::put_target)
            .doc("Set the target of an indicator and year; an unknown indicator is refused by field", writers)
            .body::<ucz_core::evaluation::plan::Target>()
            .answers::<ucz_core::evaluation::plan::Target>(),
        route(Verb::Delete, "deleteZoneTarget", "/api/v1/zones/{id}/targets/{indicator}/{year}", w::delete_target)
            .doc("Delete a target (its versions kept for evaluations of the past)", writers),
        route(Verb::Get, "listZoneMilestones", "/api/v1/zones/{id}/milestones", w::milestones)
            .doc("The milestones of the zone's development project with where each stands", anyone)
            .query::<w::AsOfQuery>()
            .answers::<Items<s::records::MilestoneView>>(),
        route(Verb::Put, "putZoneMilestone", "/api/v1/zones/{id}/milestones", w::put_milestone)
            .doc("Create or replace a milestone by its id; actual dates before the planned start and other impossible dates refused by field", writers)
            .body::<ucz_core::evaluation::plan::Milestone>()
            .answers::<s::records::MilestoneView>(),
        route(Verb::Delete, "deleteZoneMilestone", "/api/v1/zones/{id}/milestones/{milestone}", w::delete_milestone)
            .doc("Delete a milestone (its versions kept)", writers),
        route(Verb::Get, "listZoneInvestments", "/api/v1/zones/{id}/investments", w::investments)
            .doc("Investment attracted into the zone as recorded with its evidence", anyone)
            .query::<w::AsOfQuery>()
            .answers::<Items<ucz_core::evaluation::plan::Investment>>(),
        route(Verb::Put, "putZoneInvestment", "/api/v1/zones/{id}/investments", w::put_investment)
            .doc("Create or replace an investment record (anchor firm, research institute, co-investment) by its id, with its evidence", writers)
            .body::<ucz_core::evaluation::plan::Investment>()
            .answers::<ucz_core::evaluation::plan::Investment>(),
        route(Verb::Delete, "deleteZoneInvestment", "/api/v1/zones/{id}/investments/{investment}", w::delete_investment)
            .doc("Delete an investment record (its versions kept)", writers),
        route(Verb::Get, "readZoneProcedure", "/api/v1/zones/{id}/procedure", w::procedure)
            .doc("The zone's statutory procedure: its dates and each step's deadline and state today (due, at risk, overdue, done, late)", anyone)
            .query::<w::AsOfQuery>()
            .answers::<s::records::ProcedureView>(),
        route(Verb::Put, "putZoneProcedure", "/api/v1/zones/{id}/procedure", w::put_procedure)
            .doc("Replace the zone's procedure dates; a date before what it must follow or a step shorter than the act allows is refused by field", writers)
            .body::<s::records::ProcedureBody>()
            .answers::<s::records::ProcedureView>(),
        route(Verb::Get, "readEvaluationHistory", "/api/v1/zones/{id}/evaluation/history", w::history)
            .doc("Every version of one of the zone's evaluation records, oldest first", writers)
            .query::<w::HistoryQuery>()
            .answers::<Items<s::records::Version>>(),
    ]
}
