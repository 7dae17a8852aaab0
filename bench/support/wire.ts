// AWS's wire format for the answers of the simulated AWS, so that the operator's SDK parses them as it
// parses real AWS's (bench/support/remote-sandbox.ts hands them to the SDK's own deserializer). Made in
// the sandbox process, as AWS makes them elsewhere: from the operation's output schema, with the SDK's
// shape serializers. JSON for the awsJson services; for the awsQuery ones (ELBv2, RDS) the XML of
// <Op>Response/<Op>Result. STS and EC2 (an AssumeRole an hour; the prerequisites every 15–20 minutes) and
// CloudWatch keep the object path: they are not a steady state's calls.
import { JsonShapeSerializer, XmlShapeSerializer } from "@aws-sdk/core/protocols";
import { NormalizedSchema } from "@smithy/core/schema";
import { HttpResponse } from "@smithy/core/transport";
import * as ecs from "@aws-sdk/client-ecs";
import * as rds from "@aws-sdk/client-rds";
import * as secrets from "@aws-sdk/client-secrets-manager";
import * as logs from "@aws-sdk/client-cloudwatch-logs";
import * as elb from "@aws-sdk/client-elastic-load-balancing-v2";
import * as cloudmap from "@aws-sdk/client-servicediscovery";
import * as aas from "@aws-sdk/client-application-auto-scaling";
import * as acm from "@aws-sdk/client-acm";

type Protocol = "json" | "query";
const CLIENTS: Record<string, { protocol: Protocol; module: Record<string, unknown>; xmlns?: string }> = {
  ECSClient: { protocol: "json", module: ecs },
  SecretsManagerClient: { protocol: "json", module: secrets },
  CloudWatchLogsClient: { protocol: "json", module: logs },
  ServiceDiscoveryClient: { protocol: "json", module: cloudmap },
  ApplicationAutoScalingClient: { protocol: "json", module: aas },
  ACMClient: { protocol: "json", module: acm },
  ElasticLoadBalancingV2Client: { protocol: "query", module: elb, xmlns: "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/" },
  RDSClient: { protocol: "query", module: rds, xmlns: "http://rds.amazonaws.com/doc/2014-10-31/" },
};

/** Clients whose answers go on the wire. */
export const WIRE_CLIENTS = new Set(Object.keys(CLIENTS));

export interface WireAnswer { statusCode: number; headers: Record<string, string>; body: Uint8Array }

const TIMESTAMP_DATE_TIME = 5;
const TIMESTAMP_EPOCH_SECONDS = 7;
let requestIds = 0;

/** The HTTP answer AWS would give for `output` of the client's command (`DescribeServicesCommand`). */
export function wireAnswer(clientName: string, commandName: string, output: Record<string, unknown>): WireAnswer {
  const c = CLIENTS[clientName];
  if (!c) throw new Error(`no wire format for ${clientName}`);
  const op = commandName.replace(/Command$/, "");
  const schema = c.module[`${op}$`] as unknown[] | undefined;
  if (!Array.isArray(schema) || schema[0] !== 9) throw new Error(`no operation schema for ${clientName} ${op}`);
  const { $metadata: _m, ...data } = output;
  const requestId = `00000000-0000-4000-8000-${String(++requestIds).padStart(12, "0")}`;
  if (c.protocol === "json") {
    const s = new JsonShapeSerializer({ timestampFormat: { useTrait: true, default: TIMESTAMP_EPOCH_SECONDS }, jsonName: false });
    s.write(schema[5] as never, data);
    // An operation without output (CreateLogGroup, PutRetentionPolicy) answers an empty object.
    const json = s.flush();
    return { statusCode: 200, headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": requestId }, body: Buffer.from(typeof json === "string" ? json : "{}") };
  }
  const queryAnswer = (result: string): WireAnswer => ({
    statusCode: 200, headers: { "content-type": "text/xml", "x-amzn-requestid": requestId },
    body: Buffer.from(`<${op}Response xmlns="${c.xmlns}">${result}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${op}Response>`),
  });
  // An operation without output (AddTagsToResource): AWS answers the metadata alone.
  if (NormalizedSchema.of(schema[5] as never).isUnitSchema()) return queryAnswer("");
  const s = new XmlShapeSerializer({ timestampFormat: { useTrait: true, default: TIMESTAMP_DATE_TIME }, httpBindings: false, xmlNamespace: "", serviceNamespace: "" } as never);
  s.write(schema[5] as never, data);
  const written = s.flush();
  // The output structure's element (named after its shape) is the <Op>Result of awsQuery.
  // The SDK's XML serializer leaves empty lists out; AWS sends an empty element, which the SDK reads as
  // []. Done for the result's own members (an empty listing); a nested empty list still arrives absent,
  // which the operator reads as empty too.
  const empty = Object.entries(data).filter(([, v]) => Array.isArray(v) && v.length === 0).map(([k]) => `<${k}/>`).join("");
  const struct = (typeof written === "string" ? written : "").replace(/^<([A-Za-z0-9_]+)(\s[^>]*)?>([\s\S]*)<\/\1>$/, "$3").replace(/^<([A-Za-z0-9_]+)\/>$/, "") + empty;
  return queryAnswer(`<${op}Result>${struct}</${op}Result>`);
}

/**
 * A client's request handler (where its HTTPS would be) that answers every request with `answer`'s
 * bytes, for the SDK's deserializer to parse.
 */
export function answeringHandler<R>(answer: (request: R) => WireAnswer | Promise<WireAnswer>) {
  return {
    handle: async (request: R) => ({ response: new HttpResponse(await answer(request)) }),
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
}
