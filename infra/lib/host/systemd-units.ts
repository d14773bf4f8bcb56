import { FETCH_SCRIPT, LOG_DIR, nodeCommand } from "./host-script.js";

/** Unit names, as operators type them (`systemctl start s3-migration-jobsender`). */
export const WORKER_SERVICE = "s3-migration-worker.service";
export const JOBSENDER_SERVICE = "s3-migration-jobsender.service";
export const JOBSENDER_TIMER = "s3-migration-jobsender.timer";

/** Exit code of the jobsender when it skipped because the queue is still busy (not a failure). */
export const JOBSENDER_BUSY_EXIT = 3;

function serviceCommon(region: string, role: string): string[] {
  return [
    "User=s3mig",
    "Group=s3mig",
    `Environment=AWS_REGION=${region}`,
    // "-": a failed refresh keeps the files already on disk; "+": runs as root (writes /opt).
    `ExecStartPre=-+${FETCH_SCRIPT}`,
    `StandardOutput=append:${LOG_DIR}/${role}.log`,
    `StandardError=append:${LOG_DIR}/${role}.log`,
    "LimitNOFILE=65536",
  ];
}

/**
 * The worker service: restarted whatever its exit, stopped with SIGTERM to the whole control
 * group and up to 110 s to finish (a 20 s long poll plus releasing messages in flight) before
 * SIGKILL.
 */
export function workerUnit(region: string, nodejsMajorVersion: number): string {
  return [
    "[Unit]",
    "Description=s3-migration worker (SQS consumer)",
    "Wants=network-online.target",
    "After=network-online.target",
    "StartLimitIntervalSec=0",
    "",
    "[Service]",
    "Type=simple",
    ...serviceCommon(region, "worker"),
    `ExecStart=${nodeCommand(nodejsMajorVersion, "worker")}`,
    "Restart=always",
    "RestartSec=10",
    // Exit 4: stopped for a Spot interruption notice; the instance is about to go, so taking
    // new messages again would only have them released a second time.
    "RestartPreventExitStatus=4",
    "KillMode=control-group",
    "KillSignal=SIGTERM",
    "TimeoutStopSec=110",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
  ].join("\n");
}

/** One jobsender run (exit 3, "queue still busy", counts as success). */
export function jobsenderUnit(region: string, nodejsMajorVersion: number): string {
  return [
    "[Unit]",
    "Description=s3-migration jobsender (one run: diff and enqueue)",
    "Wants=network-online.target",
    "After=network-online.target",
    "",
    "[Service]",
    "Type=oneshot",
    ...serviceCommon(region, "jobsender"),
    `ExecStart=${nodeCommand(nodejsMajorVersion, "jobsender")}`,
    `SuccessExitStatus=${JOBSENDER_BUSY_EXIT}`,
    "TimeoutStartSec=infinity",
    "KillMode=control-group",
  ].join("\n");
}

/** The schedule: a systemd timer (a run still going when the next is due is not started twice). */
export function jobsenderTimer(onCalendar: string): string {
  return [
    "[Unit]",
    "Description=s3-migration jobsender schedule",
    "",
    "[Timer]",
    `OnCalendar=${onCalendar}`,
    "Persistent=true",
    `Unit=${JOBSENDER_SERVICE}`,
    "",
    "[Install]",
    "WantedBy=timers.target",
  ].join("\n");
}
