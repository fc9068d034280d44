// One test bundles for real: the ESM artifact Lambda would run loads and answers, outside our source tree.
import { existsSync, readdirSync, statSync } from 'node:fs';
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

describe('bundled functions', () => {
  let assetDirs: Map<string, string>;
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
    const result = await handler({
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
    expect(result.statusCode).toBe(404);
    expect(result.headers['cache-control'] ?? result.headers['Cache-Control']).toBe('no-store');
  });
});
