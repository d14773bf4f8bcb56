/** Namespace of the CloudWatch agent's host metrics (memory, disk, TCP, program processes). */
export const AGENT_NAMESPACE = "S3Migration/Host";

/**
 * The agent's metric for the number of processes matching the program's pattern: procstat's
 * `pid_count` measurement, published as `procstat_lookup_pid_count`. It is sent every minute
 * on every host whose agent runs, 0 when no process matches: the worker health signal.
 */
export const PROCESS_COUNT_MEASUREMENT = "pid_count";

/** Options of {@link cloudWatchAgentConfig}. */
export interface AgentConfigOptions {
  /** `worker` or `jobsender`: the `Role` dimension and the log file name. */
  readonly role: string;
  /** The stack's name: the `StackName` dimension, so two stacks' hosts never mix. */
  readonly stackName: string;
  /** Application log file the agent ships. */
  readonly logFile: string;
  /** Log group it goes to (may be a token). */
  readonly logGroupName: string;
  /** Regular expression on the command line of the program's process (procstat `pattern`). */
  readonly processPattern: string;
}

/** The dimensions every host metric carries; the dashboard queries exactly these. */
export function hostDimensions(stackName: string, role: string): Record<string, string> {
  return { StackName: stackName, Role: role };
}

/**
 * CloudWatch agent configuration: memory, root-disk and TCP-connection metrics with fixed
 * dimensions (`StackName`, `Role`; no host name, so all instances of a role share one series
 * and CloudWatch aggregates across them, without `ec2:DescribeTags`), and the application log
 * file shipped to its log group. The worker's EMF lines in that file become the `S3Migration`
 * metrics at ingestion (CloudWatch Logs extracts EMF from any JSON event with an `_aws` block).
 * The boot log (cloud-init output) goes to the same group, stream `<instance id>/boot`.
 * procstat counts the program's processes (see {@link PROCESS_COUNT_MEASUREMENT}).
 */
export function cloudWatchAgentConfig(o: AgentConfigOptions): Record<string, unknown> {
  const dims = hostDimensions(o.stackName, o.role);
  return {
    agent: { metrics_collection_interval: 60, omit_hostname: true, run_as_user: "root" },
    metrics: {
      namespace: AGENT_NAMESPACE,
      metrics_collected: {
        mem: { measurement: ["mem_used_percent"], append_dimensions: dims },
        disk: {
          measurement: ["used_percent"],
          resources: ["/"],
          drop_device: true,
          append_dimensions: dims,
        },
        netstat: { measurement: ["tcp_established", "tcp_time_wait"], append_dimensions: dims },
        procstat: [
          {
            pattern: o.processPattern,
            measurement: [PROCESS_COUNT_MEASUREMENT],
            append_dimensions: dims,
          },
        ],
      },
      aggregation_dimensions: [Object.keys(dims)],
    },
    logs: {
      logs_collected: {
        files: {
          collect_list: [
            {
              file_path: o.logFile,
              log_group_name: o.logGroupName,
              log_stream_name: "{instance_id}",
            },
            {
              // The user data's output: why a host that never started its service failed.
              file_path: "/var/log/cloud-init-output.log",
              log_group_name: o.logGroupName,
              log_stream_name: "{instance_id}/boot",
            },
          ],
        },
      },
    },
  };
}
