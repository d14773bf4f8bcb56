import type { Template } from "aws-cdk-lib/assertions";

/**
 * Renders a CloudFormation value that CDK built with `Fn::Join` (user data, dashboard bodies) as
 * plain text, with references shown as `{Ref:Id}` / `{GetAtt:Id.Attr}`: lets a test read what an
 * instance or the console will get.
 */
export function renderCfnText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  if (value !== null && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if ("Fn::Base64" in o) return renderCfnText(o["Fn::Base64"]);
    if ("Fn::Join" in o) {
      const [sep, parts] = o["Fn::Join"] as [string, unknown[]];
      return parts.map(renderCfnText).join(sep);
    }
    if ("Ref" in o) return `{Ref:${String(o.Ref)}}`;
    if ("Fn::GetAtt" in o) return `{GetAtt:${(o["Fn::GetAtt"] as string[]).join(".")}}`;
  }
  return JSON.stringify(value);
}

/** The rendered user data of every launch template, keyed by logical id. */
export function userDataByTemplate(template: Template): Record<string, string> {
  const templates = template.findResources("AWS::EC2::LaunchTemplate");
  return Object.fromEntries(
    Object.entries(templates).map(([id, r]) => [
      id,
      renderCfnText(r.Properties.LaunchTemplateData.UserData),
    ]),
  );
}
