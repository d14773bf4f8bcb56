import type { BucketMapping, Logger } from "@s3-migration/common";
import type { PlanStats } from "./plan-jobs.js";

/**
 * Shows how a run is going: on a terminal, one line on stderr rewritten every second;
 * otherwise (cron, systemd) a log line every 30 seconds.
 */
export function startProgress(
  logger: Logger,
  mapping: BucketMapping,
  stats: PlanStats,
  sent: () => number,
): { stop: () => void } {
  const tty = process.stderr.isTTY === true;
  const started = Date.now();
  const line = () =>
    `${mapping.srcBucket}/${mapping.srcPrefix} → ${mapping.desBucket}/${mapping.desPrefix}: ` +
    `listed ${stats.sourceObjects} / ${stats.destinationObjects}, jobs ${stats.jobs} ` +
    `(${(stats.bytes / 1048576).toFixed(0)} MiB), sent ${sent()}, ignored ${stats.ignored}, ` +
    `${((Date.now() - started) / 1000).toFixed(0)} s`;
  const timer = setInterval(
    () => {
      if (tty) process.stderr.write(`\r\x1b[2K${line()}`);
      else logger.info("jobsender progress", { ...mapping, ...stats, sent: sent() });
    },
    tty ? 1000 : 30_000,
  );
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      if (tty) process.stderr.write(`\r\x1b[2K${line()}\n`);
    },
  };
}
