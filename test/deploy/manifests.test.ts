// The Kubernetes manifests, the image and the operator's IAM policy are read by machines we do not run
// here (kubelet, docker, IAM); these checks keep them agreeing with what the daemon does: where it
// listens, which probe means what, how long it drains, and that its own role can do nothing but assume.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const K8S_DIR = `${REPO}deploy/kubernetes/`;

type Doc = Record<string, any>;

function loadManifests(): Map<string, Doc[]> {
  const byFile = new Map<string, Doc[]>();
  for (const file of readdirSync(K8S_DIR).filter((f) => /\.ya?ml$/.test(f))) {
    const docs = parseAllDocuments(readFileSync(K8S_DIR + file, "utf8"));
    for (const d of docs) if (d.errors.length) throw new Error(`${file}: ${d.errors[0].message}`);
    byFile.set(file, docs.map((d) => d.toJS()).filter(Boolean));
  }
  return byFile;
}

const manifests = loadManifests();
const all = [...manifests.values()].flat();

function only(kind: string): Doc {
  const found = all.filter((d) => d.kind === kind);
  if (found.length !== 1) throw new Error(`expected exactly one ${kind} in deploy/kubernetes, found ${found.length}`);
  return found[0];
}

const deployment = only("Deployment");
const pod = deployment.spec.template;
const container = pod.spec.containers[0];
const env = (name: string) => container.env?.find((e: Doc) => e.name === name);
const containerPort = (nameOrNumber: string | number) =>
  container.ports.find((p: Doc) => p.name === nameOrNumber || p.containerPort === nameOrNumber)?.containerPort;

describe("operator Deployment", () => {
  it("runs at least two replicas against an external Postgres, in the aws cloud", () => {
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(env("BYOC_CLOUD")?.value).toBe("aws");
    expect(env("DATABASE_URL")).toBeUndefined(); // from the Secret, never inline
  });

  it("probes liveness on /healthz and readiness on /readyz, on the port the server listens on", () => {
    expect(container.livenessProbe.httpGet.path).toBe("/healthz");
    expect(container.readinessProbe.httpGet.path).toBe("/readyz");
    const listening = Number(env("PORT")?.value);
    for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe].filter(Boolean)) {
      expect(containerPort(probe.httpGet.port)).toBe(listening);
    }
  });

  it("gives each replica its pod name as BYOC_OPERATOR_ID", () => {
    expect(env("BYOC_OPERATOR_ID")?.valueFrom?.fieldRef?.fieldPath).toBe("metadata.name");
  });

  it("waits longer than the daemon's 30 s drain before killing it", () => {
    expect(pod.spec.terminationGracePeriodSeconds).toBe(40);
  });

  it("rolls one replica at a time", () => {
    expect(deployment.spec.strategy.rollingUpdate).toMatchObject({ maxSurge: 1, maxUnavailable: 0 });
  });

  it("takes DATABASE_URL, BYOC_ENCRYPTION_KEY and BYOC_ADMIN_TOKENS from the Secret the template defines", () => {
    const secret = only("Secret");
    const refs = container.envFrom.map((e: Doc) => e.secretRef?.name);
    expect(refs).toContain(secret.metadata.name);
    expect(Object.keys(secret.stringData).sort()).toEqual(["BYOC_ADMIN_TOKENS", "BYOC_ENCRYPTION_KEY", "DATABASE_URL"]);
  });
});

describe("Service, PodDisruptionBudget and kustomization", () => {
  const podLabels = pod.metadata.labels;

  it("selects the operator's pods and targets its HTTP port", () => {
    const service = only("Service");
    expect(podLabels).toMatchObject(service.spec.selector);
    expect(containerPort(service.spec.ports[0].targetPort)).toBe(Number(env("PORT")?.value));
  });

  it("keeps at least one replica through voluntary disruptions", () => {
    const pdb = only("PodDisruptionBudget");
    expect(podLabels).toMatchObject(pdb.spec.selector.matchLabels);
    const keeps = pdb.spec.minAvailable ?? deployment.spec.replicas - pdb.spec.maxUnavailable;
    expect(keeps).toBeGreaterThanOrEqual(1);
    expect(keeps).toBeLessThan(deployment.spec.replicas); // or node drains would block forever
  });

  it("lists every manifest but the Secret template, which must be filled in first", () => {
    const [kustomization] = manifests.get("kustomization.yaml")!;
    const expected = [...manifests.keys()].filter((f) => f !== "kustomization.yaml" && f !== "secret.example.yaml");
    expect([...kustomization.resources].sort()).toEqual(expected.sort());
  });
});

describe("operator image", () => {
  const dockerfile = readFileSync(`${REPO}deploy/docker/Dockerfile`, "utf8");
  const runtime = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));

  it("runs as a non-root user, listens where the manifests probe, and checks /healthz", () => {
    const user = /^USER\s+(\S+)/m.exec(runtime)?.[1];
    expect(user).toBeDefined();
    expect(["root", "0"]).not.toContain(user);
    expect(runtime).toMatch(new RegExp(`^EXPOSE\\s+${containerPort("http")}\\b`, "m"));
    expect(runtime).toMatch(/^HEALTHCHECK\b[\s\S]*\/healthz/m);
    expect(runtime).toMatch(/BYOC_CLOUD=aws/);
  });
});

describe("operator IAM policy", () => {
  const policy = JSON.parse(readFileSync(`${REPO}deploy/iam/operator-policy.json`, "utf8"));

  it("allows sts:AssumeRole on IAM roles and nothing else", () => {
    expect(policy.Statement.length).toBeGreaterThan(0);
    for (const s of policy.Statement) {
      expect(s.Effect).toBe("Allow");
      expect(s.NotAction).toBeUndefined();
      expect(s.NotResource).toBeUndefined();
      expect([s.Action].flat()).toEqual(["sts:AssumeRole"]);
      for (const resource of [s.Resource].flat()) expect(resource).toMatch(/^arn:aws:iam::(\*|\d{12}):role\/\w/);
    }
  });
});
