/** Where a `tethys` command prints: the process's stdout/stderr in `tethys.ts`, strings in tests. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Whether `err` is a terminal (progress bars instead of percentage lines); default false. */
  errIsTty?: boolean;
}

/** What a command's action resolves with: the process exit code (0 ok, 1 failure, 2 usage error). */
export type ExitCode = number;
