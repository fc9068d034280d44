// Starting the restart execution of a review or request whose workflow failed, shared by both CLI commands.
import { type WorkflowName, executionArnOf } from '../core/names';
import type { CliContext } from './context';

/** Restart names tried after the last recorded restart before giving up. */
export const MAX_RESTART_NAMES = 10;

export type RestartStart =
  | { outcome: 'started'; executionArn: string }
  | { outcome: 'running'; executionArn: string; status: string; startDate?: Date }
  | { outcome: 'exhausted' };

/**
 * Starts restart n = restarts + 1 under its own execution name. A name already used by a running execution means
 * a restart is under way (nothing new starts); one used by a closed execution (a restart that ended before it took
 * over) is skipped for the next n.
 */
export async function startRestart(
  ctx: CliContext,
  unitId: string,
  workflow: WorkflowName,
  restarts: number,
  execution: (n: number) => { name: string; input: string },
): Promise<RestartStart> {
  const stateMachineArn = await ctx.stateMachineArn(unitId, workflow);
  const sfn = ctx.sfn(unitId);
  // Loaded on use: the modules that import this one hold commands that never start a workflow.
  const { DescribeExecutionCommand, StartExecutionCommand } = await import('./sdk-sfn');
  for (let n = restarts + 1; n <= restarts + MAX_RESTART_NAMES; n++) {
    const { name, input } = execution(n);
    try {
      const out = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input }));
      return { outcome: 'started', executionArn: out.executionArn! };
    } catch (err) {
      if ((err as Error).name !== 'ExecutionAlreadyExists') throw err;
      const executionArn = executionArnOf(stateMachineArn, name);
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (d.status === 'RUNNING' || d.status === 'PENDING_REDRIVE')
        return { outcome: 'running', executionArn, status: d.status, startDate: d.startDate };
    }
  }
  return { outcome: 'exhausted' };
}
