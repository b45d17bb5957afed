/*
 * app.js - the winnow Control Center: one page over the control API
 *
 * Everything shown comes from /api/v1/... with the session cookie; every
 * change is a POST with the session's CSRF token.  Text from mail (Subject,
 * From, file names, the message itself) only ever reaches the page as
 * textContent - no markup is built from data - and the server's CSP allows
 * no inline script, so a message cannot run code here.  A quarantined
 * message is shown as its header text and decoded text, never as HTML.
 *
 * SPDX-License-Identifier: MIT
 */
"use strict";

const state = { csrf: null, timer: null, charts: [], page: null, gen: 0 };

/* el - an element with attributes and children (strings become text) */
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const k of kids.flat(Infinity)) {
    if (k === null || k === undefined || k === false) continue;
    e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return e;
}

const $ = (id) => document.getElementById(id);

/* api - one call; throws an Error with the server's words */
async function api(method, path, body) {
  const gen = state.gen;
  const opt = { method, credentials: "same-origin", headers: {} };
  if (method === "POST") {
    opt.headers["Content-Type"] = "application/json";
    if (state.csrf) opt.headers["X-CSRF-Token"] = state.csrf;
    opt.body = JSON.stringify(body || {});
  }
  let r;
  try {
    r = await fetch(path, opt);
  } catch (e) {
    throw new Error("winnowd's control process does not answer (" + e.message + ")");
  }
  const text = await r.text();
  /* A page left meanwhile: what it asked for is not drawn over the new
   * one (a POST's outcome still counts) */
  if (method === "GET" && gen !== state.gen) throw new Error("stale");
  let j = null;
  try { j = JSON.parse(text); } catch (e) { /* text answer */ }
  if (r.status === 401 && path !== "/api/v1/login") { showLogin("Your session ended: log in again."); throw new Error("not logged in"); }
  if (!r.ok && !(j && "exit" in j)) throw new Error((j && j.error) || (r.status + " " + r.statusText));
  return j !== null ? Object.assign(j, { _status: r.status }) : text;
}

/* flash - a message over the page; it belongs to the page it was said on
 * (carry: to the next one too, for an action that moves on) */
function flash(text, bad, carry) {
  const f = $("flash");
  flash.carry = !!carry;
  f.textContent = text;
  f.className = "flash" + (bad ? " bad" : "");
  f.hidden = false;
  clearTimeout(flash.t);
  flash.t = setTimeout(() => { f.hidden = true; }, bad ? 9000 : 5000);
}

