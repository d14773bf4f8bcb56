/**
 * The link in front of the china tenant (the access-key side), or with `--no-link` none: the
 * endpoint the access-key side's clients get. Shared by run-long-haul.ts and run-giant.ts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../../test/support/local-stack.js";
import { type Link, MB, startLink } from "./link.js";
import type { LinkShape } from "./physical-limit.js";

/** Starts the link (none when `noLink`) before the china tenant of `.local/credentials.json`. */
export async function openLink(
  o: { readonly noLink: boolean; readonly shape: LinkShape },
  say: (line: string) => void,
): Promise<{ link: Link | undefined; endpoint: string }> {
  const credentials = join(ROOT, ".local", "credentials.json");
  const china = new URL(
    (JSON.parse(readFileSync(credentials, "utf8")) as { endpoint: string }).endpoint,
  );
  if (o.noLink) {
    say(`no link: the china tenant at ${china.origin} directly (loopback)`);
    return { link: undefined, endpoint: china.origin };
  }
  const link = await startLink({
    upstream: { host: china.hostname, port: Number(china.port) },
    ...o.shape,
  });
  const total = o.shape.totalBytesPerSec;
  say(
    `link ${link.url} → ${china.host}: RTT ${o.shape.rttMs} ms, ${o.shape.perConnectionBytesPerSec / MB} MB/s per connection${total === undefined ? "" : `, ${total / MB} MB/s in total`}`,
  );
  return { link, endpoint: link.url };
}
