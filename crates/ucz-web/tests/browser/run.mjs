// Drives Debian's headless Chromium through the ucz pages as an anonymous visitor, a zone
// operator and a firm. Started by `cargo test` (tests/it/browser.rs) against a real server:
//   node run.mjs <origin> <screenshot dir> <import.xlsx> <the server's today, YYYY-MM-DD>
// Exits non-zero with the failed check's message.
import { chromium } from "playwright-core";
import { mkdirSync, readFileSync } from "node:fs";

const [origin, shots, workbook, today] = process.argv.slice(2);
check(/^\d{4}-\d{2}-\d{2}$/.test(today || ""), `the server's date: ${today}`);
mkdirSync(shots, { recursive: true });

function check(ok, message) {
  if (!ok) {
    throw new Error(message);
  }
}

const browser = await chromium.launch({
  executablePath: process.env.UCZ_CHROMIUM || "/usr/bin/chromium",
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
const foreign = [];
// What the content security policy blocked: a page that needs it relaxed fails the run.
const blocked = [];
let requests = 0;
async function visitor() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "ko-KR" });
  context.on("request", (request) => {
    requests += 1;
    const url = request.url();
    if (!url.startsWith(origin + "/") && !url.startsWith("data:") && url !== "about:blank") {
      foreign.push(url);
    }
  });
  const page = await context.newPage();
  page.on("console", (message) => {
    if (message.text().includes("Content Security Policy")) {
      blocked.push(`${page.url()}: ${message.text()}`);
    }
  });
  return page;
}
async function shot(page, name) {
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
}
async function login(page, user, password) {
  await page.goto(`${origin}/login`);
  await page.fill("#username", user);
  await page.fill("#password", password);
  await Promise.all([page.waitForNavigation(), page.click("form.krds-form button[type=submit]")]);
}
// A Korean page's visible words: no rule text outside the rule disclosures, no English from the
// catalog's notes (assumptions, references, the brief's numbering).
async function koreanOnly(page, what) {
  const text = await page.evaluate(() => {
    const main = document.querySelector("main") || document.body;
    const copy = main.cloneNode(true);
    copy.querySelectorAll("details.rule").forEach((d) => d.remove());
    return copy.textContent;
  });
  const rule = text.indexOf("firm.");
  check(rule < 0, `${what}: rule text outside the disclosure: …${text.slice(Math.max(0, rule - 80), rule + 80)}…`);
  const english = text.match(/\b(assumption|taken to be|approximated|brief|Figure \d|Section \d|since the brief)\b/i);
  check(!english, `${what}: English from the catalog's notes: ${english && english[0]}`);
}
const steps = [];
async function step(name, body) {
  await body();
  steps.push(name);
  console.log(`ok - ${name}`);
}