const fmtN = (n) => (n === null || n === undefined) ? "-" : Number(n).toLocaleString("en");
function fmtBytes(n) {
  if (n === null || n === undefined) return "-";
  const u = ["B", "kB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : n) + " " + u[i];
}
function fmtAge(s) {
  if (s === null || s === undefined || s < 0) return "-";
  if (s < 90) return s + " s";
  if (s < 5400) return Math.round(s / 60) + " min";
  if (s < 172800) return Math.round(s / 3600) + " h";
  return Math.round(s / 86400) + " days";
}
const fmtTime = (t) => new Date(t * 1000).toLocaleString("en-GB");
const badge = (t, cls) => el("span", { class: "badge " + (cls || String(t).toLowerCase()) }, t);

/* ------------------------------------------------------------ login */

function showLogin(msg) {
  stopTimer();
  $("app").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = msg || "";
  $("secret").focus();
}

async function login(ev) {
  ev.preventDefault();
  $("login-error").textContent = "";
  try {
    const j = await api("POST", "/api/v1/login", { secret: $("secret").value.trim() });
    state.csrf = j.csrf;
    $("secret").value = "";
    start();
  } catch (e) {
    $("login-error").textContent = e.message === "wrong secret" ?
      "That is not the secret (winnowctl control-secret prints it)." : e.message;
  }
}

async function logout() {
  try { await api("POST", "/api/v1/logout"); } catch (e) { /* gone anyway */ }
  state.csrf = null;
  showLogin("Logged out.");
}

async function reloadConfig() {
  const b = $("reload");
  b.disabled = true;
  try {
    const j = await api("POST", "/api/v1/reload");
    const gen = j.generation;
    for (let i = 0; i < 60; i++) {
      await sleep(500);
      let c;
      try { c = await api("GET", "/api/v1/config"); } catch (e) { continue; }
      if (c.generation > gen) {
        if (c.reload_ok) flash("Configuration reloaded (generation " + c.generation + ").");
        else flash("The reload failed; the previous configuration keeps serving: " + c.reload_text, true);
        return;
      }
    }
    flash("No new configuration generation after 30 seconds.", true);
  } catch (e) {
    flash("Reload: " + e.message, true);
  } finally {
    b.disabled = false;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/* ------------------------------------------------------------ pages */

function stopTimer() {
  if (state.timer) clearInterval(state.timer);
  state.timer = null;
  for (const c of state.charts) c.destroy();
  state.charts = [];
}

function every(ms, fn) {
  state.timer = setInterval(() => { if (!document.hidden) fn().catch(failed); }, ms);
}

/* failed - say an error, unless it is a page left behind */
function failed(e) {
  if (e.message !== "stale" && e.message !== "not logged in") flash(e.message, true);
}

function page(title, ...kids) {
  const m = $("main");
  m.replaceChildren(el("h1", {}, title), ...kids);
  return m;
}

async function route() {
  stopTimer();
  state.gen++;
  if (!flash.carry) $("flash").hidden = true;  /* the page left said it */
  flash.carry = false;
  const h = (location.hash || "#status").slice(1).split("/");
  const name = h[0] || "status";
  for (const a of document.querySelectorAll("#nav a"))
    a.classList.toggle("active", a.dataset.page === name);
  const pages = { status: pageStatus, stats: pageStats, history: pageHistory,
    quarantine: pageQuarantine, lists: pageLists, scan: pageScan, nodes: pageNodes };
  try {
    await (pages[name] || pageStatus)(h.slice(1).map(decodeURIComponent));
  } catch (e) {
    if (e.message !== "not logged in" && e.message !== "stale")
      page("Something went wrong", el("div", { class: "card error" }, e.message));
  }
}

/* Status */
async function pageStatus() {
  const box = el("div", { class: "stack" });
  page("Status", box);
  const draw = async () => {
    const s = await api("GET", "/api/v1/status");
    const m = s.master, c = s.children, l5 = s.last_5_minutes;
    const kids = [];
    kids.push(el("div", { class: "banner " + s.status },
      el("span", { class: "dot" }),
      el("div", {}, el("strong", {}, "winnowd is " + s.status.toUpperCase()),
        el("div", { class: "muted" }, m.running ? "master pid " + m.pid + ", up " + fmtAge(m.uptime) +
          ", configuration generation " + m.generation +
          (m.last_reload ? (m.last_reload.ok ? ", last reload ok" : ", last reload FAILED: " + m.last_reload.error) : "")
          : "the master is not running"))));
    const problems = s.problems || [];
    kids.push(el("div", { class: "card" }, el("h2", {}, "Alerts"),
      problems.length ? el("table", {}, el("tbody", {}, problems.map((p) =>
        el("tr", {}, el("td", {}, badge(p.severity)), el("td", { class: "mono" }, p.id), el("td", {}, p.text)))))
        : el("div", { class: "muted" }, "No problems.")));
    const busyPct = c.max ? Math.round(100 * c.busy / c.max) : 0;
    kids.push(el("div", { class: "grid" },
      kpi("Children", c.busy + " busy", c.idle + " idle, " + c.max + " at most" +
        (c.oldest_busy ? "; oldest busy " + (c.oldest_busy.seconds || 0).toFixed(1) + " s" : ""), busyPct),
      kpi("Last 5 minutes", fmtN(l5.messages) + " msgs", "downstream tempfail " + (100 * l5.downstream_tempfail_rate).toFixed(1) +
        " %, DNS timeouts " + (100 * l5.dns_timeout_rate).toFixed(1) + " %, " + l5.child_crashes + " crashes"),
      kpi("Last hour", fmtN(s.last_hour.messages) + " msgs", s.last_hour.infected + " infected"),
      kpi("Virus database", s.av.signatures ? fmtN(s.av.signatures) + " sigs" : "none",
        s.av.signatures ? "version " + s.av.version + ", " + fmtAge(s.av.age_seconds) + " old" : "no database loaded: only the attachment filter runs"),
      kpi("Content model", fmtAge(s.model.age_seconds) + " old", s.model.path || "no model"),
      kpi("Spool", fmtBytes(s.spool.free_bytes) + " free", "reserve " + fmtBytes(s.spool.reserve_bytes)),
      kpi("Outgoing queue", fmtN(s.outq.messages) + " waiting", s.outq.messages ? "oldest " + fmtAge(s.outq.oldest_age_seconds) : "DSNs and notifications"),
      kpi("Quarantine", fmtN(s.quarantine.messages) + " msgs", fmtBytes(s.quarantine.bytes))));
    box.replaceChildren(...kids);
    $("host").textContent = "updated " + new Date().toLocaleTimeString("en-GB");
  };
  await draw();
  every(3000, draw);
}

function kpi(label, value, sub, pct) {
  return el("div", { class: "card" }, el("div", { class: "label" }, label),
    el("div", { class: "kpi" }, value), el("div", { class: "muted" }, sub),
    pct !== undefined ? el("div", { class: "bar" }, barSpan(pct)) : null);
}

function barSpan(pct) {
  const s = el("span");
  s.style.width = Math.min(100, Math.max(0, pct)) + "%";
  return s;
}

/* Statistics */
const COLORS = { "not-detected": "#2f855a", "probable-spam": "#d69e2e", "spam": "#c53030", "formal": "#2b6cb0",
  "trusted": "#319795", "blacklisted": "#702459", "unfiltered": "#a0aec0", "clean": "#2f855a", "infected": "#c53030",
  "suspicious": "#d69e2e", "encrypted": "#805ad5", "error": "#e53e3e", "filtered": "#dd6b20", "not-scanned": "#a0aec0" };
const PALETTE = ["#1f6f5c", "#2b6cb0", "#d69e2e", "#c53030", "#805ad5", "#319795", "#dd6b20", "#718096", "#38a169", "#d53f8c"];
const color = (k, i) => COLORS[k] || PALETTE[i % PALETTE.length];

async function pageStats() {
  const opts = { period: "day", by: "status", unit: "messages", scope: "node" };
  const seg = (name, values) => el("div", { class: "seg" }, values.map((v) =>
    el("button", { class: opts[name] === v ? "on" : "", "data-k": name, "data-v": v, onclick: (ev) => {
      opts[name] = v;
      for (const b of ev.target.parentNode.children) b.classList.toggle("on", b === ev.target);
      draw();
    } }, v)));
  const csv = el("a", { href: "#", download: "winnow-stats.csv" }, "CSV");
  const json = el("a", { href: "#", download: "winnow-stats.json" }, "JSON");
  const summary = el("div", { class: "muted" });
  const line = el("canvas", { id: "chart-series" });
  const pie = el("canvas", { id: "chart-pie" });
  const totals = el("div");
  const fleetBox = el("div", { class: "card", id: "fleet-nodes-totals", hidden: true });
  page("Statistics",
    el("div", { class: "toolbar" }, seg("period", ["day", "week", "month", "year"]),
      seg("by", ["status", "action", "group", "av"]), seg("unit", ["messages", "bytes"]),
      el("span", { class: "muted" }, "Download:"), csv, json, fleetSwitch(opts, () => draw())),
    el("div", { class: "grid2" },
      el("div", { class: "card" }, el("h2", {}, "Over time"), summary, el("div", { class: "chart-box" }, line)),
      el("div", { class: "card" }, el("h2", {}, "Share"), el("div", { class: "pie-box" }, pie))),
    el("div", { class: "card", style: null }, el("h2", {}, "Totals"), totals), fleetBox);
  let chartL = null, chartP = null;
  const draw = async () => {
    const q = "period=" + opts.period + "&by=" + opts.by + "&unit=" + opts.unit;
    csv.href = "/api/v1/stats?" + q + "&format=csv";
    json.href = "/api/v1/stats?" + q + "&format=json";
    const s = await statsOf(opts, q, { csv, json, fleetBox });
    const cols = s.columns;
    summary.textContent = s.period + " from " + s.from + " to " + s.to + ", one point per " + s.step +
      "; " + fmtN(s.received) + " messages received";
    const labels = s.series.map((p) => p.time.replace("T", " ").replace("Z", ""));
    const ds = cols.map((k, i) => ({ label: k, data: s.series.map((p) => p.values[k] || 0),
      backgroundColor: color(k, i), borderColor: color(k, i), fill: true, tension: 0.25, pointRadius: 0, borderWidth: 1.5 }));
    const fmt = opts.unit === "bytes" ? fmtBytes : fmtN;
    totals.replaceChildren(el("table", {}, el("thead", {}, el("tr", {}, cols.map((k) => el("th", { class: "num" }, k)),
      el("th", { class: "num" }, "total"))), el("tbody", {}, el("tr", {},
      cols.map((k) => el("td", { class: "num", "data-col": k }, fmt(s.totals[k]))), el("td", { class: "num" }, fmt(s.total))))));
    if (typeof Chart === "undefined") { summary.textContent += " (charts need Debian's libjs-chart.js)"; return; }
    if (chartL && chartL.data.labels.length === labels.length && chartL.$key === q + opts.scope) {
      chartL.data.labels = labels;
      chartL.data.datasets.forEach((d, i) => { d.data = ds[i].data; });
      chartL.update("none");
      chartP.data.datasets[0].data = cols.map((k) => s.totals[k]);
      chartP.update("none");
      return;
    }
    if (chartL) { chartL.destroy(); chartP.destroy(); }
    chartL = new Chart(line, { type: "line", data: { labels, datasets: ds },
      options: { animation: false, maintainAspectRatio: false, interaction: { mode: "index", intersect: false },
        scales: { y: { stacked: true, beginAtZero: true }, x: { ticks: { maxTicksLimit: 12 } } },
        plugins: { legend: { position: "bottom" } } } });
    chartL.$key = q + opts.scope;
    chartP = new Chart(pie, { type: "doughnut", data: { labels: cols,
      datasets: [{ data: cols.map((k) => s.totals[k]), backgroundColor: cols.map((k, i) => color(k, i)) }] },
      options: { animation: false, maintainAspectRatio: false, plugins: { legend: { position: "bottom" } } } });
    state.charts = [chartL, chartP];
  };
  await draw();
  every(5000, draw);
}

/* History */
async function pageHistory(args) {
  if (args[0]) return historyOne(args[0]);
  const search = el("input", { type: "search", id: "history-q", placeholder: "sender, recipient, queue id, check..." });
  const status = el("select", { id: "history-status" }, ["", "spam", "probable-spam", "not-detected", "formal",
    "trusted", "blacklisted", "infected", "clean"].map((s) => el("option", { value: s }, s || "any status")));
  const body = el("tbody");
  const count = el("span", { class: "muted" });
  const scope = { scope: "node" };
  page("History", el("div", { class: "toolbar" }, search, status, count, fleetSwitch(scope, () => draw())),
    el("div", { class: "card" }, el("table", { id: "history-table" }, el("thead", {}, el("tr", {},
      ["Time", "Queue id", "From", "To", "Status", "Score", "Action", "Time taken"].map((h, i) =>
        el("th", { class: i === 5 || i === 7 ? "num" : "" }, h)))), body)));
  const draw = async () => {
    const q = "n=200" + (search.value ? "&q=" + encodeURIComponent(search.value) : "") +
      (status.value ? "&status=" + status.value : "");
    const h = await historyOf(scope, q, search.value, status.value);
    const rows = h.entries.slice().reverse();
    count.textContent = rows.length + " shown, newest first";
    body.replaceChildren(...(rows.length ? rows.map((e) => el("tr", { class: e.node ? "" : "click", "data-seq": e.seq,
      "data-node": e.node, onclick: () => { if (!e.node) location.hash = "#history/" + e.seq; } },
      el("td", {}, e.time.replace("T", " ")), el("td", { class: "mono" }, e.node ? badge(e.node, "node") : null, " ", e.queue_id),
      el("td", { class: "trunc" }, e.sender || "<>"), el("td", { class: "trunc" }, e.recipients),
      el("td", {}, statusBadges(e.statuses)), el("td", { class: "num" }, e.score === null ? "-" : e.score.toFixed(1)),
      el("td", {}, e.action), el("td", { class: "num" }, e.duration.toFixed(2) + " s")))
      : [el("tr", {}, el("td", { colspan: 8, class: "empty" }, "No verdicts yet."))]));
  };
  search.addEventListener("input", () => draw().catch(failed));
  status.addEventListener("change", () => draw().catch(failed));
  await draw();
  every(3000, draw);
}

function statusBadges(text) {
  return (text || "").split(/,\s*/).filter(Boolean).map((g) => {
    const [grp, st] = g.split("=");
    const parts = (st || grp).split("/");
    return el("span", {}, st ? el("span", { class: "muted" }, grp + " ") : null, badge(parts[0]),
      parts[1] ? [" ", badge(parts[1])] : null, " ");
  });
}

async function historyOne(seq) {
  const e = await api("GET", "/api/v1/history/" + encodeURIComponent(seq));
  const checks = el("table", { id: "explain" }, el("thead", {}, el("tr", {}, el("th", {}, "Check"), el("th", {}, "Result"))),
    el("tbody", {}, e.explain.length ? e.explain.map((x) => el("tr", {}, el("td", { class: "mono" }, x.check),
      el("td", { class: "mono" }, x.result))) : el("tr", {}, el("td", { colspan: 2, class: "muted" }, "No check ran (not filtered)."))));
  const deep = el("div");
  page("Message " + e.queue_id,
    el("p", {}, el("a", { href: "#history" }, "\u2190 History")),
    el("div", { class: "grid2" },
      el("div", { class: "card" }, el("h2", {}, "Verdict"), el("dl", { class: "kv" },
        kv("Time", e.time.replace("T", " ")), kv("Queue id", e.queue_id), kv("Upstream id", e.upstream_id || "-"),
        kv("Client", e.client), kv("From", e.sender || "<>"), kv("To", e.recipients), kv("Size", fmtBytes(e.size)),
        kv("Statuses", statusBadges(e.statuses)), kv("Score", e.score === null ? "-" : e.score.toFixed(1) + " points"),
        kv("Action", e.action), kv("Reply", e.reply), kv("Took", e.duration.toFixed(3) + " s"))),
      el("div", { class: "card" }, el("h2", {}, "Why"), checks,
        el("p", { class: "muted" }, "The checks as X-Winnow-Checks says them: DNS lists with their ratings, the " +
          "classifier's share of the score in points, and the rules that fired."),
        e.quarantine_id ? el("div", { class: "row" }, el("a", { href: "#quarantine/" + e.quarantine_id }, "Quarantine entry " + e.quarantine_id),
          el("button", { class: "primary", id: "explain-deep", onclick: async (ev) => {
            ev.target.disabled = true;
            try { deep.replaceChildren(explainView(await api("POST", "/api/v1/quarantine/" + e.quarantine_id + "/explain"))); }
            catch (x) { flash(x.message, true); } finally { ev.target.disabled = false; }
          } }, "Explain in depth")) : null)),
    deep);
}

function kv(k, v) { return [el("dt", {}, k), el("dd", {}, v)]; }

/* explainView - a scan's answer: decisions, score, rules, features, text */
function explainView(s) {
  const f = s.findings || {};
  const rules = f.rules || [];
  const cl = s.classifier;
  const feat = (list) => el("div", { class: "feat" }, (list || []).map((x) =>
    [el("span", { class: x.weight > 0 ? "pos" : "neg" }, (x.weight > 0 ? "+" : "") + x.weight.toFixed(3)), el("span", {}, x.feature)]));
  return el("div", { class: "stack", id: "scan-result" },
    el("div", { class: "card" }, el("h2", {}, "What winnowd would do"),
      el("table", {}, el("thead", {}, el("tr", {}, ["Recipient", "Group", "Status", "AV", "Action", "Reply"].map((h) => el("th", {}, h)))),
        el("tbody", {}, s.recipients.map((r) => el("tr", {}, el("td", {}, r.address), el("td", {}, r.group || "-"),
          el("td", {}, r.status ? badge(r.status) : (r.info || "-")), el("td", {}, r.av ? badge(r.av) : "-"),
          el("td", {}, r.action ? badge(r.action) : "-"), el("td", { class: "mono" }, r.reply || ""))))),
      el("p", {}, el("strong", { id: "scan-score" }, s.score !== undefined ? s.score.toFixed(1) + " points" : "no score"),
        el("span", { class: "muted" }, "  X-Winnow-Checks: "), el("code", { id: "scan-checks" }, s.checks || "-")),
      s.failed ? el("p", { class: "error" }, "Checks that failed: " + s.failed) : null),
    el("div", { class: "grid2" },
      el("div", { class: "card" }, el("h2", {}, "Rules"), rules.length ? el("table", {}, el("tbody", {}, rules.map((r) =>
        el("tr", {}, el("td", { class: "mono" }, r.name + (r.detail ? "[" + r.detail + "]" : "")), el("td", { class: "num" }, (r.weight > 0 ? "+" : "") + r.weight)))))
        : el("div", { class: "muted" }, "No rule fired."),
        el("dl", { class: "kv" }, kv("DNSBL", f.dnsbl && f.dnsbl.length ? f.dnsbl.map((d) => d.zone || JSON.stringify(d)).join(", ") : (f.dns || "-")),
          kv("Viruses", f.viruses && f.viruses.length ? f.viruses.map((v) => v.name || JSON.stringify(v)).join(", ") : "none"),
          kv("Signs", ["gtube", "formal"].filter((k) => f[k]).join(", ") || "-"))),
      el("div", { class: "card" }, el("h2", {}, "Classifier"), cl ? [
        el("p", {}, "p(spam) = " + cl.p_spam.toFixed(4) + ", " + (cl.points > 0 ? "+" : "") + cl.points.toFixed(1) + " points"),
        el("div", { class: "label" }, "Toward spam"), feat(cl.toward_spam),
        el("div", { class: "label" }, "Toward ham"), feat(cl.toward_ham)] : el("div", { class: "muted" }, "The classifier did not run."))),
    s.text !== undefined ? el("div", { class: "card" }, el("h2", {}, "The text the checks read"),
      el("pre", { class: "box", id: "scan-text" }, s.text)) : null);
}

/* Quarantine: in a fleet, every node's entries (?fleet=1) with a node
 * column; an entry of another node is shown, released, deleted, learned
 * and explained by that node (?node=), and a node that is down has its
 * entries unavailable. */
async function pageQuarantine(args) {
  if (args[0]) return quarOne(args[0], args[1]);
  const search = el("input", { type: "search", id: "quar-q", placeholder: "sender, recipient, subject, id..." });
  const rel = el("select", { id: "quar-released" }, [["", "all"], ["no", "not released"], ["yes", "released"]].map(([v, t]) =>
    el("option", { value: v }, t)));
  const body = el("tbody");
  const head = el("tr");
  const count = el("span", { class: "muted" });
  const note = el("span", { class: "muted", id: "quar-fleet-note" });
  page("Quarantine", el("div", { class: "toolbar" }, search, rel, count, note),
    el("div", { class: "card" }, el("table", { id: "quar-table" }, el("thead", {}, head), body)));
  const matches = (e, q) => !q || [e.id, e.sender, e.subject, ...e.recipients.map((r) => r.address)]
    .some((x) => (x || "").toLowerCase().includes(q.toLowerCase()));
  const list = async () => {
    const f = "?n=300" + (search.value ? "&q=" + encodeURIComponent(search.value) : "") + (rel.value ? "&released=" + rel.value : "");
    try {
      /* a node in no fleet answers its own list, without "nodes" */
      const q = await api("GET", "/api/v1/quarantine" + f + "&fleet=1");
      note.textContent = "";
      if (q.nodes === undefined) return q;
      note.textContent = "fleet: " + q.nodes.map((n) => n.node + (n.state === "up" ? "" : " (down)")).join(", ");
      q.entries = q.entries.filter((e) => matches(e, search.value));
      q.total = q.entries.length;
      return q;
    } catch (x) {
      if (x.message === "stale" || x.message === "not logged in") throw x;
      note.textContent = "the fleet's index is unavailable (" + x.message + "): this node's entries only";
    }
    return api("GET", "/api/v1/quarantine" + f);
  };
  const draw = async () => {
    const q = await list();
    const fleet = q.nodes !== undefined;
    const cols = (fleet ? ["Node"] : []).concat(["Received", "Id", "From", "Subject", "To", "Status", "Size"]);
    head.replaceChildren(...cols.map((h, i) => el("th", { class: i === cols.length - 1 ? "num" : "" }, h)));
    count.textContent = q.total + " entr" + (q.total === 1 ? "y" : "ies");
    body.replaceChildren(...(q.entries.length ? q.entries.map((e) => el("tr", {
      class: "click" + (fleet && !e.available ? " muted" : ""), "data-id": e.id, "data-node": e.node || "",
      onclick: () => { location.hash = "#quarantine/" + encodeURIComponent(e.id) + (fleet ? "/" + encodeURIComponent(e.node) : ""); } },
      fleet ? el("td", { class: "node" }, e.node, e.available ? null : [" ", badge("unavailable")]) : null,
      el("td", {}, fmtTime(e.time)), el("td", { class: "mono" }, e.id), el("td", { class: "trunc" }, e.sender || "<>"),
      el("td", { class: "trunc subject" }, e.subject || "(no subject)"),
      el("td", { class: "trunc" }, e.recipients.map((r) => r.address).join(", ")),
      el("td", {}, e.recipients.slice(0, 1).map((r) => [badge(r.spam), r.av ? [" ", badge(r.av)] : null]),
        e.releases ? [" ", badge("released")] : null),
      el("td", { class: "num" }, fmtBytes(e.size))))
      : [el("tr", {}, el("td", { colspan: cols.length, class: "empty" }, "The quarantine is empty."))]));
  };
  search.addEventListener("input", () => draw().catch(failed));
  rel.addEventListener("change", () => draw().catch(failed));
  await draw();
  every(5000, draw);
}

async function quarOne(id, node) {
  const at = node ? "?node=" + encodeURIComponent(node) : "";
  const e = await api("GET", "/api/v1/quarantine/" + encodeURIComponent(id) + at);
  const out = el("div");
  const act = (label, cls, fn) => el("button", { class: cls, id: "q-" + label.toLowerCase().replace(/\W+/g, "-"), onclick: async (ev) => {
    ev.target.disabled = true;
    try { await fn(); } catch (x) { flash(x.message, true); } finally { ev.target.disabled = false; }
  } }, label);
  const to = el("input", { id: "release-to", placeholder: "release to (default: the original recipients)", size: 40 });
  const back = "#quarantine";
  page("Quarantined message",
    el("p", {}, el("a", { href: back }, "\u2190 Quarantine"), node ? el("span", { class: "muted", id: "q-node" }, " on node " + node) : null),
    el("div", { class: "card" }, el("div", { class: "row spread" }, el("h2", { id: "q-subject" }, e.subject || "(no subject)"),
      el("div", { class: "row" }, to,
        /* Release sends it once: pressed on a page that did not know
         * another admin had released it, it is refused in words; a
         * released entry offers "Release again", a deliberate copy */
        act(e.releases ? "Release again" : "Release", "primary", async () => {
          const body = Object.assign(to.value ? { to: to.value } : {}, e.releases ? { force: true } : {});
          const r = await api("POST", "/api/v1/quarantine/" + encodeURIComponent(id) + "/release" + at, body);
          if (r._status === 200) flash(r.output.trim().split("\n").pop(), false, true);
          else if (r._status === 409) {
            const m = /\(to ([^)]*)\)/.exec(r.output || "");
            flash(id + " was released already" + (m ? " (to " + m[1] + ")" : "") +
              " and was not sent again; \u201cRelease again\u201d sends another copy.", true, true);
          } else flash(r.output.trim() || ("release failed (" + r.exit + ")"), true, true);
          route();
        }),
        /* another node's entry: that node learns it (?node=), and the
         * fleet's shared learning brings it to the others */
        act("Learn as spam", "", async () => { const r = await api("POST", "/api/v1/quarantine/" + encodeURIComponent(id) + "/learn" + at, { as: "spam" });
          flash(r.exit === 0 ? "Learned as spam" + (node ? " on " + node + "." : ".") : r.output, r.exit !== 0); }),
        act("Learn as ham", "", async () => { const r = await api("POST", "/api/v1/quarantine/" + encodeURIComponent(id) + "/learn" + at, { as: "ham" });
          flash(r.exit === 0 ? "Learned as ham" + (node ? " on " + node + "." : ".") : r.output, r.exit !== 0); }),
        act("Delete", "danger", async () => {
          if (!confirm("Delete " + id + " for good?")) return;
          await api("POST", "/api/v1/quarantine/" + encodeURIComponent(id) + "/delete" + at);
          flash("Deleted " + id + ".", false, true);
          location.hash = back;
        }))),
      el("dl", { class: "kv" }, node ? kv("Node", node) : null, kv("Id", e.id), kv("Received", fmtTime(e.time)), kv("Client", e.client || "-"),
        kv("From", e.sender || "<>"), kv("To", e.recipients.map((r) => r.address + " (" + r.group + ": " + r.spam +
          (r.av ? "/" + r.av : "") + ", " + r.action + ")").join(", ")), kv("Size", fmtBytes(e.size)),
        kv("Released", e.releases ? "yes, to " + e.released_to : "no"))),
    el("div", { class: "card" }, el("div", { class: "row spread" }, el("h2", {}, "Header"),
      act("Explain and show the text", "", async () => { out.replaceChildren(explainView(await api("POST",
        "/api/v1/quarantine/" + encodeURIComponent(id) + "/explain" + at))); })),
      el("pre", { class: "box", id: "q-headers" }, e.headers || ""),
      el("p", { class: "muted" }, "The message is never rendered: its header and decoded text are shown as plain text.")),
    out);
}

/* Lists */
async function pageLists() {
  const l = await api("GET", "/api/v1/lists");
  const files = l.files.map((f) => {
    const ta = el("textarea", { rows: 10, "data-path": f.path, spellcheck: "false" });
    ta.value = f.text || "";
    const msg = el("span", { class: "muted" });
    return el("div", { class: "card" }, el("div", { class: "row spread" }, el("h2", { class: "mono" }, f.path),
      el("span", { class: "muted" }, f.key + (f.writable ? "" : " - read-only for winnowd's user"))),
      f.error ? el("p", { class: "error" }, f.error) : null, ta,
      el("div", { class: "row" }, el("button", { class: "primary save-list", disabled: !f.writable, onclick: async (ev) => {
        ev.target.disabled = true;
        msg.textContent = "";
        try {
          await api("POST", "/api/v1/lists", { path: f.path, text: ta.value });
          flash("Saved " + f.path + "; winnowd reloads its configuration.");
          msg.textContent = "saved";
        } catch (x) { flash(x.message, true); msg.textContent = x.message; }
        finally { ev.target.disabled = false; }
      } }, "Validate, save and reload"), msg));
  });
  page("Lists",
    el("div", { class: "card" }, el("h2", {}, "White and black lists, group members"),
      l.lists.length ? el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "Section"), el("th", {}, "Key"), el("th", {}, "Value"))),
        el("tbody", {}, l.lists.map((x) => el("tr", {}, el("td", {}, "[" + x.section + "]"), el("td", { class: "mono" }, x.key),
          el("td", { class: "mono" }, x.value)))))
        : el("p", { class: "muted" }, "No lists are configured."),
      el("p", { class: "muted" }, "Lists given in winnow.conf itself change with the file; lists kept in files (file:PATH) can be edited below: " +
        "a bad line is refused and the running configuration keeps serving.")),
    el("div", { class: "stack" }, files));
}

