// The report page: every fact of the fixed evidence in readable form, nothing that runs or fetches, every stored text escaped.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderCharts, unsafeSvg } from '../../cli/report-svg';
import { buildUnitReport, type ReportSource } from '../../core/report-model';
import { chartsOf, renderReport, type ReportInput } from '../../core/report-render';
import { fixed, UNIT, withPolicyEvidence } from '../support/report-fixtures';

const EVIL = '<script>alert(1)</script>';
/** Keys whose values the model reads as structure (ids, kinds, times, states): everything else is free text and gets EVIL. */
const STRUCTURE = new Set(
  'kind pk sk subject type decisionId subjectType at decidedAt openedAt closedAt submittedAt createdAt escalatedAt invitedAt compiledAt dueDate period reviewId status choice level index currentLevel requiredApprovals amount remindersSent reminder recordedAt sentAt approvedAt documentKind'.split(
    ' ',
  ),
);
function poison(v: unknown, key = ''): unknown {
  if (typeof v === 'string') return STRUCTURE.has(key) ? v : `${v}${EVIL}`;
  if (Array.isArray(v)) return v.map((x) => poison(x, key));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, poison(x, k)]));
  return v;
}
/** The stored evidence poisoned; the unit's config is not stored data (its zone must stay a zone). */
const hostileSource = (): ReportSource => {
  const s = withPolicyEvidence(fixed());
  return { ...s, evidence: poison(s.evidence) as ReportSource['evidence'], actions: poison(s.actions) as ReportSource['actions'] };
};

const page = (src: ReportSource, over: Partial<ReportInput> = {}) =>
  renderReport({
    reports: [buildUnitReport(src)],
    failures: [],
    from: src.from,
    to: src.to,
    generatedAt: src.generatedAt,
    command: 'isms report --bu emea --from 2026-01 --to 2026-12',
    integrity: { sha256: 'ab'.repeat(32), dataFile: 'report.data.json' },
    svgs: new Map(),
    ...over,
  });

