// The jobsender runs from a systemd timer (`OnCalendar=`), so its schedule is checked against
// systemd's calendar grammar (systemd.time(7), as systemd 252 on Amazon Linux 2023 parses it) at
// synth: a value systemd rejects would leave the timer dead on the host, with no error anywhere
// the operator looks. Deliberately a little stricter than systemd: whole seconds only.

/** systemd's shorthands (case-insensitive). */
const SHORTHANDS = new Set([
  "minutely",
  "hourly",
  "daily",
  "weekly",
  "monthly",
  "yearly",
  "annually",
  "quarterly",
  "semiannually",
]);

const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const WEEKDAY_NAMES = [
  "monday",
  "tuesday",
  "wednesday",
  "thursday",
  "friday",
  "saturday",
  "sunday",
];

/** One field of a date or time: its name (for messages) and its bounds. */
interface Field {
  readonly name: string;
  readonly min: number;
  readonly max: number;
}

const YEAR: Field = { name: "year", min: 1970, max: 2199 };
const MONTH: Field = { name: "month", min: 1, max: 12 };
const DAY: Field = { name: "day", min: 1, max: 31 };
/** `~N`: the Nth last day of the month. */
const LAST_DAY: Field = { name: "last day (~)", min: 1, max: 28 };
const HOUR: Field = { name: "hour", min: 0, max: 23 };
const MINUTE: Field = { name: "minute", min: 0, max: 59 };
const SECOND: Field = { name: "second", min: 0, max: 59 };

/**
 * Why `expression` is not a systemd `OnCalendar=` expression the jobsender timer can use, or
 * undefined when it is one. Accepts what systemd accepts (shorthands, `[weekdays] [date] [time]
 * [time zone]`, `@epoch`), except fractional seconds.
 *
 * @example
 * onCalendarProblem("Mon..Fri *-*-* 06:00"); // undefined
 * onCalendarProblem("rate(1 hour)"); // "rate(…) and cron(…) are EventBridge syntax …"
 */
