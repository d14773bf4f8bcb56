import { ConfigError } from "@s3-migration/common";
import { describe, expect, it } from "vitest";
import { contextFromArgv, readAppConfig } from "../lib/app-config.js";
import { buildAppIni } from "../lib/app-ini.js";
import { DEFAULT_SETTINGS, resolveSettings } from "../lib/migration-settings.js";
import { BUCKET_MAP } from "./stack-fixture.js";

function problemsOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("resolveSettings", () => {
  it("applies the documented defaults", () => {
    // Act
    const s = resolveSettings({ bucketMapJson: BUCKET_MAP });
    // Assess
    expect(s).toMatchObject({
      ...DEFAULT_SETTINGS,
      jobType: "PUT",
      maxReceiveCount: 24,
      minCapacity: 1,
      maxCapacity: 10,
    });
    expect(s.bucketMap.map((m) => m.srcBucket)).toEqual(["global-src-a", "global-src-b"]);
  });

  it("fails with the project's bucket-map message naming the entry and field", () => {
    // Prepare
    const bad = JSON.stringify([{ src_bucket: "ok-bucket", des_bucket: "Bad_Bucket" }]);
    // Act
    const message = problemsOf(() => resolveSettings({ bucketMapJson: bad }));
    // Assess
    expect(message).toMatch(/bucket map\[0\]\.des_bucket: got "Bad_Bucket"/);
  });

  it("reports a missing bucket map and every bad setting at once", () => {
    // Act
    const message = problemsOf(() =>
      resolveSettings({
        minCapacity: 5,
        maxCapacity: 2,
        maxReceiveCount: 0,
        tableQueueName: "x",
        logRetentionDays: 10,
      }),
    );
    // Assess
    expect(message).toMatch(/5 problem\(s\)/);
    for (const key of [
      "bucketMapJson: missing",
      "minCapacity",
      "maxReceiveCount",
      "tableQueueName",
      "logRetentionDays",
    ]) {
      expect(message).toContain(key);
    }
  });

  it("rejects blank or multi-line ignore patterns", () => {
    // Act
    const message = problemsOf(() =>
      resolveSettings({ bucketMapJson: BUCKET_MAP, ignorePatterns: ["src-a/tmp/*", " ", "a\nb"] }),
    );
    // Assess
    expect(message).toMatch(/2 problem\(s\)/);
  });

  it("rejects the event path for GET stacks and non-increasing scale steps", () => {
    // Act
    const message = problemsOf(() =>
      resolveSettings({
        bucketMapJson: BUCKET_MAP,
        jobType: "GET",
        eventSource: { destinationBucket: "dst" },
        scaleOutSteps: [
          { lower: 100, change: 1 },
          { lower: 50, change: 2 },
        ],
      }),
    );
    // Assess
    expect(message).toContain("eventSource");
    expect(message).toContain("scaleOutSteps[1].lower");
  });

  it("rejects Graviton instance types by name, since the AMI is x86_64 only", () => {
    // Act
    const message = problemsOf(() =>
      resolveSettings({
        bucketMapJson: BUCKET_MAP,
        workerInstanceTypes: ["c6i.large", "c7g.large", "m6gd.xlarge", "c6a.large", "g4dn.xlarge"],
        jobsenderInstanceType: "t4g.small",
      }),
    );
    // Assess: each arm64 type named once; the x86_64 ones (g4dn included) pass.
    expect(message).toMatch(/3 problem\(s\)/);
    expect(message).toContain(
      'workerInstanceTypes: got "c7g.large"; expected an x86_64 instance type',
    );
    expect(message).toContain('workerInstanceTypes: got "m6gd.xlarge"');
    expect(message).toContain('jobsenderInstanceType: got "t4g.small"');
    expect(message).toContain("Graviton (arm64)");
  });

  it("accepts Intel and AMD types whose names hold a g elsewhere", () => {
    const s = resolveSettings({
      bucketMapJson: BUCKET_MAP,
      workerInstanceTypes: ["g4dn.xlarge", "c7i-flex.large", "x2iedn.xlarge", "inf2.xlarge"],
    });
    expect(s.workerInstanceTypes).toHaveLength(4);
  });
});