/* Scan */
async function pageScan() {
  const msg = el("textarea", { id: "scan-message", rows: 14, spellcheck: "false",
    placeholder: "Paste a whole message here: its header, an empty line, its body." });
  const sender = el("input", { id: "scan-sender", placeholder: "envelope sender (default: From:)", size: 34 });
  const rcpt = el("input", { id: "scan-rcpt", placeholder: "recipients, comma separated (default: To:)", size: 44 });
  const out = el("div");
  const hdr = (name) => { const m = msg.value.match(new RegExp("^" + name + ":[^\\n]*?([\\w.+-]+@[\\w.-]+)", "im")); return m ? m[1] : ""; };
  page("Scan a message",
    el("div", { class: "card stack" }, msg, el("div", { class: "row" }, sender, rcpt,
      el("button", { class: "primary", id: "scan-button", onclick: async (ev) => {
        ev.target.disabled = true;
        out.replaceChildren(el("p", { class: "muted" }, "Scanning..."));
        try {
          const r = await api("POST", "/api/v1/scan", { message: msg.value, sender: sender.value || hdr("From"),
            recipients: (rcpt.value || hdr("To")).split(/[,\s]+/).filter(Boolean) });
          out.replaceChildren(explainView(r));
        } catch (x) { out.replaceChildren(el("p", { class: "error" }, x.message)); }
        finally { ev.target.disabled = false; }
      } }, "Scan")),
      el("p", { class: "muted" }, "The message goes through the same checks and policy as mail does (DNS lists, the virus scan, " +
        "content rules, the classifier), but nothing is delivered, quarantined or counted.")),
    out);
}

