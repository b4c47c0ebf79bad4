/** Usage errors of the `tlib` commands: one line saying what is wrong, then where to read more. */

/**
 * A usage error as one line, then where to read more: `tlib monitor: unknown option --colour` and
 * "see `tlib monitor --help`". Node's parseArgs messages are reworded to that form.
 */
export function usageErrorLines(command: string, err: unknown): string {
  return `${command}: ${usageProblem(err)}\nsee \`${command} --help\``;
}

/** What was wrong with a command line, as one lowercase phrase (parseArgs' errors reworded). */
export function usageProblem(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const quoted = /'([^']*)'/.exec(e.message ?? '')?.[1];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${quoted ?? e.message}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${JSON.stringify(quoted ?? e.message)}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const flag = /--[\w-]+/.exec(e.message ?? '')?.[0];
      return flag ? `${flag} needs a value` : String(e.message);
    }
    default:
      return String(e.message ?? err);
  }
}
