/**
 * EventBridge schedule expressions (the Lambda jobsender's `jobsenderScheduleExpression`),
 * checked at synth so a typo fails `cdk synth` rather than the deploy:
 *
 * - `rate(<n> <unit>)`: n ≥ 1, unit `minute`/`hour`/`day` for 1, `minutes`/`hours`/`days` above.
 * - `cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)`, in UTC: six fields,
 *   `?` in exactly one of day-of-month and day-of-week, `*`, lists `a,b`, ranges `a-b`, steps
 *   `a/n` `*\/n` `a-b/n`; `L`, `W` (day-of-month), `L`, `#` (day-of-week); month and weekday
 *   names (`JAN`, `MON-FRI`).
 *
 * Not a systemd `OnCalendar=` value (`hourly`, `*-*-* 02:00:00`): that is `jobsenderSchedule`,
 * the host timer's.
 */

/** Examples quoted in the error messages. */
export const SCHEDULE_EXPRESSION_EXAMPLES = "rate(1 hour), rate(30 minutes), cron(0 2 * * ? *)";

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface FieldRule {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Names standing for min, min + 1, … (months, weekdays). */
  readonly names?: readonly string[];
  /** Whole-field tokens allowed besides lists of values, e.g. `L`, `15W`, `6#3`. */
  readonly special?: RegExp;
}

const CRON_FIELDS: readonly FieldRule[] = [
  { name: "minutes", min: 0, max: 59 },
  { name: "hours", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31, special: /^(\?|L|LW|([1-9]|[12]\d|3[01])W)$/ },
  { name: "month", min: 1, max: 12, names: MONTHS },
  { name: "day-of-week", min: 1, max: 7, names: WEEKDAYS, special: /^(\?|L|[1-7]L|[1-7]#[1-5])$/ },
  { name: "year", min: 1970, max: 2199 },
];

/** Why `expression` is not an EventBridge schedule expression, or undefined when it is one. */
export function scheduleExpressionProblem(expression: string): string | undefined {
  const rate = /^rate\((.*)\)$/.exec(expression);
  if (rate) return rateProblem(rate[1] ?? "");
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (cron) return cronProblem(cron[1] ?? "");
  return "neither rate(…) nor cron(…)";
}

function rateProblem(body: string): string | undefined {
  const m = /^(\d+) (minutes?|hours?|days?)$/.exec(body);
  if (!m) return `rate(${body}): expected rate(<n> minute(s)|hour(s)|day(s)), e.g. rate(1 hour)`;
  const n = Number(m[1]);
  const unit = m[2] ?? "";
  if (n < 1) return `rate(${body}): the value must be at least 1`;
  if (n === 1 && unit.endsWith("s")) return `rate(${body}): with 1 the unit is singular`;
  if (n > 1 && !unit.endsWith("s")) return `rate(${body}): above 1 the unit is plural`;
  return undefined;
}

function cronProblem(body: string): string | undefined {
  const fields = body.split(" ");
  if (fields.length !== 6)
    return `cron(${body}): ${fields.length} field(s), expected 6 (minutes hours day-of-month month day-of-week year)`;
  for (const [i, rule] of CRON_FIELDS.entries()) {
    const field = fields[i] ?? "";
    if (!fieldValid(field, rule)) return `cron(${body}): bad ${rule.name} field "${field}"`;
  }
  const [dayOfMonth, dayOfWeek] = [fields[2], fields[4]];
  if ((dayOfMonth === "?") === (dayOfWeek === "?"))
    return `cron(${body}): exactly one of day-of-month and day-of-week must be ?`;
  return undefined;
}

function fieldValid(field: string, rule: FieldRule): boolean {
  if (rule.special?.test(field)) return true;
  return field.split(",").every((item) => itemValid(item, rule));
}

/** `*`, `*\/n`, `a`, `a-b`, `a/n`, `a-b/n`. */
function itemValid(item: string, rule: FieldRule): boolean {
  const m = /^(\*|[A-Z0-9]+(?:-[A-Z0-9]+)?)(?:\/(\d+))?$/.exec(item);
  if (!m) return false;
  if (m[2] !== undefined && Number(m[2]) < 1) return false;
  if (m[1] === "*") return true;
  const [from, to] = (m[1] ?? "").split("-").map((v) => fieldValue(v, rule));
  if (from === undefined) return false;
  return to === undefined ? !(m[1] ?? "").includes("-") : to >= from;
}

function fieldValue(text: string, rule: FieldRule): number | undefined {
  const named = rule.names?.indexOf(text) ?? -1;
  const n = named >= 0 ? rule.min + named : /^\d+$/.test(text) ? Number(text) : Number.NaN;
  return n >= rule.min && n <= rule.max ? n : undefined;
}
