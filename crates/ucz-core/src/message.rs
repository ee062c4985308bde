//! Messages for people, looked up by key in both languages. A `Message` is a `Key` and its named
//! arguments; `render` fills the key's Korean or English template from `messages.toml` (compiled
//! in). Code names keys by the `Key` enum, so a misspelt key does not compile, and a test holds
//! the enum and the table to each other. No text is ever translated by rewriting English.

use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

use crate::lang::Lang;

const CATALOGUE: &str = include_str!("../messages.toml");

macro_rules! keys {
    ($($variant:ident = $name:literal,)*) => {
        /// A message of the catalogue (`messages.toml`), by its key there.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Key {
            $($variant,)*
        }

        impl Key {
            pub const ALL: &'static [Key] = &[$(Key::$variant,)*];

            /// The key's name in `messages.toml`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Key::$variant => $name,)*
                }
            }
        }
    };
}

keys! {
    Toml = "toml",
    TomlTopLevelHint = "toml_top_level_hint",
    TomlDoubleBracketsHint = "toml_double_brackets_hint",
    WithExpected = "with_expected",
    OutsideKorea = "outside_korea",
    NotADate = "not_a_date",
    NotPositive = "not_positive",
    ImplausiblyLarge = "implausibly_large",
    EmptyText = "empty_text",
    HiddenText = "hidden_text",
    ZoneIdForm = "zone_id_form",
    UnknownCatalogId = "unknown_catalog_id",
    ListedTwice = "listed_twice",
    FirmNameHidden = "firm_name_hidden",
    UnknownStage = "unknown_stage",
    UnknownRegion = "unknown_region",
    UnknownDesignation = "unknown_designation",
    NotKsic = "not_ksic",
    FoundingDateNeeded = "founding_date_needed",
    UnknownZone = "unknown_zone",
    ZoneInOtherRegion = "zone_in_other_region",
    YouthOverEmployees = "youth_over_employees",
    FoundedAfterEvaluation = "founded_after_evaluation",
    InputText = "input_text",
    NounZone = "noun_zone",
    NounFacility = "noun_facility",
    NounSpace = "noun_space",
    NounInstitution = "noun_institution",
    NounFirm = "noun_firm",
    NounCall = "noun_call",
    NounHub = "noun_hub",
    NounLease = "noun_lease",
    NounRejection = "noun_rejection",
    NounCatalogKind = "noun_catalog_kind",
    NounToken = "noun_token",
    NounUser = "noun_user",
    NounList = "noun_list",
    NounExport = "noun_export",
    NounTemplate = "noun_template",
    NounPlacementRejection = "noun_placement_rejection",
    NounPlacementPlan = "noun_placement_plan",
    PercentOver100 = "percent_over_100",
    UnknownValue = "unknown_value",
    NounFacilityType = "noun_facility_type",
    NounSpaceKind = "noun_space_kind",
    NounInstitutionKind = "noun_institution_kind",
    NounHubKind = "noun_hub_kind",
    NounSurface = "noun_surface",
    NounRegion = "noun_region",
    NounStage = "noun_stage",
    NounFunction = "noun_function",
    NounDesignation = "noun_designation",
    NounProgram = "noun_program",
    NounSupportProgram = "noun_support_program",
    NounLinkageProgram = "noun_linkage_program",
    NounZoneType = "noun_zone_type",
    NotFound = "not_found",
    Forbidden = "forbidden",
    Unauthenticated = "unauthenticated",
    Invalid = "invalid",
    AlreadyExists = "already_exists",
    Refused = "refused",
    DatabaseFailed = "database_failed",
    Internal = "internal",
    BadBody = "bad_body",
    OnlyCoordinatorsChangeRegion = "only_coordinators_change_region",
    ZoneBodyHasParts = "zone_body_has_parts",
    IdIsHub = "id_is_hub",
    IdIsZone = "id_is_zone",
    ZoneHasTenants = "zone_has_tenants",
    FirmIdForm = "firm_id_form",
    HubIdForm = "hub_id_form",
    ImplausibleDay = "implausible_day",
    NeedsObject = "needs_object",
    RequiredOptionalNote = "required_optional_note",
    RequiredStageId = "required_stage_id",
    ImpossibleAge = "impossible_age",
    HubPartRefused = "hub_part_refused",
    RequiredUsername = "required_username",
    RequiredPassword = "required_password",
    NoQueryParameters = "no_query_parameters",
    RequiredFacilityOrHub = "required_facility_or_hub",
    ZonePartRefused = "zone_part_refused",
    RequiredFounderAge = "required_founder_age",
    ZoneNotInRegion = "zone_not_in_region",
    NoZone = "no_zone",
    NoFacility = "no_facility",
    NoHub = "no_hub",
    NoSpace = "no_space",
    NoFirm = "no_firm",
    NoHubOrZone = "no_hub_or_zone",
    HorizonMonths = "horizon_months",
    LeaseMonths = "lease_months",
    NotAGraduate = "not_a_graduate",
    NotExpansionSpace = "not_expansion_space",
    SpaceDoesNotFit = "space_does_not_fit",
    SpaceFreeFrom = "space_free_from",
    AlreadyLeased = "already_leased",
    PageLimits = "page_limits",
    RecordNumber = "record_number",
    UnknownField = "unknown_field",
    IdNotUrl = "id_not_url",
    UnknownOf = "unknown_of",
    WrongType = "wrong_type",
    JsonText = "json_text",
    JsonNumber = "json_number",
    JsonBool = "json_bool",
    JsonList = "json_list",
    JsonObject = "json_object",
    RequiredZoneId = "required_zone_id",
    RequiredFacilityTypeId = "required_facility_type_id",
    RequiredInstitutionKindId = "required_institution_kind_id",
    RequiredHubKindId = "required_hub_kind_id",
    RequiredRegionId = "required_region_id",
    RequiredId = "required_id",
    RequiredName = "required_name",
    RequiredPositive = "required_positive",
    RequiredOptionalPositive = "required_optional_positive",
    RequiredOptionalCount = "required_optional_count",
    RequiredOptionalU32 = "required_optional_u32",
    RequiredOptionalBool = "required_optional_bool",
    RequiredNames = "required_names",
    RequiredHubOrZoneIds = "required_hub_or_zone_ids",
    RequiredSpaceKind = "required_space_kind",
    SpaceInFacilityOrHub = "space_in_facility_or_hub",
    AdmitsObject = "admits_object",
    AdmitsStages = "admits_stages",
    AdmitsSectors = "admits_sectors",
    AdmitsEquipment = "admits_equipment",
    AdmitsUnknownKey = "admits_unknown_key",
    ADate = "a_date",
    WentToOnlyWhenEnded = "went_to_only_when_ended",
    EndedLeaseEndsByToday = "ended_lease_ends_by_today",
    LeaseProblem = "lease_problem",
    LeaseEndsBeforeStart = "lease_ends_before_start",
    LeaseBeyondRenewals = "lease_beyond_renewals",
    LeaseBeyondTerm = "lease_beyond_term",
    LeaseRuleCatalog = "lease_rule_catalog",
    LeaseRuleFacility = "lease_rule_facility",
    LeaseRuleHub = "lease_rule_hub",
    LeaseRuleRange = "lease_rule_range",
    LeaseSpaceTaken = "lease_space_taken",
    LeaseFirmPlaced = "lease_firm_placed",
    LeaseFirmPlacedHidden = "lease_firm_placed_hidden",
    InTurn = "in_turn",
    LeasesKeepRecord = "leases_keep_record",
    ChangedMeanwhile = "changed_meanwhile",
    NoRecordToBind = "no_record_to_bind",
    TooManyTokens = "too_many_tokens",
    PayloadBeforeHashes = "payload_before_hashes",
    CreatedLeaseMissing = "created_lease_missing",
    UnknownRoute = "unknown_route",
    MethodNotAllowed = "method_not_allowed",
    BadCredentials = "bad_credentials",
    Timeout = "timeout",
    TooManyAttempts = "too_many_attempts",
    Csrf = "csrf",
    TooLarge = "too_large",
    BodyNotObject = "body_not_object",
    BadQuery = "bad_query",
    RepeatedKey = "repeated_key",
    TokenName = "token_name",
    TokenDays = "token_days",
    FirmExists = "firm_exists",
    CannotImportKind = "cannot_import_kind",
    DuplicateIdInFile = "duplicate_id_in_file",
    PlacementAction = "placement_action",
    IdTaken = "id_taken",
    IdUnavailable = "id_unavailable",
    CannotReadBody = "cannot_read_body",
    RequiredSpaceId = "required_space_id",
    RequiredFirmId = "required_firm_id",
    RequiredLeaseStatus = "required_lease_status",
    RequiredRenewals = "required_renewals",
    GiveTheZone = "give_the_zone",
    ZoneRefused = "zone_refused",
    ZoneRefusedIn = "zone_refused_in",
    ZoneFirmsRefused = "zone_firms_refused",
    CoordinatorsReadFirms = "coordinators_read_firms",
    FirmWritesItsOwn = "firm_writes_its_own",
    FirmReadsItsOwn = "firm_reads_its_own",
    FirmStaysInItsZone = "firm_stays_in_its_zone",
    FirmsDoNotWriteLeases = "firms_do_not_write_leases",
    HubsKeptByCoordinators = "hubs_kept_by_coordinators",
    AuditReaders = "audit_readers",
    ImportFile = "import_file",
    CallJson = "call_json",
    CallEnvelope = "call_envelope",
    CallNotObject = "call_not_object",
    CallMissing = "call_missing",
    CallNotText = "call_not_text",
    CallBadDate = "call_bad_date",
    CallBadPeriod = "call_bad_period",
    CallPeriodOrder = "call_period_order",
    CallBadUrl = "call_bad_url",
    CallRuleRefused = "call_rule_refused",
    CallSource = "call_source",
    CallReviewers = "call_reviewers",
    CallPublishers = "call_publishers",
    CallGroupSources = "call_group_sources",
    CallClosing = "call_closing",
    CallClosed = "call_closed",
    PasswordShort = "password_short",
    PasswordLong = "password_long",
    PasswordCommon = "password_common",
    PasswordHasEmail = "password_has_email",
    EmailForm = "email_form",
    BusinessNumberForm = "business_number_form",
    ConsentNeeded = "consent_needed",
    LinkSpent = "link_spent",
    CurrentPasswordWrong = "current_password_wrong",
    ProfileExists = "profile_exists",
    FoundersMakeProfiles = "founders_make_profiles",
    ZoneLinkDecided = "zone_link_decided",
    OperatorsDecideLinks = "operators_decide_links",
    AdminsOnly = "admins_only",
    NounSession = "noun_session",
    NounNotice = "noun_notice",
    NounZoneLink = "noun_zone_link",
    NounJob = "noun_job",
    NameForm = "name_form",
    PhoneForm = "phone_form",
    UnknownNoticeKind = "unknown_notice_kind",
    NoticeKindCallFits = "notice_kind_call_fits",
    NoticeKindCallClosing = "notice_kind_call_closing",
    NoticeKindPlacement = "notice_kind_placement",
    NoticeCallFits = "notice_call_fits",
    NoticeUntilBudget = "notice_until_budget",
    NoticeClosesOn = "notice_closes_on",
    NoticeCallClosing = "notice_call_closing",
    NoticePlacement = "notice_placement",
    NoticePlacementChanged = "notice_placement_changed",
    MailVerifySubject = "mail_verify_subject",
    MailVerifyBody = "mail_verify_body",
    MailTakenSubject = "mail_taken_subject",
    MailTakenBody = "mail_taken_body",
    MailResetSubject = "mail_reset_subject",
    MailResetBody = "mail_reset_body",
    MailDigestSubject = "mail_digest_subject",
    MailDigestIntro = "mail_digest_intro",
    MailUnsubscribe = "mail_unsubscribe",
    AwardPositive = "award_positive",
    AwardRequired = "award_required",
    AwardOutOfRange = "award_out_of_range",
    AwardAmountOver = "award_amount_over",
    AwardBadId = "award_bad_id",
    AwardDuplicateId = "award_duplicate_id",
    AwardUnknownCriterion = "award_unknown_criterion",
    AwardUnknownQuestion = "award_unknown_question",
    AwardUnknownKpi = "award_unknown_kpi",
    AwardWrongType = "award_wrong_type",
    AwardTooLong = "award_too_long",
    AwardNotAChoice = "award_not_a_choice",
    AwardFileTooBig = "award_file_too_big",
    AwardFileType = "award_file_type",
    AwardFileMissing = "award_file_missing",
    AwardPeriodOrder = "award_period_order",
    AwardOutsidePeriod = "award_outside_period",
    AwardNotNegative = "award_not_negative",
    AwardYouthOverEmployees = "award_youth_over_employees",
    AwardJumpNeedsNote = "award_jump_needs_note",
    AwardLate = "award_late",
    AwardNotYetOpen = "award_not_yet_open",
    AwardNotEligible = "award_not_eligible",
    AwardPerFirm = "award_per_firm",
    AwardNoCompetition = "award_no_competition",
    AwardNotDraft = "award_not_draft",
    AwardConflictDeclared = "award_conflict_declared",
    AwardNotAssigned = "award_not_assigned",
    AwardShortfall = "award_shortfall",
    AwardOverBudget = "award_over_budget",
    AwardNotSelected = "award_not_selected",
    AwardNotPublished = "award_not_published",
    AwardObjectionClosed = "award_objection_closed",
    AwardScoresMissing = "award_scores_missing",
    AwardEvaluatorsOnly = "award_evaluators_only",
    AwardOperatorsOnly = "award_operators_only",
    AwardNotEvaluator = "award_not_evaluator",
    AwardDecided = "award_decided",
    NounApplication = "noun_application",
    NounAgreement = "noun_agreement",
    NounFile = "noun_file",
    NounEvaluator = "noun_evaluator",
    MailInviteSubject = "mail_invite_subject",
    NoticeKindFilingDue = "notice_kind_filing_due",
    AwardFileRefused = "award_file_refused",
    AwardPublished = "award_published",
    AwardSetupLocked = "award_setup_locked",
    AwardMinOverMax = "award_min_over_max",
    BookingBadWeekday = "booking_bad_weekday",
    BookingCloseBeforeOpen = "booking_close_before_open",
    BookingBadTime = "booking_bad_time",
    BookingSlotDividesDay = "booking_slot_divides_day",
    BookingMaxUnderMin = "booking_max_under_min",
    BookingUntilBeforeFrom = "booking_until_before_from",
    BookingBadResourceId = "booking_bad_resource_id",
    BookingFacilityOrHub = "booking_facility_or_hub",
    BookingNotAllowed = "booking_not_allowed",
    BookingOrder = "booking_order",
    BookingPast = "booking_past",
    BookingClosedDay = "booking_closed_day",
    BookingHours = "booking_hours",
    BookingHoliday = "booking_holiday",
    BookingClosure = "booking_closure",
    BookingGrid = "booking_grid",
    BookingTooShort = "booking_too_short",
    BookingTooLong = "booking_too_long",
    BookingNotice = "booking_notice",
    BookingHorizon = "booking_horizon",
    BookingQuotaWeek = "booking_quota_week",
    BookingQuotaMonth = "booking_quota_month",
    BookingTraining = "booking_training",
    BookingTaken = "booking_taken",
    BookingRefused = "booking_refused",
    BookingSeriesConflicts = "booking_series_conflicts",
    BookingBadState = "booking_bad_state",
    BookingCheckInWindow = "booking_check_in_window",
    BookingUnknownTime = "booking_unknown_time",
    HousingBadCode = "housing_bad_code",
    HousingBadRoundCode = "housing_bad_round_code",
    OutOfRange = "out_of_range",
    HousingCloseBeforeOpen = "housing_close_before_open",
    HousingUnknownUnitType = "housing_unknown_unit_type",
    HousingNotIntField = "housing_not_int_field",
    HousingQuotasExceed = "housing_quotas_exceed",
    HousingMissingDocument = "housing_missing_document",
    HousingVerified = "housing_verified",
    HousingRejected = "housing_rejected",
    HousingAwaitOperator = "housing_await_operator",
    HousingRuleFails = "housing_rule_fails",
    HousingAwaitEmployer = "housing_await_employer",
    HousingEmployerDenied = "housing_employer_denied",
    HousingSamePerson = "housing_same_person",
    HousingNotOpen = "housing_not_open",
    HousingRoundState = "housing_round_state",
    HousingDocumentType = "housing_document_type",
    HousingUnknownDocument = "housing_unknown_document",
    HousingTooEarly = "housing_too_early",
    HousingListChanged = "housing_list_changed",
    HousingUnitsShort = "housing_units_short",
    HousingOfferClosed = "housing_offer_closed",
    HousingTenancyOverlap = "housing_tenancy_overlap",
    HousingAlreadyApplied = "housing_already_applied",
    HousingNotEmployee = "housing_not_employee",
    HousingRandomRequired = "housing_random_required",
    HousingNoTier = "housing_no_tier",
    HousingAddressOtherAccount = "housing_address_other_account",
    MailHousingAddedBody = "mail_housing_added_body",
    HousingNotClosed = "housing_not_closed",
    HousingRandomFuture = "housing_random_future",
    HousingClosesPast = "housing_closes_past",
    HousingDocumentTooLarge = "housing_document_too_large",
    HousingAwaitHousehold = "housing_await_household",
    HousingCodeTaken = "housing_code_taken",
    NounHousingRound = "noun_housing_round",
    NounHousingApplication = "noun_housing_application",
    NounHousingDocument = "noun_housing_document",
    NounHousingOffer = "noun_housing_offer",
    NounHousingResult = "noun_housing_result",
    NounTenancy = "noun_tenancy",
    MailHousingInviteSubject = "mail_housing_invite_subject",
    MailHousingInviteBody = "mail_housing_invite_body",
    BookingBundleMissing = "booking_bundle_missing",
    BookingNoFirm = "booking_no_firm",
    NounResource = "noun_resource",
    NounBooking = "noun_booking",
    NounWaitlist = "noun_waitlist",
    StatementMonthOpen = "statement_month_open",
    StatementCredited = "statement_credited",
    NounStatement = "noun_statement",
    BookingOffGrid = "booking_off_grid",
    BookingBufferTooLong = "booking_buffer_too_long",
    BookingTooLate = "booking_too_late",
    BookingCancelStarted = "booking_cancel_started",
    BookingWaitingAlready = "booking_waiting_already",
    BookingNoDates = "booking_no_dates",
    AmountTooLarge = "amount_too_large",
    NoticeKindLeaseEnding = "notice_kind_lease_ending",
    NoticeLeaseRenew = "notice_lease_renew",
    NoticeLeaseGraduate = "notice_lease_graduate",
    NoticeTenantRenews = "notice_tenant_renews",
    NoticeTenantGraduates = "notice_tenant_graduates",
    RentOutsideLease = "rent_outside_lease",
    PaidInFuture = "paid_in_future",
    BookingOfBundle = "booking_of_bundle",
    NoticeFilingDue = "notice_filing_due",
    NoticeFilingLate = "notice_filing_late",
    MailInviteBody = "mail_invite_body",
    EvalUnknownPlanItem = "eval_unknown_plan_item",
    EvalDuplicate = "eval_duplicate",
    EvalSectionRequired = "eval_section_required",
    EvalUnknownIndicator = "eval_unknown_indicator",
    EvalActualBeforePlan = "eval_actual_before_plan",
    EvalEndBeforeStart = "eval_end_before_start",
    EvalEndWithoutStart = "eval_end_without_start",
    EvalEvidenceRequired = "eval_evidence_required",
    EvalUnknownDate = "eval_unknown_date",
    EvalDateBefore = "eval_date_before",
    EvalStepTooShort = "eval_step_too_short",
    EvalBadId = "eval_bad_id",
    EvalAsOfFuture = "eval_as_of_future",
    NounMilestone = "noun_milestone",
    NounInvestment = "noun_investment",
    NounTarget = "noun_target",
    NounMeasure = "noun_measure",
    NoticeKindProcedureDue = "notice_kind_procedure_due",
    NoticeProcedureAtRisk = "notice_procedure_at_risk",
    NoticeProcedureOverdue = "notice_procedure_overdue",
    EvalNoChromium = "eval_no_chromium",
    EvalPrintingBusy = "eval_printing_busy",
    EvalInFuture = "eval_in_future",
    EvalTooLong = "eval_too_long",
    EvalNegative = "eval_negative",
}