try {
  const page = await visitor();

  await step("the public overview maps the zones and compares them", async () => {
    const response = await page.goto(`${origin}/`);
    check(response.status() === 200, `overview: ${response.status()}`);
    await page.waitForSelector("#map[data-ready=true]", { timeout: 15000 });
    const provinces = await page.locator("#map path.leaflet-interactive").count();
    check(provinces >= 17 + 5, `map: ${provinces} shapes, expected 17 provinces and 5 zones`);
    const rows = await page.locator("#zones-table tbody tr").count();
    check(rows === 5, `comparison: ${rows} rows`);
    check((await page.getAttribute("html", "lang")) === "ko", "Korean by default");
    await shot(page, "overview");
  });

  await step("the catalog is searched and filtered", async () => {
    await page.goto(`${origin}/catalog`);
    const all = await page.locator("#programs > li.program").count();
    check(all >= 50, `catalog: ${all} programs`);
    await page.fill("#catalog-q", "창업");
    await page.selectOption("select[name=ministry]", "mss");
    await Promise.all([page.waitForNavigation(), page.click("form.filters button[type=submit]")]);
    const found = await page.locator("#programs > li.program").count();
    check(found > 0 && found < all, `search: ${found} of ${all}`);
    const texts = await page.locator("#programs > li.program").allInnerTexts();
    check(texts.every((t) => t.includes("창업") && t.includes("중소벤처기업부")), "every result matches");
    check(!(await page.locator("#programs code.cel").first().isVisible()), "CEL kept under the rule disclosure");
    await page.locator("#programs details.rule summary").first().click();
    check(await page.locator("#programs code.cel").first().isVisible(), "the disclosure shows the rule as CEL");
    await koreanOnly(page, "the catalog");
    await shot(page, "catalog");
  });

  await step("English on request", async () => {
    await page.click("a.lang-switch");
    check((await page.getAttribute("html", "lang")) === "en", "switched to English");
    check((await page.locator("h1").innerText()).includes("Find programs"), "English title");
    await page.click("a.lang-switch");
    check((await page.getAttribute("html", "lang")) === "ko", "back to Korean");
  });

  await step("an anonymous visitor is sent to log in for firm lists", async () => {
    await page.goto(`${origin}/firms`);
    check(page.url().startsWith(`${origin}/login?next=`), `redirected to ${page.url()}`);
  });

  await step("an operator creates a facility, with inline errors first", async () => {
    await login(page, "operator", "pw-operator");
    check(page.url() === `${origin}/zones/daejeon`, `operator lands on its zone: ${page.url()}`);
    await page.click("a[href='/facilities/new?zone=daejeon']");
    await page.selectOption("#f-type", "incubation_space");
    await page.fill("#f-name", "브라우저 창업보육동");
    await page.fill("#f-floor_area_m2", "-5");
    await Promise.all([page.waitForNavigation(), page.click("form.krds-form button[type=submit]")]);
    check(await page.locator("#err-floor_area_m2").isVisible(), "inline error beside the floor area");
    check(await page.locator("#form-errors").isVisible(), "error summary");
    check((await page.inputValue("#f-name")) === "브라우저 창업보육동", "typed values kept");
    await shot(page, "facility-form-error");
    await page.fill("#f-floor_area_m2", "2500");
    await Promise.all([page.waitForNavigation(), page.click("form.krds-form button[type=submit]")]);
    check(page.url().startsWith(`${origin}/zones/daejeon`), `back on the zone: ${page.url()}`);
    check(await page.locator("text=브라우저 창업보육동").first().isVisible(), "facility on the zone page");
    check(await page.locator("svg.diamond line.link").count() === 6, "six linkages drawn");
    const headings = await page.locator("table.packages thead th").allInnerTexts();
    for (const h of ["사용 중인 사업", "보유 지정제도", "추가할 사업", "추가할 지정제도"]) {
      check(headings.includes(h), `the ministry table has "${h}": ${headings.join(" | ")}`);
    }
    await koreanOnly(page, "the zone page");
    await shot(page, "zone");
  });

  await step("checkboxes are visible and work; deleting asks first", async () => {
    const row = page.locator("#facilities-table tr", { hasText: "브라우저 창업보육동" });
    await Promise.all([page.waitForNavigation(), row.locator("a", { hasText: "수정" }).click()]);
    check(await page.locator("label[for=f-planned]").isVisible(), "the checkbox's label is visible");
    const box = await page.locator("label[for=f-planned]").boundingBox();
    check(box && box.width > 20, "the checkbox is drawn");
    await page.click("label[for=f-planned]");
    check(await page.isChecked("#f-planned"), "clicking the label checks the box");
    await page.keyboard.press("Space");
    check(!(await page.isChecked("#f-planned")), "Space on the focused box unchecks it");
    await page.keyboard.press("Space");
    await Promise.all([page.waitForNavigation(), page.click("form.krds-form button[type=submit]")]);
    const planned = page.locator("#facilities-table tr", { hasText: "브라우저 창업보육동" });
    check((await planned.innerText()).includes("계획"), "saved as planned");
    await Promise.all([page.waitForNavigation(), planned.locator("a", { hasText: "수정" }).click()]);
    await Promise.all([page.waitForNavigation(), page.click("#delete-link")]);
    check(page.url().endsWith("/delete"), `a confirmation page first: ${page.url()}`);
    await shot(page, "delete-confirmation");
    await Promise.all([page.waitForNavigation(), page.click("#confirm-delete")]);
    check(page.url().endsWith("/zones/daejeon?deleted=1"), `back on the zone: ${page.url()}`);
    check((await page.locator("#facilities-table").innerText()).indexOf("브라우저 창업보육동") < 0, "deleted");
  });

  await step("the placement page shows the plan, the shortfall and why; accepting creates the lease", async () => {
    await page.goto(`${origin}/placement`);
    // Without a date the plan is as of the server's today, the day its fixed clock shows.
    check((await page.inputValue("form.filters input[name=as_of]")) === today, `the plan's date is ${today}`);
    check((await page.locator("#ladder-summary").innerText()).includes(`(${today} ~ `), "the plan's period starts today");
    const firstMonth = await page.locator("figcaption tbody th").first().innerText();
    check(firstMonth === today.slice(0, 7), `the first month of the chart: ${firstMonth}`);
    check(await page.locator("svg.paired").isVisible(), "demand and supply chart");
    const unplaced = await page.locator("#unplaced-table tbody tr").count();
    const proposals = await page.locator("#proposals-table tbody tr").count();
    check(unplaced > 0 && proposals > 0, `${proposals} proposals, ${unplaced} without space`);
    check((await page.locator("#unplaced-table").innerText()).includes("공간 없음"), "reasons in words");
    await shot(page, "placement");
    const first = page.locator("#proposals-table tbody tr").first();
    const firm = await first.locator("th a").getAttribute("href");
    await Promise.all([page.waitForNavigation(), first.locator("button[value=accept]").click()]);
    check(await page.locator(".alert.ok").isVisible(), "accepted");
    check(!(await page.locator("#proposals-table").innerHTML()).includes(`href="${firm}"`), "the placed firm left the plan");
  });

  await step("an Excel import reports the bad row and writes nothing until confirmed", async () => {
    await page.goto(`${origin}/import`);
    await page.selectOption("#resource", "firms");
    await page.setInputFiles("#file", workbook);
    await Promise.all([page.waitForNavigation(), page.click("form.krds-form button[type=submit]")]);
    const bad = await page.locator("#preview-table tr.bad").count();
    const good = await page.locator("#preview-table tr.good").count();
    check(bad === 1 && good === 2, `preview: ${good} good, ${bad} bad`);
    check((await page.locator("#preview-table tr.bad").innerText()).includes("4"), "the bad row's number");
    await shot(page, "import-preview");
    const before = await page.request.get(`${origin}/firms/IMP-OK-1`);
    check(before.status() === 404, `nothing written before confirming: ${before.status()}`);
    await Promise.all([page.waitForNavigation(), page.click("#confirm-import")]);
    check((await page.locator("#import-done").innerText()).includes("2"), "two rows written");
    const after = await page.request.get(`${origin}/firms/IMP-OK-1`);
    check(after.status() === 200, `written after confirming: ${after.status()}`);
  });

  await step("a coordinator reviews a call's draft rule beside its text and approves it", async () => {
    await page.click("header form.inline button");
    await login(page, "coordinator", "pw-coordinator");
    await page.goto(`${origin}/calls/review`);
    const queued = await page.locator("#review-queue tbody tr").count();
    check(queued >= 1, `review queue: ${queued} calls`);
    await Promise.all([page.waitForNavigation(), page.click("#review-queue a:has-text('청년 창업공간')")]);
    check((await page.locator("#target-text").innerText()).includes("창업 3년 미만"), "the announcement's own words beside the draft");
    const clauses = await page.locator("#draft-clauses tbody tr").count();
    check(clauses >= 3, `draft clauses with their origin: ${clauses}`);
    check((await page.locator("#draft-clauses").innerText()).includes("supt_regin"), "each clause names its field");
    check(await page.locator("#unread li").first().isVisible(), "what was not read is listed");
    check((await page.locator("#trials tbody tr").count()) === 6, "the draft tried on the sample firms");
    const draft = await page.inputValue("#rule");
    await page.fill("#rule", "firm.region == ");
    await Promise.all([page.waitForNavigation(), page.click("#approve")]);
    check((await page.locator("#rule-error").innerText()).includes("번째 글자"), "a rule that does not type-check is refused with its position");
    check((await page.locator("#review-state").innerText()).includes("초안"), "still a draft");
    await page.fill("#rule", draft);
    await Promise.all([page.waitForNavigation(), page.click("#approve")]);
    check(await page.locator("#review-saved").isVisible(), "saved");
    check((await page.locator("#review-state").innerText()).includes("검토된 규칙"), "approved");
    await shot(page, "call-review");
  });

  await step("a firm sees its package and may not open other pages", async () => {
    await page.click("header form.inline button");
    await login(page, "firm", "pw-firm");
    check(page.url() === `${origin}/firms/T-FIRM`, `firm lands on its page: ${page.url()}`);
    const eligible = await page.locator("#eligible-table tbody tr").count();
    check(eligible >= 1, `package: ${eligible} programs`);
    check(await page.locator("#eligible-table ul.reasons li").first().isVisible(), "reasons in words");
    // Daejeon does not run 혁신기관 공동운영 엑셀러레이팅; Daegu does.
    const notRun = page.locator("#eligible-table tr", { hasText: "혁신기관 공동운영 엑셀러레이팅" });
    check((await notRun.count()) === 1, "the program its rule allows is listed");
    const note = await notRun.locator("p.not-run").innerText();
    check(note.includes("운영하지 않음") && note.includes("대구"), `not run in its zone, run in Daegu: ${note}`);
    check((await page.locator("#eligible-table p.runs-here").count()) >= 1, "programs its zone runs say so");
    await koreanOnly(page, "the firm's page");
    await shot(page, "firm");
    const forbidden = await page.goto(`${origin}/import`);
    check(forbidden.status() === 403, `import as a firm: ${forbidden.status()}`);
    check((await page.locator("h1").innerText()).includes("403"), "a 403 page");
    await shot(page, "forbidden");
    const other = await page.goto(`${origin}/firms/IMP-OK-1`);
    check(other.status() === 403, `another firm's page: ${other.status()}`);
  });

  await step("a founder finds a call in Korean, sees its D-day and bookmarks it", async () => {
    await page.goto(`${origin}/calls`);
    await page.fill("#q", "청년 창업");
    await Promise.all([page.waitForNavigation(), page.click("form.call-filters button[type=submit]")]);
    const first = page.locator("#call-list li.call-item").first();
    check((await first.locator("h2").innerText()).includes("청년 창업공간"), "청년 창업 finds 청년 창업공간");
    check((await first.locator(".fit").innerText()).includes("적합"), "it fits the firm");
    check((await first.locator(".dday").innerText()) === "D-3", `D-day: ${await first.locator(".dday").innerText()}`);
    await Promise.all([page.waitForNavigation(), first.locator("form.bookmark button").click()]);
    const again = page.locator("#call-list li.call-item").first();
    check((await again.locator("form.bookmark button").getAttribute("aria-pressed")) === "true", "bookmarked");
    await shot(page, "calls");
    await page.goto(`${origin}/calls/calendar`);
    check((await page.locator("main").innerText()).includes("청년 창업공간"), "on the deadline calendar");
    await Promise.all([page.waitForNavigation(), page.click("#renew-feed")]);
    const feed = await page.locator("#feed-url code").innerText();
    const ics = await page.request.get(`${origin}${feed}`);
    check(ics.status() === 200 && (await ics.text()).includes("BEGIN:VEVENT"), "the private feed answers iCalendar");
    await shot(page, "call-calendar");
  });

  // The mail the server sent, as an administrator reads it in the outbox: the newest mail to
  // `to` whose text holds `part`, and the link in it.
  const admin = await visitor();
  await login(admin, "admin", "pw-admin");
  async function mailedLink(to, part, count) {
    for (let tries = 0; tries < 50; tries += 1) {
      await admin.goto(`${origin}/admin/outbox`);
      const bodies = await admin.locator("#mails li.mail").evaluateAll(
        (items, to) => items.filter((li) => li.innerText.includes(to)).map((li) => li.querySelector("pre").innerText),
        to,
      );
      const found = bodies.filter((b) => b.includes(part));
      if (found.length >= count) {
        const link = found[0].split(/\s+/).find((w) => w.startsWith("http") && w.includes(part));
        if (link) return link;
      }
      await admin.waitForTimeout(200);
    }
    throw new Error(`no mail to ${to} with ${part} in the outbox`);
  }
  const email = "browser.founder@example.kr";
  const founder = await visitor();

  await step("a founder signs up, confirms the mailed link and makes its firm profile", async () => {
    await founder.goto(`${origin}/login`);
    check((await founder.locator("label[for=username]").innerText()).includes("이메일"), "the login asks for a user name or e-mail");
    check(!(await founder.locator("main").innerText()).includes("ucz user"), "no command names on the login page");
    await Promise.all([founder.waitForNavigation(), founder.click("main a[href='/signup']")]);
    await founder.fill("#email", email);
    await founder.fill("#password", "qwertyuiop");
    await founder.click("label[for=consent]");
    await Promise.all([founder.waitForNavigation(), founder.click("#signup-form button[type=submit]")]);
    check((await founder.locator("#signup-errors").innerText()).includes("많이 쓰이는"), "a common password is refused in Korean");
    check((await founder.locator("#email").inputValue()) === email, "the address is kept in the form");
    await founder.fill("#password", "봄비 내리는 골목의 작은 서점");
    await founder.click("label[for=consent]");
    await shot(founder, "signup");
    await Promise.all([founder.waitForNavigation(), founder.click("#signup-form button[type=submit]")]);
    check((await founder.locator("#message").innerText()).length > 10, "told to check the mail");
    const link = await mailedLink(email, "/signup/verify?token=", 1);
    check(link.startsWith(origin), `the link leads here: ${link}`);
    await shot(admin, "outbox");
    await founder.goto(link);
    await Promise.all([founder.waitForNavigation(), founder.click("#verify-button")]);
    await login(founder, email, "봄비 내리는 골목의 작은 서점");
    check(founder.url().endsWith("/account/profile"), `a new founder lands on its profile form: ${founder.url()}`);
    await founder.fill("#f-id", "browser-founder");
    await founder.fill("#f-name", "봄비서점 주식회사");
    await founder.fill("#f-founded", "2025-05-01");
    await founder.selectOption("#f-stage", "early");
    await founder.selectOption("#f-region", "daejeon");
    await founder.fill("#f-sector", "J62");
    await founder.fill("#f-founder_age", "서른하나");
    await founder.selectOption("#f-zone", "daejeon");
    await Promise.all([founder.waitForNavigation(), founder.click("form.krds-form button[type=submit]")]);
    check(await founder.locator("#err-founder_age").isVisible(), "the age's error beside its field");
    check((await founder.inputValue("#f-name")) === "봄비서점 주식회사", "typed values kept");
    await founder.fill("#f-founder_age", "31");
    await Promise.all([founder.waitForNavigation(), founder.click("form.krds-form button[type=submit]")]);
    check(founder.url().endsWith("/firms/browser-founder?saved=1"), `the firm page follows: ${founder.url()}`);
  });

  await step("a forgotten password is reset through the mailed link", async () => {
    const other = await visitor();
    await other.goto(`${origin}/login`);
    await Promise.all([other.waitForNavigation(), other.click("a[href='/password/forgot']")]);
    await other.fill("#email", email);
    await Promise.all([other.waitForNavigation(), other.click("main form button[type=submit]")]);
    const link = await mailedLink(email, "/password/reset?token=", 1);
    await other.goto(link);
    await other.fill("#password", "1q2w3e4r5t");
    await Promise.all([other.waitForNavigation(), other.click("main form button[type=submit]")]);
    check((await other.locator("#reset-errors").innerText()).includes("많이 쓰이는"), "a common password is refused");
    await other.fill("#password", "가을 운동장의 긴 그림자");
    await Promise.all([other.waitForNavigation(), other.click("main form button[type=submit]")]);
    await login(other, email, "가을 운동장의 긴 그림자");
    check(other.url().endsWith("/firms/browser-founder"), `logged in with the new password: ${other.url()}`);
    await founder.goto(`${origin}/inbox`);
    check(founder.url().includes("/login"), "the reset ended the old session");
    await login(founder, email, "가을 운동장의 긴 그림자");
  });

  await step("the inbox shows the call that fits, and marks it read", async () => {
    const csrf = await admin.locator("input[name=_csrf]").first().inputValue();
    const run = await admin.request.post(`${origin}/api/v1/jobs/notices/run`, { headers: { "x-csrf-token": csrf } });
    check(run.status() === 200, `the notice scan runs: ${run.status()}`);
    await founder.goto(`${origin}/inbox`);
    const notices = await founder.locator("#notices").innerText();
    check(notices.includes("청년 창업공간"), `the fitting call is noticed: ${notices}`);
    check((await founder.locator("#unread").innerText()) !== "", "unread notices are counted");
    await shot(founder, "inbox");
    await Promise.all([founder.waitForNavigation(), founder.click("main form[action='/inbox/read'] button")]);
    check((await founder.locator("#unread").count()) === 0, "all read");
  });

  const call = process.env.UCZ_AWARD_CALL;
  const firm = await visitor();
  await step("a firm applies to a zone's call with its deck and keeps the receipt", async () => {
    await login(firm, "firm", "pw-firm");
    await firm.goto(`${origin}/awards/calls/${call}`);
    check((await firm.locator("#precheck").innerText()).includes("신청 자격이 있습니다"), "eligible");
    await firm.fill("#q-plan", "대전 원도심 자율주행 셔틀 실증");
    await firm.fill("#requested", "45000000");
    await firm.setInputFiles("#q-deck", { name: "시험기업-발표.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4 시험기업 발표자료") });
    await Promise.all([firm.waitForNavigation(), firm.click("#submit-application")]);
    const receipt = await firm.locator("#receipt").innerText();
    check(/[0-9a-f]{64}/.test(receipt), `a receipt with its hash: ${receipt}`);
    await shot(firm, "award-apply");
  });

  const operator = await visitor();
  await step("the operator assigns the applications to the evaluator", async () => {
    await login(operator, "operator", "pw-operator");
    await operator.goto(`${origin}/awards/calls/${call}/manage`);
    await Promise.all([operator.waitForNavigation(), operator.click("#assign")]);
    const evaluators = await operator.locator("#evaluators").innerText();
    check(evaluators.includes("외부 평가위원") && evaluators.includes("\t2\t"), `the evaluator has both: ${evaluators}`);
  });

  const judge = await visitor();
  await step("the evaluator scores blind: no firm name, no file name", async () => {
    await login(judge, "judge@eval.test", "Blind-Review-Ready-7");
    check(judge.url() === `${origin}/awards`, `an evaluator lands on its assignments: ${judge.url()}`);
    const cards = judge.locator("article.assignment");
    check((await cards.count()) === 2, `two assignments: ${await cards.count()} at ${judge.url()}: ${(await judge.locator("main").innerText()).slice(0, 600)}`);
    const text = await judge.locator("main").innerText();
    check(!text.includes("시험기업") && !text.includes("T-FIRM") && !text.includes("B-FIRM"), `blind: ${text}`);
    check(text.includes("deck.pdf"), "the deck under the question's name");
    for (let i = 0; i < 2; i += 1) {
      const card = judge.locator("article.assignment").nth(i);
      await card.locator("input[name=s_market]").fill(i === 0 ? "9" : "6");
      await card.locator("input[name=s_tech]").fill(i === 0 ? "8" : "5");
      if (i === 1) {
        await shot(judge, "award-score");
      }
      await Promise.all([judge.waitForNavigation(), card.locator("form.score-sheet button").click()]);
    }
    check((await judge.locator("article.assignment .bg-success").count()) === 2, "both scored");
  });

  await step("the operator selects within the budget and publishes; the firm reads its result", async () => {
    await operator.goto(`${origin}/awards/calls/${call}/manage`);
    await Promise.all([operator.waitForNavigation(), operator.click("#publish")]);
    const ranking = await operator.locator("#ranking").innerText();
    check(ranking.includes("선정") && ranking.includes("예비"), `one selected, one reserve: ${ranking}`);
    await shot(operator, "award-manage");
    await firm.goto(`${origin}/awards/calls/${call}`);
    const result = await firm.locator("#result").innerText();
    check(result.includes("/ 2"), `its own rank of two: ${result}`);
  });

  await step("a tenant books a mentor's office hour from the week's calendar; the operator approves it", async () => {
    await firm.goto(`${origin}/bookings?resource=dj-mentor-hours`);
    check((await firm.locator("#resource-name").innerText()).includes("멘토"), "the mentor's hours are shown");
    // Today's and tomorrow's slots are inside the day's notice: the first free one is Thursday's.
    const slot = firm.locator("#week button.slot-free").first();
    check((await slot.count()) === 1, "a free slot this week");
    const start = await slot.getAttribute("data-start");
    await shot(firm, "bookings-week");
    await Promise.all([firm.waitForNavigation(), slot.click()]);
    const mine = await firm.locator("#mine").innerText();
    check(mine.includes("승인 대기") && mine.includes(start.replace("T", " ")), `waiting for approval: ${mine}`);
    await operator.goto(`${origin}/bookings/manage`);
    const row = operator.locator("#bookings tr", { hasText: start.replace("T", " ") });
    await Promise.all([operator.waitForNavigation(), row.locator("button.approve").click()]);
    const after = await operator.locator("#bookings").innerText();
    check(after.includes("확정"), `approved: ${after}`);
    await shot(operator, "bookings-manage");
    await firm.goto(`${origin}/bookings?resource=dj-mentor-hours`);
    check((await firm.locator("#mine").innerText()).includes("확정"), "the firm sees it confirmed");
  });

  await step("an employee applies for housing with its register extract; anyone reads a drawn round's result", async () => {
    const worker = await visitor();
    await login(worker, "worker@staff.test", "Housing-Applicant-9");
    check(worker.url() === `${origin}/housing`, `a resident lands on housing: ${worker.url()}`);
    const round = process.env.UCZ_HOUSING_OPEN;
    const form = worker.locator(`#apply-${round}`);
    await form.locator("input[name=name]").fill("박근로");
    await form.locator("input[name=birth_date]").fill("1997-05-20");
    await form.locator("input[name=months_employed]").fill("14");
    await form.locator("input[name=household_income]").fill("3200000");
    await form.locator("input[name=file_resident_register]").setInputFiles({ name: "등본.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4 주민등록등본") });
    await shot(worker, "housing-apply");
    await Promise.all([worker.waitForNavigation(), worker.click(`#submit-${round}`)]);
    const mine = await worker.locator("#mine ~ article").first().innerText();
    check(mine.includes("DJ-2026-H2-001") && mine.includes("제출됨"), `submitted with its number: ${mine}`);
    check(mine.includes("재직 기업의 재직 확인") || mine.includes("확인 중"), `checks wait for verification: ${mine}`);
    check(mine.includes("resident_register"), `the register is kept: ${mine}`);
    const anyone = await visitor();
    await anyone.goto(`${origin}/housing/rounds/${process.env.UCZ_HOUSING_DRAWN}`);
    const result = await anyone.locator("#result").innerText();
    check(result.includes("DJ-2026-H1-001") && result.includes("당첨"), `the published result: ${result}`);
    const page = await anyone.locator("main").innerText();
    check(!page.includes("김창업"), "no names in the published result");
    check(/[0-9a-f]{64}/.test(await anyone.locator("#commitment").innerText()), "the frozen list's hash");
    check((await anyone.locator("#how-to-verify").innerText()).includes("ucz housing verify"), "how to verify");
    await shot(anyone, "housing-result");
  });

  await step("a coordinator opens a zone's scorecard, drills down to the records of one number and downloads the report", async () => {
    const coord = await visitor();
    await login(coord, "coordinator", "pw-coordinator");
    const year = today.slice(0, 4);
    await coord.goto(`${origin}/evaluation`);
    check((await coord.locator("#zones").innerText()).includes("대전 도심융합특구"), "the overview compares the zones");
    await coord.goto(`${origin}/evaluation/daejeon?year=${year}`);
    const line = coord.locator("#line-investment");
    const value = (await line.locator("td.value").innerText()).trim();
    check(value !== "—" && value !== "0", `the investment attracted in ${year}: ${value}`);
    await shot(coord, "evaluation-scorecard");
    await Promise.all([coord.waitForNavigation(), line.locator("a.drill").first().click()]);
    check(coord.url().includes("/evaluation/daejeon/records") && coord.url().includes("measure=investment_krw"), `drilled to ${coord.url()}`);
    const records = await coord.locator("#records").innerText();
    check(records.includes("daejeon-co-invest-2026"), `the investment records behind the number: ${records}`);
    const total = (await coord.locator("#drill-value").innerText()).trim();
    check(total === value, `the records add up to the scorecard's number: ${total} = ${value}`);
    await shot(coord, "evaluation-records");
    await coord.goto(`${origin}/evaluation/daejeon/report?year=${year}`);
    check((await coord.locator("h1").innerText()).includes("성과평가 보고서"), "the printable report");
    const [xlsx] = await Promise.all([coord.waitForEvent("download"), coord.click("#report-xlsx")]);
    check(xlsx.suggestedFilename() === `ucz-evaluation-daejeon-${year}.xlsx`, `the workbook: ${xlsx.suggestedFilename()}`);
    const workbook = readFileSync(await xlsx.path());
    check(workbook.subarray(0, 2).toString() === "PK", "an .xlsx is a zip");
    const [pdf] = await Promise.all([coord.waitForEvent("download"), coord.click("#report-pdf")]);
    check(pdf.suggestedFilename() === `ucz-evaluation-daejeon-${year}.pdf`, `the PDF: ${pdf.suggestedFilename()}`);
    const printed = readFileSync(await pdf.path());
    check(printed.subarray(0, 5).toString() === "%PDF-", "printed by Chromium");
    check(printed.includes("PretendardGOV"), "the report's Hangul font is embedded");
  });

  await step("a coordinator changes a weight of site suitability and sees the ranking change", async () => {
    const coord = await visitor();
    await login(coord, "coordinator", "pw-coordinator");
    await coord.goto(`${origin}/planning/sites`);
    await coord.waitForSelector("#site-map[data-ready=true]", { timeout: 15000 });
    const tiles = await coord.locator("#site-map img.leaflet-tile-loaded").count();
    check(tiles > 0, `the surface's tiles are drawn: ${tiles}`);
    const firstRow = async () => (await coord.locator("#sites tbody tr").first().innerText()).trim();
    const before = await firstRow();
    check((await coord.locator("#sites tbody tr").count()) === 10, "ten candidate sites");
    await shot(coord, "planning-sites");
    await coord.fill("#w_station", "0");
    await coord.fill("#w_youth", "20");
    await Promise.all([coord.waitForNavigation(), coord.click("#rescore")]);
    check(coord.url().includes("w_youth=20"), `the weights travel in the address: ${coord.url()}`);
    check((await coord.inputValue("#w_youth")) === "20", "the weight is kept");
    const after = await firstRow();
    check(after !== before, `the best site moved: ${before} → ${after}`);
    await coord.fill("#w_station", "high");
    await Promise.all([coord.waitForNavigation(), coord.click("#rescore")]);
    check((await coord.locator("#refused").innerText()).includes("high"), "a weight that is not a number is named");
    check((await coord.getAttribute("#w_station", "aria-invalid")) === "true", "and marked on its field");
    const [tif] = await Promise.all([coord.waitForEvent("download"), coord.click("#download-geotiff")]);
    check(readFileSync(await tif.path()).subarray(0, 4).toString("latin1") === "II*\0", "a GeoTIFF");
    await coord.goto(`${origin}/planning/network?region=daejeon`);
    await coord.waitForSelector("#network-map[data-ready=true]", { timeout: 15000 });
    const links = await coord.locator("#links").innerText();
    check(links.includes("대전테크노파크 창업보육센터") && links.includes("Post-BI"), `the graduates' moves: ${links}`);
    check((await coord.locator("#gaps").innerText()).includes("정주환경"), "the hubs lacking the living function");
    await shot(coord, "planning-network");
  });

  await step("a coordinator runs the scenario comparison and reads retention with its intervals", async () => {
    const coord = await visitor();
    await login(coord, "coordinator", "pw-coordinator");
    await coord.goto(`${origin}/planning/pipeline`);
    await coord.fill("#runs", "many");
    await Promise.all([coord.waitForNavigation(), coord.click("#run")]);
    check((await coord.locator("#refused").innerText()).includes("many"), "runs that are not a number are named");
    await coord.fill("#runs", "60");
    await Promise.all([coord.waitForNavigation(), coord.click("#run")]);
    const rows = coord.locator("#table-daejeon tbody tr");
    check((await rows.count()) === 3, "the base and two variants side by side");
    const retention = async (i) => parseFloat((await rows.nth(i).locator("td.retention").innerText()).replace("%", ""));
    const base = await retention(0);
    const more = await retention(1);
    check(more > base, `more Post-BI space keeps more graduates: ${base}% → ${more}%`);
    check((await rows.nth(1).innerText()).includes("/ 0"), "no paired run lower than the base");
    check((await coord.locator("#chart-daejeon polyline.series").count()) === 3, "one line per variant");
    await shot(coord, "planning-pipeline");
    const [csv] = await Promise.all([coord.waitForEvent("download"), coord.click("#export-csv")]);
    check(readFileSync(await csv.path()).toString().startsWith("variant,region,year,measure"), "the comparison as CSV");
  });

  check(foreign.length === 0, `pages loaded from elsewhere: ${foreign.join(", ")}`);
  check(blocked.length === 0, `blocked by the content security policy: ${blocked.join("; ")}`);
  console.log("ok - nothing blocked by the content security policy");
  console.log(`ok - ${requests} requests, all to ${origin}`);
} catch (error) {
  console.error(`FAILED after [${steps.join("; ")}]: ${error.message}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