/* ------------------------------------------------------------ fleet */

/* fleetNodes - GET /api/v1/fleet/nodes: {status, view}; a 503 still
 * carries the nodes last seen and why */
async function fleetNodes() {
  const gen = state.gen;
  let r;
  try {
    r = await fetch("/api/v1/fleet/nodes", { credentials: "same-origin" });
  } catch (e) {
    throw new Error("winnowd's control process does not answer (" + e.message + ")");
  }
  const text = await r.text();
  if (gen !== state.gen) throw new Error("stale");
  if (r.status === 401) { showLogin("Your session ended: log in again."); throw new Error("not logged in"); }
  let j = null;
  try { j = JSON.parse(text); } catch (e) { j = { error: text }; }
  return { status: r.status, view: j };
}

/* fleetSwitch - this node / the fleet, shown when there is a fleet;
 * sets o.scope and calls change */
function fleetSwitch(o, change) {
  const box = el("div", { class: "seg", id: "fleet-switch", hidden: true });
  for (const [v, label] of [["node", "This node"], ["fleet", "Fleet"]])
    box.append(el("button", { class: o.scope === v ? "on" : "", "data-scope": v, onclick: (ev) => {
      o.scope = v;
      for (const b of box.children) b.classList.toggle("on", b === ev.target);
      change().catch(failed);
    } }, label));
  if (state.fleet === undefined)
    fleetNodes().then((n) => { state.fleet = n.status !== 404; box.hidden = !state.fleet; }).catch(() => {});
  else box.hidden = !state.fleet;
  return box;
}

