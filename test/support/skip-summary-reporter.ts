import { relative } from "node:path";
import { Readable } from "node:stream";
import { spec, type TestEvent } from "node:test/reporters";

/**
 * The `npm test` reporter: Node's spec reporter, unchanged, followed by one block listing every
 * skipped test grouped by its reason, and a last line `tests: N passed, N failed, N skipped`
 * that CI tooling reads. It wraps the spec reporter (rather than running beside it) so that the
 * block and the count line always come after everything the spec reporter prints.
 *
 * Counting: a test (or a file that failed outside any test) is passed, failed or skipped; a
 * cancelled test counts as failed, a `todo` test as skipped (its reason starts with "todo").
 * A skipped suite is one skipped entry (its tests never run). A suite that failed for its own
 * reason (a hook) counts as failed; one that failed because a test in it failed adds nothing.
 */

export interface SkippedTest {
  readonly name: string;
  /** Relative to the working folder; "" when the runner does not say. */
  readonly file: string;
  readonly line: number;
}

export class SkipSummary {
  passed = 0;
  failed = 0;
  /** Skipped tests by reason. */
  readonly skipped = new Map<string, SkippedTest[]>();
  private readonly cwd: string;

  constructor(cwd: string = process.cwd()) {
    this.cwd = cwd;
  }

  get skippedCount(): number {
    let n = 0;
    for (const list of this.skipped.values()) n += list.length;
    return n;
  }

  add(event: TestEvent): void {
    if (event.type !== "test:pass" && event.type !== "test:fail") return;
    const { data } = event;
    const suite = data.details.type === "suite";
    if (data.skip !== undefined) {
      this.skip(data, reasonText(data.skip));
    } else if (data.todo !== undefined) {
      this.skip(data, data.todo === true ? "todo" : `todo: ${data.todo}`);
    } else if (event.type === "test:pass") {
      if (!suite) this.passed++;
    } else {
      const failureType = (event.data.details.error as { failureType?: string } | undefined)?.failureType;
      if (!suite || failureType !== "subtestsFailed") this.failed++;
    }
  }

  /** The block printed after the run; its last line is the count line. */
  render(): string {
    const lines = [`Skipped (${this.skippedCount}):${this.skippedCount === 0 ? " none" : ""}`];
    // Files run in parallel, so the order events arrive in varies: sort for a stable listing.
    for (const reason of [...this.skipped.keys()].sort()) {
      const tests = [...(this.skipped.get(reason) ?? [])].sort(
        (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.name.localeCompare(b.name),
      );
      lines.push(`  ${reason} (${tests.length}):`);
      for (const t of tests) lines.push(`    ${t.file === "" ? "" : `${t.file}:${t.line} `}${t.name}`);
    }
    lines.push(`tests: ${this.passed} passed, ${this.failed} failed, ${this.skippedCount} skipped`);
    return `\n${lines.join("\n")}\n`;
  }

  private skip(data: { name: string; file?: string; line?: number }, reason: string): void {
    const file = data.file === undefined ? "" : relative(this.cwd, data.file);
    const list = this.skipped.get(reason) ?? [];
    list.push({ name: data.name, file, line: data.line ?? 0 });
    this.skipped.set(reason, list);
  }
}

function reasonText(skip: string | boolean): string {
  return skip === true || skip === "" ? "no reason given" : String(skip);
}

export default async function* skipSummaryReporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  const summary = new SkipSummary();
  async function* recorded(): AsyncGenerator<TestEvent> {
    for await (const event of source) {
      summary.add(event);
      yield event;
    }
  }
  for await (const chunk of Readable.from(recorded()).pipe(spec())) yield String(chunk);
  yield summary.render();
}
