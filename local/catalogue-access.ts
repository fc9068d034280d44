// The catalogue's access enforced on the local emulators: locally there is no IAM, so a handler that does more than its
// catalogue entry grants would pass every local test and be refused on AWS. The same statements as the role (tableGrants).
import { type FunctionSpec, tableGrants, type TableAction } from '../core/functions';
import type { Runtime } from '../lambdas/shared/runtime';
import { sesClient } from '../lambdas/shared/email';
import { sfnClient } from '../lambdas/shared/resume';

/** What IAM answers, so that handlers and tests see the same error name locally as on AWS. */
export class LocalAccessDenied extends Error {
  constructor(spec: FunctionSpec, what: string) {
    super(`${spec.id} is not authorized to perform: ${what} (its access in core/functions.ts does not grant it)`);
    this.name = 'AccessDeniedException';
  }
}

type Attr = { S?: string } | undefined;
type TableInput = { TableName?: string; IndexName?: string; Key?: { pk?: Attr }; Item?: { pk?: Attr } };

/** Whether the catalogue lets `spec` run this DynamoDB call; the reason when it does not. */
export function tableCallDenied(
  spec: FunctionSpec,
  tables: { evidence: string; links: string },
  command: string,
  input: TableInput,
): string | undefined {
  const action = command.replace(/Command$/, '');
  const table = input.TableName === tables.evidence ? 'evidence' : input.TableName === tables.links ? 'links' : undefined;
  const key = (input.Key?.pk ?? input.Item?.pk)?.S;
  const what = `dynamodb:${action} on ${input.TableName}${input.IndexName ? `/index/${input.IndexName}` : ''}${key ? ` (pk ${key})` : ''}`;
  if (!table) return what;
  const allowed = tableGrants(spec).some(
    (g) =>
      g.table === table &&
      g.actions.includes(action as TableAction) &&
      (!input.IndexName || Boolean(g.indexes?.includes(input.IndexName))) &&
      // A key-limited statement allows only calls that name one key with a granted prefix (IAM evaluates LeadingKeys the same way).
      (!g.leadingKeyPrefixes || (key !== undefined && g.leadingKeyPrefixes.some((p) => key.startsWith(p)))),
  );
  return allowed ? undefined : what;
}

/** Adds the checks to the function's own SDK clients (each local function has its own Runtime, keyed by its environment). */
export function enforceCatalogueAccess(rt: Runtime, spec: FunctionSpec, tables: { evidence: string; links: string }): void {
  const options = { step: 'build' as const, name: 'ismsCatalogueAccess', override: true };
  rt.ddb.middlewareStack.add(
    (next, context) => async (args) => {
      const denied = tableCallDenied(spec, tables, String(context.commandName), args.input as TableInput);
      if (denied) throw new LocalAccessDenied(spec, denied);
      return next(args);
    },
    options,
  );
  sesClient(rt).middlewareStack.add(
    (next, context) => async (args) => {
      if (!(context.commandName === 'SendEmailCommand' && spec.access.sendEmail))
        throw new LocalAccessDenied(spec, `ses:${String(context.commandName).replace(/Command$/, '')}`);
      return next(args);
    },
    options,
  );
  sfnClient(rt).middlewareStack.add(
    (next, context) => async (args) => {
      const allowed =
        (context.commandName === 'SendTaskSuccessCommand' && spec.access.resumes?.length) ||
        (context.commandName === 'SendTaskFailureCommand' && spec.access.failsWaits?.length);
      if (!allowed) throw new LocalAccessDenied(spec, `states:${String(context.commandName).replace(/Command$/, '')}`);
      return next(args);
    },
    options,
  );
}
