// Longest files first, so that no long file starts last and runs alone at the end of `npm test` (with six projects,
// vitest's own order ran them one after another by name, and the workflow layer's two longest files started last).
import { statSync } from 'node:fs';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const ordered = await super.sort(files); // failed first, then by duration, within each project
    const durations = new Map(files.map((spec) => [spec, this.ctx.cache.getTestSpecificationResult(spec)?.duration]));
    // Duration of the last run where every file has one; else (a clean clone, as on CI) the file's size, longest first.
    const measure = [...durations.values()].every((d) => d !== undefined)
      ? (spec: TestSpecification) => durations.get(spec)!
      : (spec: TestSpecification) => statSync(spec.moduleId).size;
    const failed = (spec: TestSpecification) => Boolean(this.ctx.cache.getTestSpecificationResult(spec)?.failed);
    return [...ordered].sort((a, b) => Number(failed(b)) - Number(failed(a)) || measure(b) - measure(a));
  }
}