/* statsOf - this node's figures, or the fleet's (with each node's
 * totals in ui.fleetBox) */
async function statsOf(o, q, ui) {
  if (o.scope !== "fleet") {
    ui.csv.hidden = false;
    ui.fleetBox.hidden = true;
    return api("GET", "/api/v1/stats?" + q);
  }
  ui.csv.hidden = true;
  ui.json.href = "/api/v1/stats?" + q + "&fleet=1";
  const f = await api("GET", "/api/v1/stats?" + q + "&fleet=1");
  const s = f.fleet, names = Object.keys(f.nodes).sort(), cols = s.columns;
  const fmt = o.unit === "bytes" ? fmtBytes : fmtN;
  ui.fleetBox.hidden = false;
  ui.fleetBox.replaceChildren(el("h2", {}, "Each node"), el("table", { id: "fleet-nodes-table" },
    el("thead", {}, el("tr", {}, el("th", {}, "Node"), cols.map((k) => el("th", { class: "num" }, k)),
      el("th", { class: "num" }, "total"))),
    el("tbody", {}, names.map((n) => el("tr", { "data-node": n }, el("td", {}, n),
      cols.map((k) => el("td", { class: "num", "data-col": k }, fmt(f.nodes[n].totals[k] || 0))),
      el("td", { class: "num", "data-col": "total" }, fmt(f.nodes[n].total)))))));
  s.period = "Fleet of " + names.length + " node" + (names.length === 1 ? "" : "s") + ": " + s.period;
  return s;
}