/// One argument of a message: text, or another message rendered in the same language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arg {
    Text(String),
    Message(Box<Message>),
}

/// A message: a key of the catalogue and its named arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub key: Key,
    pub args: Vec<(&'static str, Arg)>,
}

impl Message {
    /// The messages the core's deserialisers give serde (which carries them on as text).
    pub const DESERIALISERS: &'static [Key] = &[
        Key::OutsideKorea,
        Key::NotADate,
        Key::NotPositive,
        Key::ImplausiblyLarge,
        Key::EmptyText,
        Key::HiddenText,
    ];

    /// Text from a parser: a deserialiser's message by its key, anything else inside a keyed
    /// sentence.
    pub fn input(text: impl fmt::Display) -> Message {
        let text = text.to_string();
        Message::recognize(&text, Message::DESERIALISERS)
            .unwrap_or_else(|| Message::new(Key::InputText).arg("text", text))
    }

    pub fn new(key: Key) -> Self {
        Message {
            key,
            args: Vec::new(),
        }
    }

    /// Adds the argument `{name}`.
    pub fn arg(mut self, name: &'static str, value: impl fmt::Display) -> Self {
        self.args.push((name, Arg::Text(value.to_string())));
        self
    }

    /// Adds the argument `{name}` as a message of its own, rendered in the same language.
    pub fn with(mut self, name: &'static str, value: impl Into<Message>) -> Self {
        self.args.push((name, Arg::Message(Box::new(value.into()))));
        self
    }

    /// The message in `lang`. Arguments are filled in one pass, so an argument's own braces
    /// are never read as a placeholder.
    pub fn render(&self, lang: Lang) -> String {
        let Some(entry) = table().get(self.key.name()) else {
            return self.key.name().to_string();
        };
        let template = lang.pick(&entry.ko, &entry.en);
        let mut out = String::with_capacity(template.len());
        for piece in pieces(template) {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Arg(name) => match self.args.iter().find(|(n, _)| *n == name) {
                    Some((_, Arg::Text(text))) => out.push_str(text),
                    Some((_, Arg::Message(message))) => out.push_str(&message.render(lang)),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                },
            }
        }
        out
    }

    /// The message of `keys` whose English template `text` is, with its arguments. serde hands
    /// a deserialiser's own error on only as text; this gets the core's deserialisers' keyed
    /// messages back from inside a TOML error.
    pub fn recognize(text: &str, keys: &[Key]) -> Option<Message> {
        keys.iter().find_map(|&key| {
            let entry = table().get(key.name())?;
            let args = match_template(&pieces(&entry.en), text)?;
            Some(Message {
                key,
                args: args
                    .into_iter()
                    .map(|(name, value)| (name, Arg::Text(value.to_string())))
                    .collect(),
            })
        })
    }
}

