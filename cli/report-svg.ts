// Vega-Lite specifications to inline SVG, at export time in the CLI (vega never enters a Lambda bundle).
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Chart } from '../core/report-charts';

/**
 * What the report refuses to inline even from vega: script, event handlers, foreign objects and any link, so the
 * page stays a document that runs nothing and fetches nothing. Vega escapes text it draws; this is the second lock.
 */
const UNSAFE = /<script|<foreignObject|<iframe|<image|\son[a-z]+\s*=|\shref\s*=|xlink:href|url\(\s*['"]?(?!#)|javascript:/i;

export function unsafeSvg(svg: string): string | undefined {
  return UNSAFE.exec(svg)?.[0];
}

function quietLogger(warnings: string[]) {
  let level = 0;
  const note = (m: unknown[]) => {
    warnings.push(m.map(String).join(' '));
    return logger;
  };
  const logger = {
    level(l?: number) {
      if (l === undefined) return level;
      level = l;
      return logger;
    },
    error: (...m: unknown[]) => note(m),
    warn: (...m: unknown[]) => note(m),
    info: () => logger,
    debug: () => logger,
  };
  return logger;
}

/** One SVG per chart id; a chart that fails to render or is refused is left out (its table still stands). */
export async function renderCharts(charts: Chart[]): Promise<{ svgs: Map<string, string>; problems: string[] }> {
  const svgs = new Map<string, string>();
  const problems: string[] = [];
  for (const chart of charts) {
    try {
      // Vega-Lite's warnings go to the problems (stderr once), not to the console mid-report.
      const warnings: string[] = [];
      const logger = quietLogger(warnings);
      const view = new View(parse(compile(chart.spec as unknown as TopLevelSpec, { logger }).spec), { renderer: 'none' });
      for (const w of warnings) problems.push(`${chart.id}: ${w}`);
      const svg = await view.toSVG();
      view.finalize();
      const bad = unsafeSvg(svg);
      if (bad) problems.push(`${chart.id}: refused, the SVG holds ${JSON.stringify(bad)}`);
      else svgs.set(chart.id, svg);
    } catch (err) {
      problems.push(`${chart.id}: ${(err as Error).message}`);
    }
  }
  return { svgs, problems };
}
