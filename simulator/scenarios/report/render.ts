/**
 * The report page's HTML (pure): the verdict banner and summary table at the top, then per
 * scenario its verdict, description, seed, recording link, expectations (✓ held, ✗ failed with
 * what was expected and what was seen, and when) and the plot placeholders page/main.ts fills.
 * Everything from a scenario file is escaped; the plot data is embedded as JSON that cannot end
 * its script element.
 */
import type { ScenarioOutcome } from "../outcome.ts";

/** The run as a whole: its summary line and the vehicle config it ran with. */
export interface ReportMeta {
  summary: string;
  config: string | null;
}

export function html(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
main{max-width:1160px;margin:0 auto;padding:16px}
.banner{padding:18px 24px;color:#fff;font-size:22px;font-weight:600}
.banner.pass{background:#1a7f37}.banner.fail{background:#cf222e}
.banner small{display:block;font-size:14px;font-weight:400;opacity:.9}
table{border-collapse:collapse;background:#fff;width:100%}td,th{padding:4px 8px;border-bottom:1px solid #d0d7de;text-align:left}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px;font-weight:600}
.badge.pass{background:#1a7f37}.badge.fail,.badge.error{background:#cf222e}
section.scenario{background:#fff;border:1px solid #d0d7de;border-left:6px solid #1a7f37;margin:18px 0;padding:8px 16px}
section.scenario.fail,section.scenario.error{border-left-color:#cf222e}
ul.expectations{list-style:none;padding-left:0}ul.expectations li{margin:2px 0}
li.expectation.fail{color:#cf222e;font-weight:500}li.expectation.pass::before{content:"✓ ";color:#1a7f37}
li.expectation.fail::before{content:"✗ "}.seen{display:block;margin-left:1.3em;font-weight:400;color:#57606a}
.meta{color:#57606a}.plot,.events{margin:8px 0}pre.error{background:#ffebe9;padding:8px;white-space:pre-wrap}
`;

export function renderReport(
  outcomes: readonly ScenarioOutcome[],
  recordings: readonly (string | null)[],
  meta: ReportMeta,
  script: string,
  css: string,
): string {
  const failed = outcomes.filter((o) => o.status !== "pass");
  const ok = failed.length === 0;
  const banner = ok
    ? `PASS — all ${outcomes.length} scenarios held`
    : `FAIL — ${failed.length} of ${outcomes.length} scenarios failed: ${failed.map((o) => html(o.name)).join(", ")}`;
  const rows = outcomes
    .map((o, i) => {
      const held = o.checks.filter((c) => c.failure === undefined).length;
      return `<tr><td><span class="badge ${o.status}">${o.status.toUpperCase()}</span></td><td><a href="#s${i}">${html(o.name)}</a></td><td>${o.status === "error" ? html(o.error?.code ?? "") : `${held} / ${o.checks.length}`}</td><td>${o.simS.toFixed(0)} s</td></tr>`;
    })
    .join("\n");
  const sections = outcomes.map((o, i) => section(o, i, recordings[i] ?? null)).join("\n");
  const data = JSON.stringify(outcomes.map((o) => o.report ?? null)).replace(/</g, "\\u003c");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${ok ? "PASS" : "FAIL"} · Tethys scenarios</title>
<style>${css}</style><style>${STYLE}</style></head>
<body class="${ok ? "pass" : "fail"}">
<div class="banner ${ok ? "pass" : "fail"}" id="verdict">${banner}<small>${html(meta.summary)}${meta.config === null ? "" : ` · vehicle config ${html(meta.config)}`}</small></div>
<main>
<table id="summary"><thead><tr><th>verdict</th><th>scenario</th><th>expectations held</th><th>simulated</th></tr></thead><tbody>
${rows}
</tbody></table>
${sections}
</main>
<script type="application/json" id="report-data">${data}</script>
<script>${script.replace(/<\/script/gi, "<\\/script")}</script>
</body></html>
`;
}

function section(o: ScenarioOutcome, i: number, recording: string | null): string {
  const head = `<h2><span class="badge ${o.status}">${o.status.toUpperCase()}</span> ${html(o.name)}</h2>
<p class="meta">${html(o.file)} · seed ${o.seed} · ${o.simS.toFixed(1)} s simulated in ${(o.wallMs / 1000).toFixed(1)} s${recording === null ? "" : ` · <a href="${html(recording)}" download>recording (NDJSON)</a>`}</p>
${o.description === undefined ? "" : `<p>${html(o.description)}</p>`}`;
  if (o.status === "error")
    return `<section class="scenario error" id="s${i}">${head}<pre class="error">${html(`${o.error?.code}: ${o.error?.message}`)}</pre></section>`;
  const checks = [...o.checks]
    .sort((a, b) => Number(a.failure === undefined) - Number(b.failure === undefined) || a.line - b.line)
    .map((c) => {
      const cls = c.failure === undefined ? "pass" : "fail";
      const seen =
        c.failure === undefined
          ? ""
          : `<span class="seen">seen ${html(c.failure)}${c.why === undefined ? "" : ` — ${html(c.why)}`}</span>`;
      return `<li class="expectation ${cls}" data-line="${c.line}">line ${c.line}: ${html(c.expected)}${seen}</li>`;
    })
    .join("\n");
  const plots = (o.report?.plots ?? [])
    .map((_, j) => `<div class="plot" data-scenario="${i}" data-plot="${j}"></div>`)
    .join("\n");
  const events =
    o.report === undefined ? "" : `<div class="events" data-scenario="${i}" data-duration="${o.simS}"></div>`;
  return `<section class="scenario ${o.status}" id="s${i}">${head}
<ul class="expectations">${checks}</ul>
${plots}
${events}
</section>`;
}
