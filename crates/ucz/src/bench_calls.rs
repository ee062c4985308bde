//! `ucz bench calls`: the two figures of open calls. First, the approved rules of N calls
//! (drafted from synthetic K-Startup records with the documented field values) matched against
//! M synthetic firms by the columnar matcher, beside the interpreter the pages use for one firm.
//! Second, a firm's `/calls` page (its fit to every call, then the first 50) over HTTP against a
//! temporary SQLite database holding those calls.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::Context;
use serde_json::{Value, json};
use ucz_core::call::{CallSource, RuleState, import};
use ucz_core::rule::Rule;
use ucz_core::rule::columnar::{Matcher, Population};
use ucz_core::{Catalog, Clock};
use ucz_store::Store;
use ucz_web::AppState;
use ucz_web::auth::{SESSION_COOKIE, token_hash};

use crate::bench_serve::measure;
use crate::match_cmd::threads;
use crate::output;

/// A tiny seeded generator (xorshift): the same records for the same seed.
struct Seeded(u64);

impl Seeded {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }
}

/// A K-Startup response of `count` records whose structured fields take the documented values.
pub fn synthetic_response(count: usize, seed: u64, today: ucz_core::date::Date) -> String {
    let mut rng = Seeded(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let enyy = [
        "예비창업자",
        "1년미만",
        "3년미만",
        "예비창업자,1년미만",
        "5년미만",
        "7년미만,10년미만",
        "예비창업자,1년미만,2년미만,3년미만,5년미만,7년미만",
        "",
    ];
    let ages = [
        "만 20세 이상 ~ 만 39세 이하",
        "만 20세 이상 ~ 만 39세 이하,만 40세 이상",
        "만 20세 미만,만 20세 이상 ~ 만 39세 이하,만 40세 이상",
        "만 40세 이상",
        "",
    ];
    let regions = [
        "전국",
        "서울",
        "부산",
        "대구",
        "인천",
        "광주",
        "대전",
        "울산",
        "세종",
        "경기",
        "강원",
        "충북",
        "충남",
        "전북",
        "전남",
        "경북",
        "경남",
        "제주",
        "충청권",
        "동남권",
        "전국",
    ];
    let kinds = [
        "예비창업자",
        "일반기업",
        "일반기업,1인 창조기업",
        "청소년,대학생,일반인,1인 창조기업",
        "예비창업자,일반기업",
        "",
    ];
    let words = [
        "창업",
        "사업화",
        "지원",
        "모집",
        "공고",
        "기술",
        "청년",
        "글로벌",
        "AI",
        "바이오",
        "지역",
        "혁신",
        "주택",
        "공간",
        "입주",
        "투자",
        "판로",
        "수출",
        "R&D",
        "멘토링",
    ];
    let data: Vec<Value> = (0..count)
        .map(|i| {
            let title = format!(
                "2027년 {} {} {} {}차 {}",
                rng.pick(&words),
                rng.pick(&words),
                rng.pick(&words),
                i % 9 + 1,
                rng.pick(&["모집 공고", "참가기업 모집", "지원사업 공고"])
            );
            let opens = today.add_days(-((rng.next() % 20) as i64));
            let closes = today.add_days((rng.next() % 60) as i64 + 1);
            json!({
                "pbanc_sn": 500_000 + i,
                "biz_pbanc_nm": title,
                "pbanc_ctnt": format!("{} 분야 {} 기업을 지원합니다.", rng.pick(&words), rng.pick(&words)),
                "supt_biz_clsfc": rng.pick(&["사업화", "기술개발(R&amp;D)", "시설ㆍ공간ㆍ보육", "판로ㆍ해외진출", "인력"]),
                "supt_regin": rng.pick(&regions),
                "biz_enyy": rng.pick(&enyy),
                "biz_trgt_age": rng.pick(&ages),
                "aply_trgt": rng.pick(&kinds),
                "pbanc_ntrp_nm": rng.pick(&["창업진흥원", "서울특별시", "대전광역시", "(재)부산테크노파크", "중소벤처기업부"]),
                "pbanc_rcpt_bgng_dt": opens.to_string().replace('-', ""),
                "pbanc_rcpt_end_dt": closes.to_string().replace('-', ""),
                "detl_pg_url": format!("https://www.k-startup.go.kr/web/contents/bizpbanc-ongoing.do?schM=view&pbancSn={}", 500_000 + i),
            })
        })
        .collect();
    json!({"currentCount": count, "data": data, "matchCount": count, "page": 1, "perPage": count, "totalCount": count})
        .to_string()
}

pub fn run(
    catalog: Catalog,
    calls: usize,
    firms: usize,
    requests: usize,
    seed: u64,
    clock: Clock,
) -> anyhow::Result<()> {
    let _ = tracing_subscriber::fmt().with_env_filter("warn").try_init();
    let today = clock.today();
    let response = synthetic_response(calls, seed, today);
    let started = Instant::now();
    let imported = import::read(&catalog, CallSource::Kstartup, &response)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let read_time = started.elapsed();
    let mut bodies: Vec<ucz_core::call::CallBody> =
        imported.calls.into_iter().map(|(_, c)| c).collect();
    for call in &mut bodies {
        call.review.state = RuleState::Approved;
    }
    let rules: Vec<Rule> = bodies
        .iter()
        .map(|c| Rule::parse(&c.review.rule))
        .collect::<Result<_, _>>()
        .map_err(|e| anyhow::anyhow!("a drafted rule does not parse: {e}"))?;

    eprintln!("making {firms} synthetic firms (not timed)…");
    let population_firms = ucz_core::synth::firms(firms, seed, today);
    let started = Instant::now();
    let matcher = Matcher::compile(&rules);
    let compile_time = started.elapsed();
    let population = Population::new(&population_firms, today, &catalog, &matcher.fields());
    let pairs = AtomicU64::new(0);
    let started = Instant::now();
    matcher.run(&population, threads(), &AtomicUsize::new(0), &|_, chunk| {
        let found: u64 = (0..matcher.rule_count())
            .map(|r| u64::from(chunk.count(r)))
            .sum();
        pairs.fetch_add(found, Ordering::Relaxed);
    })?;
    let evaluation = started.elapsed();
    let pairs = pairs.into_inner();

    // The interpreter, one firm against every call, on 200 firms: what a page would spend
    // without the compiled rules.
    let sample = population_firms.len().min(200);
    let started = Instant::now();
    let mut interpreted = 0u64;
    for firm in population_firms.iter().take(sample) {
        let facts = firm.facts(today, &catalog);
        interpreted += rules.iter().filter(|r| r.holds(&facts)).count() as u64;
    }
    let per_firm = started.elapsed() / sample.max(1) as u32;

    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let http = runtime.block_on(async {
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}", dir.path().join("bench.db").display());
        let store = Store::connect(&url).await?.with_clock(clock);
        store.migrate().await?;
        let state = AppState::new(store.clone(), catalog.clone(), false).with_clock(clock);
        ucz_web::demo::load(&state, 50, today).await?;
        let started = Instant::now();
        store.import_calls("bench", bodies).await?;
        let store_time = started.elapsed();
        let firm = population_firms.first().context("no firm to look from")?;
        let mut stored = firm.clone();
        stored.id = "bench-firm".into();
        stored.zone = String::new();
        store
            .repo::<ucz_core::record::Demo<ucz_core::firm::Firm>>()
            .create(
                "bench",
                &ucz_core::record::Demo {
                    record: stored,
                    demo: true,
                },
            )
            .await?;
        let user = store
            .add_user(
                "bench",
                "bench-firm",
                "unused",
                ucz_core::account::RoleName::Firm,
                None,
                Some("bench-firm"),
            )
            .await?;
        let session = format!("bench-session-{}", std::process::id());
        store
            .create_session(
                &token_hash(&session),
                user.id,
                "csrf",
                "2999-01-01T00:00:00Z",
                None,
            )
            .await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        tokio::spawn(ucz_web::serve(listener, state));
        let client = reqwest::Client::new();
        let cookie = format!("{SESSION_COOKIE}={session}");
        // The first request catches the process up with the calls (search index, rules).
        let first = Instant::now();
        let warm = client
            .get(format!("{base}/calls"))
            .header("cookie", &cookie)
            .send()
            .await?;
        if !warm.status().is_success() {
            let status = warm.status();
            let text = warm.text().await.unwrap_or_default();
            anyhow::bail!(
                "GET /calls answered {status}: {}",
                text.chars().take(2000).collect::<String>()
            );
        }
        let catch_up = first.elapsed();
        let page = measure(requests, 1, |_| {
            let request = client
                .get(format!("{base}/calls"))
                .header("cookie", &cookie);
            async move { request.send().await.map(|r| r.status().is_success()) }
        })
        .await;
        let search = measure(requests / 2, 1, |i| {
            let q = ["예비 창업", "창업 주택", "청년 기술", "글로벌 판로"][i % 4];
            let q: String = form_urlencoded::byte_serialize(q.as_bytes()).collect();
            let request = client
                .get(format!("{base}/calls?q={q}"))
                .header("cookie", &cookie);
            async move { request.send().await.map(|r| r.status().is_success()) }
        })
        .await;
        anyhow::Ok((store_time, catch_up, page, search))
    })?;
    let (store_time, catch_up, page, search) = http;
    let evaluations = firms as f64 * calls as f64;
    output::text(&format!(
        "calls: {calls} (drafted from synthetic K-Startup records: read {:.2} s), firms: {firms}, threads: {}\n\
         columnar match of the approved rules: {:.2} s ({:.0} M rule evaluations per second; compile {:.2} s, {} kernels), {pairs} eligible pairs\n\
         interpreter, one firm against every call (beside the compiled rules a page runs on the firm): {:.2} ms per firm ({interpreted} fits over {sample} firms)\n\
         HTTP, one firm's GET /calls (its fit to every call, first 50 shown), SQLite: stored the calls in {:.2} s, first request (catching up: rules, search index) {:.2} s\n\
         GET /calls: {page}\n\
         GET /calls?q=… (Korean n-gram search): {search}\n",
        read_time.as_secs_f64(),
        threads(),
        (evaluation + compile_time).as_secs_f64(),
        evaluations / evaluation.as_secs_f64().max(1e-9) / 1e6,
        compile_time.as_secs_f64(),
        matcher.kernel_count(),
        per_firm.as_secs_f64() * 1e3,
        store_time.as_secs_f64(),
        catch_up.as_secs_f64(),
    ))
}