describe('the report page', () => {
  const text = page(fixed());

  it('states when and from what it was made, and the unit time zone; times in the zone with UTC', () => {
    expect(text).toContain('Made 2026-11-15 12:00 UTC by <code>isms report --bu emea --from 2026-01 --to 2026-12</code>');
    expect(text).toContain('<code>isms-emea</code>');
    expect(text).toContain('Time zone Europe/Berlin.');
    // Clara's Q1 decision: 2 Jan 08:00 UTC is 09:00 in Berlin.
    expect(text).toContain('2 Jan 2026, 09:00 CET (08:00 UTC)');
    // Another unit's zone in the same process (formatters are cached per zone).
    const tokyo = page(fixed({ unit: { ...UNIT, id: 'apac', timeZone: 'Asia/Tokyo' } }));
    expect(tokyo).toContain('2 Jan 2026, 17:00 GMT+9 (08:00 UTC)');
    expect(page(fixed())).toContain('2 Jan 2026, 09:00 CET (08:00 UTC)');
  });

  it('each review: inputs with who and when, decisions with comment, both adequacy judgements, minutes, actions with status and note', () => {
    expect(text).toContain('as submitted by <strong>isms@example.com</strong> at 30 Dec 2025, 10:00 CET (09:00 UTC)');
    expect(text).toContain('<li>Q1 external</li>');
    expect(text).toContain('<td>requested changes</td>');
    expect(text).toContain('<td>more budget</td>');
    expect(text).toContain('<span class="ok">adequate</span>');
    expect(text).toContain('<span class="bad">inadequate</span>');
    expect(text).toContain('<li>Outcome approved.</li>');
    expect(text).toContain('<td>hired</td>');
    expect(text).toContain('open, OVERDUE');
    expect(text).toContain('<a href="#u-emea-request-r-1">r-1</a>');
  });

  it('each request level by level; acting-for shown only where a record has it', () => {
    expect(text).toContain('<th scope="col">Acting for</th>');
    expect(text).toContain('<td>Farid &lt;farid@example.com&gt;</td>');
    expect(text.match(/<th scope="col">Acting for<\/th>/g)).toHaveLength(1);
    expect(text).toContain('Outcome: <strong>rejected</strong>');
    expect(text).toContain('EUR 2,000');
  });

  it("integrity: the digest of the data, and each unit's seal verification with the key fingerprint, or why it was not checked", () => {
    expect(text).toContain(`<code>${'ab'.repeat(32)}</code>`);
    expect(text).toContain('No sealed-evidence verification was made for this report');
    const sealed = page(fixed(), {
      integrity: {
        sha256: 'cd'.repeat(32),
        seals: [
          {
            unit: 'emea',
            ok: true,
            summary: '40 sealed records of the table match 3 signed, chained digests',
            keyFingerprint: 'ef'.repeat(32),
          },
          { unit: 'apac', summary: 'not sealed yet: nothing sealed yet' },
          { unit: `x${EVIL}`, ok: false, summary: `1 problem(s): record changed ${EVIL}` },
        ],
      },
    });
    expect(sealed).toContain(
      '<li>emea: <strong class="ok">verified</strong>: 40 sealed records of the table match 3 signed, chained digests',
    );
    expect(sealed).toContain(`Signing key fingerprint (SHA-256 of its public key PEM): <code>${'ef'.repeat(32)}</code>`);
    expect(sealed).toContain('<li>apac: <strong class="warn">not checked</strong>: not sealed yet: nothing sealed yet</li>');
    expect(sealed).toContain('<strong class="bad">NOT verified</strong>: 1 problem(s): record changed &lt;script&gt;');
    expect(sealed).not.toMatch(/<script/);
    expect(sealed).toContain(`<code>${'cd'.repeat(32)}</code>`);
  });

  it('email delivery per person in reviews, requests and policy decisions, only where SES said something', () => {
    expect(text).not.toContain('Email delivery');
    const d = page(withPolicyEvidence(fixed()));
    expect(d).toContain('<th scope="col">Email delivery</th>');
    // Q1: Clara's pack delivered, Farid's marked as spam, Mia: nothing recorded.
    expect(d).toContain('<span class="ok">delivered</span> 1 Jan 2026, 09:01 CET (08:01 UTC) (pack)');
    expect(d).toContain('<span class="bad">COMPLAINT (marked as spam)</span> 1 Jan 2026, 09:05 CET (08:05 UTC) (pack): abuse');
    expect(d).toContain('<span class="muted">no delivery event recorded</span>');
    // r-1's level approver.
    expect(d).toContain('<span class="ok">delivered</span> 1 Feb 2026, 10:01 CET (09:01 UTC) (level-0)');
    // The policy: the address in other letters still matches Clara; Mia's invitation bounced, with the server's reason.
    expect(d).toContain('<span class="ok">delivered</span> 1 Mar 2026, 10:01 CET (09:01 UTC) (invitation)');
    expect(d).toContain('<span class="bad">BOUNCED</span> 1 Mar 2026, 10:02 CET (09:02 UTC) (invitation): smtp; 550 5.1.1 user unknown');
    // Q2 had no delivery events: its table has no such column (one per review with events, one per request with events, one per policy submission).
    expect(d.match(/<th scope="col">Email delivery<\/th>/g)).toHaveLength(3);
  });

  it('policy and objectives: each submission with version, fingerprint, decisions with acting-for, outcome, communication, objectives', () => {
    expect(text).toContain('<h3 id="u-emea-policy">Policy and objectives (5.1 a, 5.2, 6.2)</h3>');
    expect(text).toContain('No policy or objectives were submitted, decided or communicated in this range.');
    const p = page(withPolicyEvidence(fixed()));
    expect(p).toContain('<h4>Information security policy, version 1.0 <span class="tag ok">approved</span></h4>');
    expect(p).toContain(`SHA-256 <code>${'a1'.repeat(32)}</code>`);
    expect(p).toContain('Submitted by isms@example.com at 1 Mar 2026, 10:00 CET (09:00 UTC); closed 2 Mar 2026, 11:00 CET (10:00 UTC).');
    expect(p).toContain('2 of 3 members approved, 2 required: quorum reached.');
    expect(p).toContain('isms@example.com did not decide: submitted it and may not approve it.');
    expect(p).toContain('<td>Farid &lt;farid@example.com&gt;</td>');
    expect(p).toContain(`<code>${'f0'.repeat(32)}</code>`);
    expect(p).toContain('Communicated 2 Mar 2026, 11:01 CET (10:01 UTC) to 2 addresses: all-staff@example.com, contractors@example.com.');
    expect(p).toContain('Re-confirmation due 2 Mar 2027, 11:00 CET (10:00 UTC).');
    expect(p).toContain('<h4>Information security objectives, version 1 <span class="tag ok">approved</span></h4>');
    expect(p).toContain('at-risk, 9 days (1 Sept 2026, 11:00 CEST (09:00 UTC), by irene@example.com): measured');
    expect(p).toContain('<td>&lt;= 7 days</td>');
    expect(p).toMatch(/<span class="mono">OBJ-2<\/span><br>Train staff<\/td>.*<span class="muted">no measurement recorded<\/span>/);
    expect(p).toContain('<a href="#u-emea-policy">policy and objectives</a>');
    const src = withPolicyEvidence(fixed());
    src.inForce = { 'POLICY#emea#policy#1.0': src.evidence.subjects['POLICY#emea#policy#1.0'] };
    delete src.evidence.subjects['POLICY#emea#policy#1.0'];
    expect(page(src)).toContain(
      '<h4>Information security policy, version 1.0 <span class="tag ok">approved</span> <span class="tag muted">approved before this range, in force in it</span></h4>',
    );
  });

  it('runs nothing and fetches nothing: no script, no external resource', () => {
    expect(text).not.toMatch(/<script|<link|<img|<iframe|\ssrc=|@import|url\(/i);
    expect([...text.matchAll(/href="([^"]*)"/g)].every((m) => m[1].startsWith('#'))).toBe(true);
  });

  it('lists units that could not be read, with the reason', () => {
    const r = buildUnitReport(fixed());
    const group = renderReport({
      reports: [r],
      failures: [{ unit: 'apac', reason: 'Requested resource not found <b>' }],
      from: '2026-01',
      to: '2026-12',
      generatedAt: '2026-11-15T12:00:00.000Z',
      command: 'isms report --bu all',
      integrity: { sha256: '00' },
      svgs: new Map(),
    });
    expect(group).toContain('<td>apac</td><td>Requested resource not found &lt;b&gt;</td>');
    expect(group).toContain('<section id="rollup"><h2>Group roll-up</h2>');
  });

  it(`escapes ${EVIL} in every stored text field`, () => {
    const src = hostileSource();
    src.unit = { ...src.unit, name: `EMEA${EVIL}` };
    const hostile = page(src);
    expect(hostile).not.toMatch(/<script/i);
    // Titles, comments, notes, names, inputs, minutes, categories, currencies, acting-for: all there, as text.
    for (const shown of [
      `Hire an analyst&lt;script&gt;`,
      `more budget&lt;script&gt;`,
      `hired&lt;script&gt;`,
      `Q1 external&lt;script&gt;`,
      `Outcome approved.&lt;script&gt;`,
      `Farid&lt;script&gt;alert(1)&lt;/script&gt; &lt;farid@example.com`,
      `EMEA&lt;script&gt;`,
      // Policy and objectives: summary, file name, fingerprint, submitter, comments, recipients, objectives, measurements, delivery.
      `First policy&lt;script&gt;`,
      `policy.md&lt;script&gt;`,
      `${'a1'.repeat(32)}&lt;script&gt;`,
      `Agreed&lt;script&gt;`,
      `all-staff@example.com&lt;script&gt;`,
      `Patch fast&lt;script&gt;`,
      `9 days&lt;script&gt;`,
      `smtp; 550 5.1.1 user unknown&lt;script&gt;`,
      `submitted it and may not approve it&lt;script&gt;`,
    ])
      expect(hostile).toContain(shown);
  });
});

describe('the charts', () => {
  it('render to SVG with vega; text from stored values is escaped, nothing runs or links out', async () => {
    const src = hostileSource();
    const a = buildUnitReport(src);
    const b = buildUnitReport({ ...src, unit: { ...src.unit, id: `apac${EVIL}` } });
    const charts = chartsOf([a, b]);
    expect(charts).toHaveLength(12);
    const { svgs, problems } = await renderCharts(charts);
    expect(problems).toEqual([]);
    expect(svgs.size).toBe(12);
    for (const svg of svgs.values()) {
      expect(svg.startsWith('<svg')).toBe(true);
      expect(unsafeSvg(svg)).toBeUndefined();
      expect(svg).not.toMatch(/<script/i);
    }
    // The category label carries EVIL (an unknown category is shown as stored): drawn as text, escaped.
    expect([...svgs.values()].some((s) => s.includes('&lt;script&gt;'))).toBe(true);
  }, 30_000);

  it("a Vega-Lite warning becomes one of the report's problems, named by chart, instead of a console line", async () => {
    const spec = {
      data: { values: [{ a: 'x', b: 1, u: 'p' }] },
      mark: 'bar',
      encoding: { x: { field: 'a', type: 'nominal' }, y: { field: 'b', type: 'quantitative' }, opacity: { field: 'u', type: 'nominal' } },
    };
    const { svgs, problems } = await renderCharts([{ id: 'c1', title: 't', description: 'd', table: { head: [], rows: [] }, spec }]);
    expect(svgs.size).toBe(1);
    expect(problems).toEqual(['c1: Channel opacity should not be used with an unsorted discrete field.']);
  });

  it('refuses SVG that could run or fetch something', () => {
    expect(unsafeSvg('<svg><script>x</script></svg>')).toBe('<script');
    expect(unsafeSvg('<svg><a href="https://x">x</a></svg>')).toBe(' href=');
    expect(unsafeSvg('<svg><rect onload="x"/></svg>')).toBe(' onload=');
    expect(unsafeSvg('<svg><rect fill="url(https://x/y)"/></svg>')).toBeDefined();
    expect(unsafeSvg('<svg><rect fill="url(#g1)"/></svg>')).toBeUndefined();
  });
});

describe('where vega may go', () => {
  it('no Lambda handler or core module imports vega or vega-lite: the charts are drawn in the CLI only', () => {
    const root = path.join(import.meta.dirname, '..', '..');
    const files = ['core', 'lambdas'].flatMap((d) =>
      readdirSync(path.join(root, d), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.ts'))
        .map((f) => path.join(d, f)),
    );
    expect(files.length).toBeGreaterThan(20);
    const importers = files.filter((f) => /from\s+['"]vega(-lite)?['"]|import\(\s*['"]vega/.test(readFileSync(path.join(root, f), 'utf8')));
    expect(importers).toEqual([]);
  });
});
