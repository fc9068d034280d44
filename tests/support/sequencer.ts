// Longest files first across all layers. Vitest's own order runs the projects one after another (by name), so the
// workflow layer's two longest files, mostly real waits, started last and ran alone at the end of `npm test`.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const known = new Map(files.map((spec) => [spec, this.ctx.cache.getTestSpecificationResult(spec)]));
    // Files without a recorded duration (new ones) keep their place at the front, as BaseSequencer puts them.
    return [...(await super.sort(files))].sort((a, b) => (known.get(b)?.duration ?? Infinity) - (known.get(a)?.duration ?? Infinity));
  }
}
