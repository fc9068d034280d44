// The decision endpoint's HTTP API: GET/HEAD/POST /decisions/{id}, throttled, with access logs that never hold a link secret.
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { DomainName, HttpApi, HttpMethod, HttpStage, LogGroupLogDestination, SecurityPolicy } from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { type ILogGroup, LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { BusinessUnitConfig } from '../core/config';
import { decisionApiLogGroupName } from '../core/names';

export interface DecisionApiProps {
  /** The decision-endpoint function (lambdas/decision-endpoint.ts). */
  handler: lambda.IFunction;
  unit: BusinessUnitConfig;
  /**
   * Decisions are a handful of human clicks per quarter; mail scanners add a few fetches per link. The limit
   * keeps a flood of guessed links from costing money or crowding out the table.
   * @default { rateLimit: 20, burstLimit: 40 }
   */
  throttle?: { rateLimit: number; burstLimit: number };
  /** @default RetentionDays.ONE_YEAR */
  accessLogRetention?: RetentionDays;
}

/**
 * Access log fields. No `$context.path` and nothing else that carries the query string: the link secret
 * (`?k=`) must never reach a log. `$context.routeKey` says which route without the id.
 */
export const ACCESS_LOG_FIELDS: Readonly<Record<string, string>> = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  routeKey: '$context.routeKey',
  status: '$context.status',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integrationStatus',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
};

export class DecisionApi extends Construct {
  /** Base of decision links: the unit's custom domain or base URL if configured, else the API's own endpoint. */
  readonly url: string;
  readonly api: HttpApi;
  readonly accessLogs: ILogGroup;
  readonly stage: HttpStage;
  /** The unit's custom domain, when its config has `decisionDomain`: point a DNS record at `regionalDomainName`. */
  readonly domain?: DomainName;

  constructor(scope: Construct, id: string, props: DecisionApiProps) {
    super(scope, id);
    const { handler, unit } = props;
    const custom = unit.decisionDomain;
    if (custom) {
      this.domain = new DomainName(this, 'Domain', {
        domainName: custom.name,
        certificate: Certificate.fromCertificateArn(this, 'Certificate', custom.certificateArn),
        securityPolicy: SecurityPolicy.TLS_1_2,
      });
    }
    const integration = new HttpLambdaIntegration('DecisionEndpoint', handler);

    this.api = new HttpApi(this, 'Api', {
      apiName: `isms-${unit.id}-decisions`,
      description: `Decision links of ${unit.name}: confirmation pages (GET/HEAD) and decisions (POST)`,
      // The stage is declared below with throttling and access logs.
      createDefaultStage: false,
      // Any other path or method reaches the handler too, so every answer carries its security headers
      // (API Gateway's own 404 has none); the handler answers 404 or 405.
      defaultIntegration: integration,
      // With a custom domain the links name it; the execute-api URL would be a second door to the same pages.
      disableExecuteApiEndpoint: custom !== undefined,
    });
    for (const method of [HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST]) {
      // The result page is the same URL (post/redirect/get) and the stylesheet is inline: no other route.
      this.api.addRoutes({ path: '/decisions/{id}', methods: [method], integration });
    }

    // A re-attached unit (`reattach`) uses the log group its deleted stack retained under this fixed name.
    this.accessLogs = unit.reattach
      ? LogGroup.fromLogGroupName(this, 'AccessLogs', decisionApiLogGroupName(unit.id))
      : new LogGroup(this, 'AccessLogs', {
          logGroupName: decisionApiLogGroupName(unit.id),
          retention: props.accessLogRetention ?? RetentionDays.ONE_YEAR,
          // Kept when the stack goes, but not after a rolled-back first create, which would leave this fixed name taken.
          removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
        });
    const throttle = props.throttle ?? { rateLimit: 20, burstLimit: 40 };
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle,
      // The base path is API Gateway's mapping key: it stays in rawPath, and routes match the rest.
      domainMapping: this.domain ? { domainName: this.domain, mappingKey: custom?.basePath } : undefined,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    // The $default stage is served at the API's root, so its endpoint is the base (no stage path).
    this.url = custom
      ? `https://${custom.name}${custom.basePath ? `/${custom.basePath}` : ''}`
      : (unit.decisionBaseUrl?.replace(/\/+$/, '') ?? this.api.apiEndpoint);

    // Decision links carry their own credential (a 256-bit secret per recipient, checked in constant time);
    // recipients are people reading email, who have no AWS identity or token to present.
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Decision links are authorised by the per-recipient secret in the link, checked by the handler; email recipients have no AWS identity.',
    });
  }
}
