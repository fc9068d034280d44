// The decision endpoint's API (CDK): routes, throttling, secret-free access logs, and the unit's own link base or domain.
import { describe, expect, it } from 'vitest';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DecisionApi } from '../../lib/decision-api';
import { testUnit } from '../support/units';

describe('DecisionApi (CDK)', () => {
  function synth(unit = testUnit()) {
    // No CloudFormation validation at synth (about 1 s here): every unit's stack holds this API, and the cdk-nag test of
    // stack.test.ts validates them, one with a decisionDomain.
    const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'DecisionApiTest');
    const fn = new lambda.Function(stack, 'Endpoint', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('x'),
    });
    const api = new DecisionApi(stack, 'DecisionApi', { handler: fn, unit });
    return { stack, api, template: Template.fromStack(stack) };
  }

  it('routes GET, HEAD and POST /decisions/{id} and everything else to the endpoint, throttled, with secret-free access logs', () => {
    const { template, stack, api } = synth();
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'))
      .map((r) => r.Properties.RouteKey)
      .sort();
    expect(routes).toEqual(['$default', 'GET /decisions/{id}', 'HEAD /decisions/{id}', 'POST /decisions/{id}']);
    const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0].Properties;
    expect(stage).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
    });
    const format = stage.AccessLogSettings.Format as string;
    expect(JSON.parse(format)).toMatchObject({ routeKey: '$context.routeKey', status: '$context.status', requestId: '$context.requestId' });
    // Nothing that carries the path with its query string (the link secret).
    expect(format).not.toMatch(/\$context\.(path|resourcePath|http\.path)|querystring|\$input|\$request/i);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
    expect(stack.resolve(api.url)).toEqual(stack.resolve(api.api.apiEndpoint));
  });

  it("uses the unit's decisionBaseUrl for links when it has one", () => {
    const { api, template } = synth(testUnit({ decisionBaseUrl: 'https://decide.example.com/emea/' }));
    expect(api.url).toBe('https://decide.example.com/emea');
    template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
  });

  it('serves a decisionDomain itself: TLS 1.2 domain with the certificate, the base path mapped to the stage, execute-api off', () => {
    const certificateArn = 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';
    const { api, template, stack } = synth(testUnit({ decisionDomain: { name: 'decide.example.com', certificateArn, basePath: 'emea' } }));
    expect(api.url).toBe('https://decide.example.com/emea');
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'decide.example.com',
      DomainNameConfigurations: [{ CertificateArn: certificateArn, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' }],
    });
    const mapping = Object.values(template.findResources('AWS::ApiGatewayV2::ApiMapping'));
    expect(mapping).toHaveLength(1);
    expect(mapping[0].Properties).toMatchObject({
      ApiMappingKey: 'emea',
      ApiId: stack.resolve(api.api.apiId),
      Stage: stack.resolve(api.stage.stageName),
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { DisableExecuteApiEndpoint: true });
  });
});
