// Decision POST latency through the local decision server on dynalite: p50/p99 at 1 and 50 concurrent clicks, median of 5 rounds.
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { startDynalite, startSesLocal, testRuntime } from '../tests/support/local-aws';
import { createHandler } from '../lambdas/decision-endpoint';
import { createDecisionServer } from '../local/decision-server';
import { REVIEW_FORM, formBody, reviewWithLinks, type MintedLink } from '../tests/support/decision-fixtures';

const ROUNDS = 5;
/** Decisions per round and concurrency level: enough samples for a p99 that is not just the maximum of a few. */
const PER_ROUND = 200;
const CONCURRENCY = [1, 50];

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const [dynalite, ses] = await Promise.all([startDynalite(), startSesLocal()]);
  // The SES emulator receives the confirmation email each recorded decision sends.
  const rt = await testRuntime({ dynamoEndpoint: dynalite.endpoint, sesEndpoint: ses.endpoint });
  const server = createDecisionServer(new Map([[rt.config.id, createHandler(rt)]]));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${rt.config.id}`;
  const members = rt.config.topManagement.length;

  /** Distinct decisions: one review per `members` links, each link decided once. */
  let reviewSeq = 0;
  async function freshLinks(n: number): Promise<MintedLink[]> {
    const out: MintedLink[] = [];
    while (out.length < n) {
      // No task token: the resume step reads the tally but has no workflow to call locally.
      const { links } = await reviewWithLinks(rt, `${rt.config.id}#bench-${process.pid}-${reviewSeq++}`, { taskToken: undefined });
      out.push(...links);
    }
    return out.slice(0, n);
  }

  async function click(link: MintedLink): Promise<number> {
    const start = performance.now();
    const res = await fetch(`${base}${link.path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: formBody({ k: link.secret, ...REVIEW_FORM }),
    });
    await res.arrayBuffer();
    const ms = performance.now() - start;
    if (res.status !== 303) throw new Error(`expected 303, got ${res.status}`);
    return ms;
  }

  async function round(concurrency: number): Promise<{ p50: number; p99: number }> {
    const links = await freshLinks(PER_ROUND);
    const samples: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < links.length) samples.push(await click(links[next++]));
      }),
    );
    samples.sort((a, b) => a - b);
    return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
  }

  // Warm up the handler, the SDK clients and dynalite's LevelDB.
  await round(5);
  console.log(
    `decision POST latency (local decision server + dynalite, ${PER_ROUND} distinct decisions per round, median of ${ROUNDS} rounds)`,
  );
  console.log(
    `node ${process.version}, ${members} review members per subject; each POST: link read, subject+decision reads, conditional put, audit put, tally query, confirmation email (SES emulator) and its audit put`,
  );
  for (const c of CONCURRENCY) {
    const rounds: Array<{ p50: number; p99: number }> = [];
    for (let i = 0; i < ROUNDS; i++) rounds.push(await round(c));
    const fmt = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(' ');
    console.log(
      `concurrency ${String(c).padStart(2)}: p50 ${median(rounds.map((r) => r.p50)).toFixed(1)} ms, p99 ${median(rounds.map((r) => r.p99)).toFixed(1)} ms` +
        `   (rounds p50: ${fmt(rounds.map((r) => r.p50))}; p99: ${fmt(rounds.map((r) => r.p99))})`,
    );
  }
  await new Promise((r) => server.close(r));
  await Promise.all([dynalite.close(), ses.close()]);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