export function onCalendarProblem(expression: string): string | undefined {
  const value = expression.trim();
  if (/^(rate|cron)\(/i.test(value))
    return "rate(…) and cron(…) are EventBridge syntax, not systemd's (rate(1 hour) is hourly, cron(0 2 * * ? *) is *-*-* 02:00:00)";
  if (/^[\d*/,?-]+( +[\d*/,?A-Za-z-]+){4,5}$/.test(value))
    return "a crontab line is not systemd's syntax (0 2 * * * is *-*-* 02:00:00)";
  if (value === "") return "an empty schedule";
  if (!/^[A-Za-z0-9 *:/,.~_+@-]+$/.test(value))
    return "only letters, digits, spaces and * : / , . ~ _ + - @ (one line)";
  if (/^@\d+$/.test(value)) return undefined;
  const tokens = value.split(/ +/);
  const last = tokens[tokens.length - 1] ?? "";
  if (tokens.length > 1 && /^[A-Za-z]/.test(last)) {
    const zone = timeZoneProblem(last);
    const misplaced = weekdaysProblem(last) === undefined || SHORTHANDS.has(last.toLowerCase());
    if (zone !== undefined) return misplaced ? unexpected(last) : zone;
    tokens.pop();
  }
  const [first = ""] = tokens;
  if (tokens.length === 1 && SHORTHANDS.has(first.toLowerCase())) return undefined;
  return partsProblem(tokens);
}

/** `[weekdays] [date] [time]`, in that order, each at most once. */
function partsProblem(tokens: readonly string[]): string | undefined {
  let i = 0;
  const at = (): string => tokens[i] ?? "";
  const parts: [(t: string) => boolean, (t: string) => string | undefined][] = [
    [(t) => /^[A-Za-z]/.test(t), weekdaysProblem],
    [(t) => /[-~]/.test(t) && !t.includes(":"), dateProblem],
    [(t) => t.includes(":"), timeProblem],
  ];
  for (const [matches, check] of parts) {
    if (i < tokens.length && matches(at())) {
      const problem = check(at());
      if (problem !== undefined) return problem;
      i++;
    }
  }
  return i < tokens.length ? unexpected(at()) : undefined;
}

function unexpected(token: string): string {
  return `unexpected "${token}" (the parts are [weekdays] [date] [time] [time zone], in that order, or a shorthand such as hourly)`;
}

function weekdaysProblem(token: string): string | undefined {
  const day = (name: string): number => {
    const lower = name.toLowerCase();
    const short = WEEKDAYS.indexOf(lower);
    return short >= 0 ? short : WEEKDAY_NAMES.indexOf(lower);
  };
  for (const item of token.split(",")) {
    const ends = item.split(/\.\.|-/);
    if (ends.length > 2 || ends.some((e) => day(e) < 0))
      return `weekday "${item}": expected Mon … Sun (or Monday …), a list (Sat,Sun) or a range (Mon..Fri)`;
    const [from = "", to = from] = ends;
    if (day(from) > day(to)) return `weekday range "${item}" runs backwards (Mon..Sun order)`;
  }
  return undefined;
}

function dateProblem(token: string): string | undefined {
  const tilde = token.indexOf("~");
  const head = tilde >= 0 ? token.slice(0, tilde) : token;
  const parts = head.split("-");
  if (tilde < 0 ? parts.length < 2 || parts.length > 3 : parts.length > 2)
    return `date "${token}": expected [YYYY-]MM-DD (or [YYYY-]MM~DD for the last days)`;
  const day = tilde >= 0 ? token.slice(tilde + 1) : (parts.pop() ?? "");
  const month = parts.pop() ?? "*";
  const year = parts.pop() ?? "*";
  return (
    fieldProblem(year, YEAR, { twoDigitYears: true }) ??
    fieldProblem(month, MONTH) ??
    (tilde >= 0 ? fieldProblem(day, LAST_DAY, { noRepeat: true }) : fieldProblem(day, DAY))
  );
}

function timeProblem(token: string): string | undefined {
  const parts = token.split(":");
  if (parts.length > 3) return `time "${token}": expected HH:MM or HH:MM:SS`;
  const [hour = "", minute = "", second = "0"] = parts;
  if (second.replaceAll("..", "").includes(".")) return `time "${token}": whole seconds only`;
  return fieldProblem(hour, HOUR) ?? fieldProblem(minute, MINUTE) ?? fieldProblem(second, SECOND);
}

/**
 * One field: `*`, or a list of `N`, `N..M`, `N/R` (N + R within the field) and `N..M/R`.
 * Two-digit years mean 1970–2069, as in systemd.
 */
function fieldProblem(
  text: string,
  field: Field,
  options: { twoDigitYears?: boolean; noRepeat?: boolean } = {},
): string | undefined {
  if (text === "*") return undefined;
  const value = (digits: string): number => {
    const n = Number(digits);
    if (!options.twoDigitYears || digits.length > 2) return n;
    return n < 70 ? 2000 + n : 1900 + n;
  };
  const inRange = (n: number): boolean => n >= field.min && n <= field.max;
  const bounds = `${field.min}–${field.max}`;
  for (const item of text.split(",")) {
    const m = /^(\d+)(?:\.\.(\d+))?(?:\/(\d+))?$/.exec(item);
    if (m === null || (options.noRepeat && m[3] !== undefined))
      return `${field.name} "${item}": expected *, N, N..M${options.noRepeat ? "" : ", N/R"} or a list of them`;
    const from = value(m[1] ?? "");
    const to = m[2] === undefined ? from : value(m[2]);
    if (!inRange(from) || !inRange(to)) return `${field.name} "${item}": outside ${bounds}`;
    if (from > to) return `${field.name} range "${item}" runs backwards`;
    const repeat = m[3] === undefined ? undefined : Number(m[3]);
    if (repeat !== undefined && repeat < 1) return `${field.name} "${item}": a repetition of 0`;
    if (repeat !== undefined && m[2] === undefined && from + repeat > field.max)
      return `${field.name} "${item}": the first repetition (${from + repeat}) is past ${field.max}`;
  }
  return undefined;
}

/** `UTC` (any case, as systemd) or a time zone name as in the tz database (case-sensitive). */
function timeZoneProblem(zone: string): string | undefined {
  if (zone.toUpperCase() === "UTC") return undefined;
  const expected = `time zone "${zone}": expected UTC or a tz database name such as Asia/Shanghai`;
  let canonical: string;
  try {
    canonical = new Intl.DateTimeFormat("en", { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return expected;
  }
  // Intl ignores case; systemd looks the name up in /usr/share/zoneinfo, which does not.
  if (canonical.toLowerCase() === zone.toLowerCase() && canonical !== zone)
    return `${expected} (names are case-sensitive: ${canonical})`;
  if (!zone.split("/").every((segment) => /^[A-Z]/.test(segment))) return expected;
  return undefined;
}
