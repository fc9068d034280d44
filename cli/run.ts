// Runs one command of the manifest: imports its module (only now), makes the context, and turns an error into one line.
import { AwsCredentialsError, type CliContext, createCliContext, isMissingCredentials } from './context';
import type { CommandSpec } from './manifest';
import { terminalSafe } from '../core/text';

export async function runCommand(
  spec: CommandSpec,
  args: string[],
  io: { out?: (l: string) => void; err?: (l: string) => void },
): Promise<number> {
  // An error message may quote input or stored values: printed without control characters, like ctx.err.
  const err = (l: string) => (io.err ?? console.error)(terminalSafe(l, true));
  const local = args.includes('--local');
  const command = (await spec.load()).commands.find((c) => c.name === spec.name);
  if (!command) throw new Error(`cli/manifest.ts: the module of "${spec.name}" does not export it in \`commands\``);
  let ctx: CliContext | undefined;
  try {
    ctx = createCliContext({ local, out: io.out, err: io.err });
    return await command.run(args, ctx);
  } catch (e) {
    const message = !local && isMissingCredentials(e) ? new AwsCredentialsError(unitNamed(ctx, args), e).message : (e as Error).message;
    err(`isms ${spec.name}: ${message}`);
    return 1;
  }
}

/** The unit of `--bu <id>`, for an error message; undefined when there is none to name. */
function unitNamed(ctx: CliContext | undefined, args: string[]) {
  const i = args.indexOf('--bu');
  try {
    return ctx && i >= 0 ? ctx.unit(args[i + 1]) : undefined;
  } catch {
    return undefined;
  }
}