impl Message {
    /// The messages one after another (`a; b; c`), in the same language; `None` for none.
    pub fn in_turn(messages: impl IntoIterator<Item = Message>) -> Option<Message> {
        messages.into_iter().reduce(|first, then| {
            Message::new(Key::InTurn)
                .with("first", first)
                .with("then", then)
        })
    }
}

impl From<Key> for Message {
    fn from(key: Key) -> Self {
        Message::new(key)
    }
}

/// The English text: what the JSON API, logs and the command line show.
impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Lang::En))
    }
}

/// In JSON a message is its English text, as the API has always answered.
impl serde::Serialize for Message {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.render(Lang::En))
    }
}

#[derive(serde::Deserialize)]
struct Entry {
    en: String,
    ko: String,
}

fn table() -> &'static HashMap<String, Entry> {
    // A broken table is caught by the tests below; a release build then renders keys.
    static TABLE: LazyLock<HashMap<String, Entry>> =
        LazyLock::new(|| toml::from_str(CATALOGUE).unwrap_or_default());
    &TABLE
}

#[derive(Debug, PartialEq, Eq)]
enum Piece<'a> {
    Text(&'a str),
    /// A `{name}` placeholder: lowercase letters and `_`.
    Arg(&'a str),
}

/// A template split into text and `{name}` placeholders.
fn pieces(template: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let name_len = after
            .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
            .unwrap_or(after.len());
        if name_len > 0 && after[name_len..].starts_with('}') {
            out.push(Piece::Text(&rest[..open]));
            out.push(Piece::Arg(&after[..name_len]));
            rest = &after[name_len + 1..];
        } else {
            out.push(Piece::Text(&rest[..=open]));
            rest = after;
        }
    }
    out.push(Piece::Text(rest));
    out.retain(|p| *p != Piece::Text(""));
    out
}

