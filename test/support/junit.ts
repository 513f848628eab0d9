/**
 * A small reader of the JUnit XML `tethys scenario run --junit` writes (test support): suites
 * with their counts and test cases with their failure messages. Attribute values are unescaped.
 */
export interface JunitCase {
  name: string;
  failure?: string;
  error?: string;
}
export interface JunitSuite {
  name: string;
  tests: number;
  failures: number;
  errors: number;
  cases: JunitCase[];
}
export interface Junit {
  tests: number;
  failures: number;
  errors: number;
  suites: JunitSuite[];
}

const unescapeXml = (s: string) =>
  s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return m === null ? undefined : unescapeXml(m[1] as string);
}

export function parseJunit(xml: string): Junit {
  const root = /<testsuites\b[^>]*>/.exec(xml)?.[0];
  if (root === undefined) throw new Error("no <testsuites> element");
  const suites: JunitSuite[] = [];
  for (const m of xml.matchAll(/<testsuite\b([^>]*)>([\s\S]*?)<\/testsuite>/g)) {
    const head = m[1] as string;
    const cases: JunitCase[] = [];
    for (const c of (m[2] as string).matchAll(/<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g)) {
      const body = c[3] ?? "";
      const failure = /<failure\b([^>]*)>/.exec(body)?.[1];
      const error = /<error\b([^>]*)>/.exec(body)?.[1];
      cases.push({
        name: attr(c[1] as string, "name") ?? "",
        ...(failure === undefined ? {} : { failure: attr(failure, "message") ?? "" }),
        ...(error === undefined ? {} : { error: attr(error, "message") ?? "" }),
      });
    }
    suites.push({
      name: attr(head, "name") ?? "",
      tests: Number(attr(head, "tests")),
      failures: Number(attr(head, "failures")),
      errors: Number(attr(head, "errors")),
      cases,
    });
  }
  return {
    tests: Number(attr(root, "tests")),
    failures: Number(attr(root, "failures")),
    errors: Number(attr(root, "errors")),
    suites,
  };
}
