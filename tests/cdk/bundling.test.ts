// One test bundles for real: the ESM artifact Lambda would run loads and answers, outside our source tree; so does the
// stack's Powertools layer (Logger, Metrics, Tracer), and the two together log, count and trace as on Lambda.
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import cdkJson from '../../cdk.json';
import { loadBusinessUnits } from '../../lib/config-files';
import { functionEnvironment, functionSpec } from '../../core/functions';
import { IsmsFunction } from '../../lib/isms-function';
import { startDynalite, testRuntime } from '../support/local-aws';

const unit = loadBusinessUnits().find((u) => u.id === 'example-emea')!;

/** An API Gateway request for a link that does not exist: the endpoint answers 404 after one GetItem. */
const unknownLinkEvent = () => ({
  version: '2.0',
  routeKey: 'GET /decisions/{id}',
  rawPath: '/decisions/AAAAAAAAAAAAAAAAAAAAAA',
  rawQueryString: 'k=nope',
  headers: { host: 'example.com' },
  queryStringParameters: { k: 'nope' },
  pathParameters: { id: 'AAAAAAAAAAAAAAAAAAAAAA' },
  requestContext: {
    http: { method: 'GET', path: '/decisions/AAAAAAAAAAAAAAAAAAAAAA', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
    domainName: 'example.com',
    requestId: 'r',
    routeKey: 'GET /decisions/{id}',
    stage: '$default',
    time: '',
    timeEpoch: 0,
    accountId: '1',
    apiId: 'a',
    domainPrefix: 'example',
  },
  isBase64Encoded: false,
});

describe('bundled functions', () => {
  let assetDirs: Map<string, string>;
  let layerDir: string;
  let outdir: string;
  let dynamo: Awaited<ReturnType<typeof startDynalite>>;

  beforeAll(async () => {
    // One function is enough to prove the bundling settings; bundling all of them would cost ~50 s of the test budget.
    // Bundling is what is tested; the function's template is validated with every unit's stack in stack.test.ts's cdk-nag test.
    const app = new App({ context: cdkJson.context, builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'BundlingProbe');
    const spec = functionSpec('decision-endpoint');
    new IsmsFunction(stack, 'DecisionEndpoint', {
      spec,
      unit,
      environment: functionEnvironment(spec, unit, { tableName: 'probe', linksTableName: 'probe-links' }),
    });
    const assembly = app.synth();
    outdir = assembly.directory;
    const template = Template.fromStack(stack);
    assetDirs = new Map();
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      const name: string = fn.Properties.FunctionName;
      const key: string = fn.Properties.Code.S3Key;
      assetDirs.set(name, path.join(outdir, `asset.${key.replace(/\.zip$/, '')}`));
    }
    const [layer] = Object.values(template.findResources('AWS::Lambda::LayerVersion'));
    layerDir = path.join(outdir, `asset.${layer.Properties.Content.S3Key.replace(/\.zip$/, '')}`);
    dynamo = await startDynalite();
  }, 180_000);
  afterAll(() => dynamo?.close());

  it('builds one minified ESM file with a source map, small enough to cold-start fast', () => {
    expect(assetDirs.size).toBe(1);
    for (const [name, dir] of assetDirs) {
      const files = readdirSync(dir).sort();
      expect(files, name).toEqual(['index.mjs', 'index.mjs.map']);
      // About 490 KB: the three SDK clients alone are 390 (npm run bench -- bundles); the full zod would add 350.
      expect(statSync(path.join(dir, 'index.mjs')).size, name).toBeLessThan(600_000);
    }
  });

  it('runs: the bundled decision endpoint answers an unknown link with the 404 page', async () => {
    const rt = await testRuntime({ dynamoEndpoint: dynamo.endpoint });
    Object.assign(process.env, {
      TABLE_NAME: rt.tableName,
      LINKS_TABLE_NAME: rt.linksTableName,
      BU_CONFIG: JSON.stringify(rt.config),
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    });
    const file = path.join(assetDirs.get(`isms-${unit.id}-decision-endpoint`)!, 'index.mjs');
    expect(existsSync(file)).toBe(true);
    const { handler } = await import(pathToFileURL(file).href);
    const result = await handler(unknownLinkEvent());
    expect(result.statusCode).toBe(404);
    expect(result.headers['cache-control'] ?? result.headers['Cache-Control']).toBe('no-store');
  });

  /** A Lambda-like tree in a temporary folder: the function in task/, the layer's node_modules where Node resolves it. */
  function lambdaTree(): { root: string; task: string } {
    const root = mkdtempSync(path.join(os.tmpdir(), 'isms-layer-'));
    const task = path.join(root, 'task');
    mkdirSync(task);
    // The layer's folder stands where /opt/nodejs/node_modules would: the nearest node_modules above the function.
    symlinkSync(path.join(layerDir, 'nodejs', 'node_modules'), path.join(root, 'node_modules'));
    return { root, task };
  }

  /** Runs a module in a child Node (the one of node_modules/.bin, as the bench does); its stdout and exit code. */
  function runNode(file: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [file], { env: { PATH: process.env.PATH ?? '', ...env } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('builds the Powertools layer as one bundle per package and their shared chunk, which import with nothing else beside them', async () => {
    const files = (readdirSync(layerDir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
      .filter((d) => d.isFile())
      .map((d) => path.relative(layerDir, path.join(d.parentPath, d.name)))
      .sort();
    const base = 'nodejs/node_modules/@aws-lambda-powertools';
    expect(files.filter((f) => !f.startsWith(`${base}/_chunks/`))).toEqual(
      ['logger', 'metrics', 'tracer'].flatMap((p) => [`${base}/${p}/index.mjs`, `${base}/${p}/package.json`]),
    );
    expect(files.filter((f) => f.startsWith(`${base}/_chunks/`)).every((f) => f.endsWith('.mjs'))).toBe(true);
    const { root, task } = lambdaTree();
    try {
      const probe = path.join(task, 'probe.mjs');
      writeFileSync(
        probe,
        `import { Tracer } from '@aws-lambda-powertools/tracer';
        import { Logger } from '@aws-lambda-powertools/logger';
        import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
        new Logger({ serviceName: 'probe' }).info('from the layer');
        const metrics = new Metrics({ namespace: 'Probe', serviceName: 'probe' });
        metrics.addMetric('probes', MetricUnit.Count, 1);
        metrics.publishStoredMetrics();
        const local = new Tracer({ serviceName: 'probe' });
        process.env.AWS_EXECUTION_ENV = 'AWS_Lambda_nodejs24.x';
        const onLambda = new Tracer({ serviceName: 'probe' });
        process.stdout.write(JSON.stringify({
          local: local.isTracingEnabled(),
          onLambda: onLambda.isTracingEnabled(),
          captures: typeof onLambda.captureAWSv3Client,
        }));`,
      );
      const run = await runNode(probe, {});
      expect(run.stderr).toBe('');
      const [log, emf, traced] = run.stdout.trim().split('\n');
      expect(JSON.parse(log)).toMatchObject({ level: 'INFO', message: 'from the layer', service: 'probe' });
      expect(JSON.parse(emf)).toMatchObject({ probes: 1, _aws: { CloudWatchMetrics: [{ Namespace: 'Probe' }] } });
      expect(JSON.parse(traced)).toEqual({ local: false, onLambda: true, captures: 'function' });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('traces on Lambda: the bundled function with the layer sends its handler subsegment, annotated, with the DynamoDB call in it', async () => {
    const rt = await testRuntime({ dynamoEndpoint: dynamo.endpoint });
    const daemon = createSocket('udp4');
    const documents: Record<string, unknown>[] = [];
    // The X-Ray daemon's protocol: a header line, then the segment document.
    daemon.on('message', (msg) => documents.push(JSON.parse(msg.toString().split('\n')[1])));
    await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
    const { root, task } = lambdaTree();
    try {
      copyFileSync(path.join(assetDirs.get(`isms-${unit.id}-decision-endpoint`)!, 'index.mjs'), path.join(task, 'index.mjs'));
      const runner = path.join(task, 'run.mjs');
      writeFileSync(
        runner,
        `const { handler } = await import('./index.mjs');
        const result = await handler(JSON.parse(process.env.PROBE_EVENT));
        await new Promise((r) => setTimeout(r, 100));
        process.stderr.write('STATUS ' + result.statusCode);`,
      );
      const traceId = '1-5759e988-bd862e3fe1be46a994272793';
      const run = await runNode(runner, {
        TABLE_NAME: rt.tableName,
        LINKS_TABLE_NAME: rt.linksTableName!,
        BU_CONFIG: JSON.stringify(rt.config),
        AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        POWERTOOLS_LOG_LEVEL: 'ERROR',
        POWERTOOLS_SERVICE_NAME: 'isms-decision-endpoint',
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
        // What Lambda sets: the runtime, the function, the handler, the task root and the invocation's trace header.
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
        AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
        AWS_LAMBDA_FUNCTION_NAME: `isms-${unit.id}-decision-endpoint`,
        _HANDLER: 'index.handler',
        LAMBDA_TASK_ROOT: task,
        _X_AMZN_TRACE_ID: `Root=${traceId};Parent=53995c3f42cd8ad8;Sampled=1`,
        AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemon.address().port}`,
        PROBE_EVENT: JSON.stringify(unknownLinkEvent()),
      });
      // Nothing else on stderr: no warning from the Tracer or the X-Ray SDK.
      expect(run.stderr).toBe('STATUS 404');
      expect(run.code).toBe(0);
      await new Promise((r) => setTimeout(r, 200));
      const handlerSegment = documents.find((d) => d.name === '## index.handler') as Record<string, any> | undefined;
      expect(handlerSegment, JSON.stringify(documents)).toBeDefined();
      expect(handlerSegment!.trace_id).toBe(traceId);
      expect(handlerSegment!.annotations).toEqual({
        ColdStart: true,
        Service: 'isms-decision-endpoint',
        BusinessUnit: rt.config.id,
      });
      // Under the invocation's segment (the trace header's Parent), and the SDK call under it, with its operation and table.
      expect(handlerSegment!.parent_id).toBe('53995c3f42cd8ad8');
      const call = documents.find((d) => d.name === 'DynamoDB') as Record<string, any> | undefined;
      expect(call?.parent_id).toBe(handlerSegment!.id);
      expect(call?.aws).toMatchObject({ operation: 'GetItem', table_name: rt.linksTableName });
      // A response would be metadata ("index.handler response"): none in any document, and nothing of the page.
      expect(documents.filter((d) => 'metadata' in d)).toEqual([]);
      expect(JSON.stringify(documents)).not.toContain('<html');
    } finally {
      daemon.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