describe("readAppConfig", () => {
  const files: Record<string, string> = {
    "/cfg/stack.json": JSON.stringify({
      stackName: "Mig2",
      jobType: "GET",
      bucketMapFile: "buckets.json",
      maxCapacity: 20,
    }),
    "/cfg/buckets.json": `${BUCKET_MAP}\n`,
    "/default.json": JSON.stringify({ bucketMap: JSON.parse(BUCKET_MAP) }),
  };
  const read = (path: string) => {
    const text = files[path];
    if (text === undefined) throw new Error(`no file ${path}`);
    return text;
  };

  it("reads a config file, resolving its bucketMapFile next to it, with context values on top", () => {
    // Prepare
    const context: Record<string, string> = {
      config: "/cfg/stack.json",
      maxCapacity: "30",
      notificationEmails: "a@example.com, b@example.com",
    };
    // Act
    const config = readAppConfig((k) => context[k], read, "/default.json");
    // Assess
    expect(config.stackName).toBe("Mig2");
    expect(config.settings).toMatchObject({
      jobType: "GET",
      maxCapacity: 30,
      bucketMapJson: BUCKET_MAP,
      notificationEmails: ["a@example.com", "b@example.com"],
    });
  });

  it("falls back to the default file when nothing names a bucket map", () => {
    // Act
    const config = readAppConfig(() => undefined, read, "/default.json");
    // Assess
    expect(config.configFile).toBe("/default.json");
    expect(JSON.parse(config.settings.bucketMapJson ?? "")).toEqual(JSON.parse(BUCKET_MAP));
  });

  it("names a settings or bucket-map file that cannot be read, as a ConfigError", () => {
    const contexts: Record<string, string>[] = [
      { config: "/cfg/missing.json" },
      { bucketMapFile: "/cfg/none.json" },
    ];
    for (const context of contexts) {
      const lookup = (k: string) => context[k];
      const err = (() => {
        try {
          readAppConfig(lookup, read, "/default.json");
          return undefined;
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(/cannot read \/cfg\/(missing|none)\.json/);
    }
  });

  it("names unknown keys and unparsable context values", () => {
    // Prepare
    const context: Record<string, string> = {
      bucketMap: BUCKET_MAP,
      minCapacity: "two",
      jobsenderEnabled: "yes",
    };
    // Act
    const message = problemsOf(() => readAppConfig((k) => context[k], read, "/default.json"));
    // Assess
    expect(message).toContain('minCapacity: got "two"; expected an integer');
    expect(message).toContain('jobsenderEnabled: got "yes"; expected true or false');
  });
});

describe("contextFromArgv", () => {
  it("reads -c, --context and --context= pairs, keeping '=' inside values", () => {
    // Act
    const context = contextFromArgv([
      "-c",
      "minCapacity=2",
      "--context",
      'bucketMap=[{"a":"b=c"}]',
      "--context=jobType=GET",
      "stray",
    ]);
    // Assess
    expect(context).toEqual({ minCapacity: "2", bucketMap: '[{"a":"b=c"}]', jobType: "GET" });
  });
});

describe("buildAppIni", () => {
  it("writes the names the stack creates and the extra settings, valid for the worker's parser", () => {
    // Prepare
    const s = resolveSettings({
      bucketMapJson: BUCKET_MAP,
      tableQueueName: "batch_7",
      appSettings: { MaxThread: "20" },
    });
    // Act
    const ini = buildAppIni(s).split("\n");
    // Assess
    expect(ini).toEqual(
      expect.arrayContaining([
        "JobType = PUT",
        "table_queue_name = batch_7",
        "ssm_parameter_bucket = s3_migration_bucket_para",
        "ssm_parameter_credentials = s3_migration_credentials",
        "MaxThread = 20",
      ]),
    );
    expect(ini.some((l) => l.startsWith("Region"))).toBe(false);
  });

  it("rejects keys the stack owns and values the worker would reject", () => {
    // Prepare
    const owned = resolveSettings({
      bucketMapJson: BUCKET_MAP,
      appSettings: { table_queue_name: "other" },
    });
    const invalid = resolveSettings({ bucketMapJson: BUCKET_MAP, appSettings: { MaxThread: "0" } });
    // Act + Assess
    expect(problemsOf(() => buildAppIni(owned))).toContain("appSettings.table_queue_name");
    expect(problemsOf(() => buildAppIni(invalid))).toMatch(/MaxThread: got "0"/);
  });

  it("passes on the worker's warning about a JobTimeout above SQS's 12 hours (capped)", () => {
    // Prepare
    const s = resolveSettings({ bucketMapJson: BUCKET_MAP, appSettings: { JobTimeout: "86400" } });
    const warnings: string[] = [];
    // Act
    buildAppIni(s, (w) => warnings.push(w));
    // Assess
    expect(warnings).toEqual([expect.stringMatching(/JobTimeout = 86400 .*43200 is used/)]);
  });
});