/// The arguments that make `pieces` read `text`, each as short as it can be.
fn match_template<'a, 't>(pieces: &[Piece<'a>], text: &'t str) -> Option<Vec<(&'a str, &'t str)>> {
    let mut args = Vec::new();
    let mut rest = text;
    let mut i = 0;
    while i < pieces.len() {
        match pieces[i] {
            Piece::Text(literal) => rest = rest.strip_prefix(literal)?,
            Piece::Arg(name) => match pieces.get(i + 1) {
                Some(Piece::Text(literal)) => {
                    let at = rest.find(literal)?;
                    args.push((name, &rest[..at]));
                    rest = &rest[at..];
                }
                Some(Piece::Arg(_)) => return None,
                None => {
                    args.push((name, rest));
                    rest = "";
                }
            },
        }
        i += 1;
    }
    rest.is_empty().then_some(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(template: &str) -> Vec<&str> {
        let mut names: Vec<&str> = pieces(template)
            .into_iter()
            .filter_map(|p| match p {
                Piece::Arg(name) => Some(name),
                Piece::Text(_) => None,
            })
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    #[test]
    fn every_key_has_both_languages_with_the_same_arguments() {
        let raw: toml::Table = toml::from_str(CATALOGUE).expect("messages.toml is TOML");
        for key in Key::ALL {
            let entry = table()
                .get(key.name())
                .unwrap_or_else(|| panic!("messages.toml has no [{}]", key.name()));
            assert!(
                !entry.en.is_empty() && !entry.ko.is_empty(),
                "{}",
                key.name()
            );
            assert_eq!(names(&entry.en), names(&entry.ko), "{}", key.name());
            assert!(!names(&entry.en).contains(&""), "{}", key.name());
        }
        for name in raw.keys() {
            assert!(
                Key::ALL.iter().any(|k| k.name() == name),
                "[{name}] in messages.toml is used by no Key"
            );
        }
        assert_eq!(raw.len(), Key::ALL.len());
    }

    #[test]
    fn renders_arguments_and_nested_messages_in_the_language() {
        let message = Message::new(Key::WithExpected)
            .with("message", Message::new(Key::UnknownZone).arg("id", "mars"))
            .arg("values", "daejeon, busan");
        assert_eq!(
            message.render(Lang::En),
            "unknown zone \"mars\"; expected one of: daejeon, busan"
        );
        assert_eq!(
            message.render(Lang::Ko),
            "알 수 없는 특구 \"mars\"; 가능한 값: daejeon, busan"
        );
        // An argument's braces stay text.
        let odd = Message::new(Key::NoZone).arg("id", "{id}");
        assert_eq!(odd.render(Lang::En), "no zone {id}");
        assert_eq!(
            serde_json::to_string(&odd).expect("JSON"),
            "\"no zone {id}\""
        );
    }

    #[test]
    fn a_deserialisers_text_is_recognized_by_its_template() {
        let text = Message::new(Key::NotADate)
            .arg("value", "2024-13-01")
            .to_string();
        let found = Message::recognize(&text, &[Key::OutsideKorea, Key::NotADate]);
        assert_eq!(
            found.map(|m| m.render(Lang::Ko)),
            Some("\"2024-13-01\"은(는) 날짜가 아닙니다 (YYYY-MM-DD)".into())
        );
        assert_eq!(Message::recognize("something else", &[Key::NotADate]), None);
    }
}