/* historyOf - this node's verdicts, or the fleet's (searched here: the
 * fleet's answer takes n only) */
async function historyOf(o, q, text, status) {
  if (o.scope !== "fleet") return api("GET", "/api/v1/history?" + q);
  const h = await api("GET", "/api/v1/history?fleet=1&n=200");
  const t = (text || "").toLowerCase();
  h.entries = h.entries.filter((e) => (!t || [e.sender, e.recipients, e.queue_id, e.node]
    .some((v) => String(v || "").toLowerCase().includes(t))) &&
    (!status || String(e.statuses || "").split(/[,=/\s]+/).includes(status)));
  return h;
}

/* Nodes: every node of the fleet, its heartbeat and its alerts */
async function pageNodes() {
  const banner = el("div", { id: "nodes-redis" });
  const body = el("tbody");
  page("Nodes", banner, el("div", { class: "card" }, el("table", { id: "nodes-table" },
    el("thead", {}, el("tr", {}, ["Node", "Status", "Last heartbeat", "Version", "Generation", "Messages/s", "Alerts"]
      .map((h, i) => el("th", { class: i === 4 || i === 5 ? "num" : "" }, h)))), body)));
  const draw = async () => {
    const { status, view } = await fleetNodes();
    if (status === 404) {
      banner.replaceChildren(el("div", { class: "card muted" }, "This node is not in a fleet ([fleet] redis is not set)."));
      body.replaceChildren();
      return;
    }
    banner.replaceChildren(el("div", { class: "banner " + (status === 200 ? "ok" : "critical") }, el("span", { class: "dot" }),
      el("div", {}, el("strong", {}, status === 200 ? "Redis answers" : "The fleet cannot be seen now"),
        el("div", { class: "muted" }, status === 200 ? "seen from " + view.self + ", " + fmtAge(Math.round(view.age_ms / 1000)) + " ago"
          : view.error || ("answer " + status)))));
    const nodes = view.nodes || [];
    body.replaceChildren(...(nodes.length ? nodes.map((n) => el("tr", { "data-node": n.node, "data-state": n.state },
      el("td", { class: "mono" }, n.node, n.node === view.self ? el("span", { class: "muted" }, " (this node)") : null),
      el("td", {}, badge(n.state)),
      el("td", {}, n.age_ms >= 0 ? fmtAge(Math.round(n.age_ms / 1000)) + " ago" : (n.why || "never")),
      el("td", {}, n.version || "-"), el("td", { class: "num" }, n.generation === undefined ? "-" : n.generation),
      el("td", { class: "num", "data-col": "rate" }, n.rate === undefined ? "-" : n.rate.toFixed(3)),
      el("td", {}, (n.alerts || []).length ? n.alerts.map((p) => el("div", { class: "alert" }, badge(p.severity), " ",
        el("span", { class: "mono" }, p.id), " ", p.text)) : el("span", { class: "muted" }, "none"))))
      : [el("tr", {}, el("td", { colspan: 7, class: "empty" }, "No node has said it is here yet."))]));
    $("host").textContent = "updated " + new Date().toLocaleTimeString("en-GB");
  };
  await draw();
  every(3000, draw);
}

/* ------------------------------------------------------------ start */

async function start() {
  $("login").hidden = true;
  $("app").hidden = false;
  if (!location.hash) location.hash = "#status";
  await route();
}

async function boot() {
  $("login-form").addEventListener("submit", login);
  $("logout").addEventListener("click", logout);
  $("reload").addEventListener("click", reloadConfig);
  window.addEventListener("hashchange", route);
  try {
    const s = await api("GET", "/api/v1/session");
    if (s.authenticated && s.csrf) { state.csrf = s.csrf; await start(); return; }
  } catch (e) { /* show the login */ }
  showLogin("");
}

document.addEventListener("DOMContentLoaded", boot);
